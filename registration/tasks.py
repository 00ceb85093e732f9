"""Celery tasks of stage 1 that are not periodic jobs (those are in jobs.py): work queued after a commit."""

from celery import shared_task

from .imports import graduates_process


@shared_task(name="registration.process_import_batch", ignore_result=True)
def process_import_batch(batch_id: int) -> None:
    """Process one queued graduate list (queued after the upload commits; safe to run twice)."""
    graduates_process(batch_id=batch_id)
