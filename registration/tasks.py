from celery import shared_task

from .imports import graduates_process


@shared_task(name="registration.process_import_batch", ignore_result=True)
def process_import_batch(batch_id: int) -> None:
    """Process one queued graduate list (queued after the upload commits; safe to run twice)."""
    graduates_process(batch_id=batch_id)


@shared_task(name="registration.tasks.resume_import_batches", ignore_result=True)
def resume_import_batches() -> None:
    """Every 5 minutes: queue again graduate lists whose job message was lost or whose worker died."""
    from common.jobs import run_job

    run_job("registration.resume_import_batches")
