"""The shared Celery tasks: one that runs any periodic job by name, one that sends a queued SMS."""

from celery import shared_task

from .jobs import TASK_NAME, run_job
from .notifications import notification_send


@shared_task(name=TASK_NAME, ignore_result=True)
def run_job_task(name: str) -> None:
    """What beat sends for every scheduled job (common.jobs.beat_schedule); the job's lock keeps it single."""
    run_job(name)


@shared_task(name="common.send_notification", ignore_result=True)
def send_notification(notification_id: int) -> None:
    notification_send(notification_id=notification_id)
