from celery import shared_task


@shared_task(name="common.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Sent by beat every minute (CELERY_BEAT_SCHEDULE); shows on /healthz as beat's last tick."""
    from .services import heartbeat_record

    heartbeat_record(name="beat")
