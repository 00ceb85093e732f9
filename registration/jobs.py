"""Periodic jobs of stage 1 (declared once here; common.jobs builds beat's schedule from them)."""

from datetime import timedelta

from common.jobs import job

from .imports import import_batches_resume


@job("registration.resume_import_batches", schedule=timedelta(minutes=5))
def resume_import_batches() -> dict:
    """Queue again graduate lists left queued (lost message) or stuck running (dead worker)."""
    return {"queued": import_batches_resume()}
