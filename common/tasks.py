from celery import shared_task


@shared_task(name="common.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Sent by beat every minute (CELERY_BEAT_SCHEDULE); shows on /healthz as beat's last tick."""
    from .services import heartbeat_record

    heartbeat_record(name="beat")


@shared_task(name="common.send_notification", ignore_result=True)
def send_notification(notification_id: int) -> None:
    from .notifications import notification_send

    notification_send(notification_id=notification_id)


@shared_task(name="common.tasks.resend_queued_notifications", ignore_result=True)
def resend_queued_notifications() -> None:
    """Every 5 minutes: messages whose Celery message was lost are sent here (idempotent)."""
    from .jobs import run_job

    run_job("notifications.resend")
