"""Periodic jobs of stage 1 (declared once here; common.jobs builds beat's schedule from them)."""

from datetime import timedelta

from common.jobs import job

from .imports import import_batches_resume


@job("registration.resume_import_batches", schedule=timedelta(minutes=1))
def resume_import_batches() -> dict:
    """Queue again imports left queued (lost message) or without a heartbeat for a minute (stopped worker).

    With the 15-second heartbeat of registration.imports.batches, interrupted work resumes within about two
    minutes."""
    return {"queued": import_batches_resume()}
