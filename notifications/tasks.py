from celery import shared_task

from notifications import services


# No Celery retry: a refused or unreachable mail server is recorded on the row (``failed`` with
# ``next_attempt_at``) and the periodic job below queues the next try when it is due, so the
# back-off and the give-up count live in one place (``services.backoff``, ``MAX_ATTEMPTS``).
# A database error still fails the task; the rows say what to do next (see ``deliver_messages``).
# The name stays "notifications.deliver_message" (queue routes, tasks already in the broker).
@shared_task(name="notifications.deliver_message", soft_time_limit=60, time_limit=90)
def task_deliver_message(
    *, message_ids: list[int] | None = None, message_id: int | None = None
) -> None:
    """Deliver a batch of outbox e-mails (``message_ids``, up to ``services.DELIVERY_BATCH``)
    over one connection to the mail server, each at most once; idempotent. ``message_id`` is
    one e-mail: the form of the tasks queued before batches, still accepted."""
    ids = list(message_ids or [])
    if message_id is not None:
        ids.append(message_id)
    services.deliver_messages(message_ids=ids)


@shared_task(name="notifications.resend_pending_messages", soft_time_limit=120, time_limit=150)
def task_resend_pending_messages() -> int:
    """Periodic: resolve lost claims, queue pending e-mails and failed ones whose retry is due."""
    return services.resend_pending_messages()
