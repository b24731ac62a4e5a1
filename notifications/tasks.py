from celery import shared_task

from notifications import services


# No Celery retry: a refused or unreachable mail server is recorded on the row (``failed`` with
# ``next_attempt_at``) and the periodic job below queues the next try when it is due, so the
# back-off and the give-up count live in one place (``services.backoff``, ``MAX_ATTEMPTS``).
# A database error still fails the task; the row says what to do next (see ``deliver_message``).
@shared_task(name="notifications.deliver_message", soft_time_limit=60, time_limit=90)
def task_deliver_message(*, message_id: int) -> None:
    """Deliver one outbox e-mail at most once; idempotent."""
    services.deliver_message(message_id=message_id)


@shared_task(name="notifications.resend_pending_messages", soft_time_limit=120, time_limit=150)
def task_resend_pending_messages() -> int:
    """Periodic: resolve lost claims, queue pending e-mails and failed ones whose retry is due."""
    return services.resend_pending_messages()
