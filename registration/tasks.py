"""Celery tasks of stage 1 that are not periodic jobs (those are in jobs.py): work queued after a commit."""

from celery import shared_task

from .imports import import_batch_process
from .imports.batches import task_seconds


@shared_task(name="registration.process_import_batch", ignore_result=True)
def process_import_batch(batch_id: int) -> None:
    """Process one queued import batch of any kind (queued after the upload commits, or again by the sweep or
    after a time slice; safe to run twice: only the job that claims the queued batch works on it)."""
    import_batch_process(batch_id, time_budget=task_seconds())
