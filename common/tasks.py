import logging

from celery import shared_task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    """Queue ``task(*args)`` once the current transaction commits; never fail the caller.

    The database row is the durable record of the work and a periodic sweep re-finds whatever was not
    processed, so a broker that is down (Redis restarting) is logged, not raised: the user's change stands.
    """

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:  # noqa: BLE001  (kombu raises several types; all mean "not queued now")
            logger.warning(
                "could not queue %s%r; the periodic sweep will pick it up", task.name, args, exc_info=True
            )

    transaction.on_commit(send)


@shared_task(name="common.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Sent by beat every minute (CELERY_BEAT_SCHEDULE); shows on /healthz as beat's last tick."""
    from .services import heartbeat_record

    heartbeat_record(name="beat")


@shared_task(name="common.tasks.send_notification", ignore_result=True)
def send_notification(notification_id: int) -> None:
    from .notifications import notification_send

    notification_send(notification_id=notification_id)


@shared_task(name="common.tasks.resend_queued_notifications", ignore_result=True)
def resend_queued_notifications() -> None:
    """Every 5 minutes: messages whose Celery message was lost are sent here (idempotent)."""
    from .jobs import run_job

    run_job("notifications.resend")
