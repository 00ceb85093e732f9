"""The shared Celery tasks: one that runs any periodic job by name, one that sends a queued SMS."""

from celery import shared_task

from .jobs import TASK_NAME, run_job
from .models import JobRun
from .notifications import notification_send


@shared_task(name=TASK_NAME, ignore_result=True)
def run_job_task(name: str, user_id: int | None = None) -> None:
    """What beat sends for every scheduled job (common.jobs.beat_schedule), and what "run now" on the ops pages
    queues with the staff member's id (the run is recorded as theirs); the job's lock keeps it single."""
    if user_id is None:
        run_job(name)
        return
    from offices.models import User  # noqa: PLC0415 (the task module is imported before the apps are ready)

    user = User.objects.filter(pk=user_id).first()
    run_job(name, trigger=JobRun.Trigger.USER, user=user)


@shared_task(name="common.send_notification", ignore_result=True)
def send_notification(notification_id: int) -> None:
    notification_send(notification_id=notification_id)
