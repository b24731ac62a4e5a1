from celery import shared_task

from notifications import services


@shared_task(
    name="notifications.deliver_message",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=services.MAX_ATTEMPTS,
    soft_time_limit=60,
    time_limit=90,
)
def task_deliver_message(*, message_id: int) -> None:
    """Deliver one outbox e-mail; idempotent, retried on SMTP errors."""
    services.deliver_message(message_id=message_id)


@shared_task(name="notifications.resend_pending_messages", soft_time_limit=120, time_limit=150)
def task_resend_pending_messages() -> int:
    """Periodic: re-queue e-mails that are still pending or failed (broker or mail outage)."""
    return services.resend_pending_messages()
