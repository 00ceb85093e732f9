"""Periodic jobs of stage 1 (registry: common.jobs)."""

from common.jobs import job


@job("registration.resume_import_batches")
def resume_import_batches() -> dict:
    """Queue again graduate lists left queued (lost message) or stuck running (dead worker)."""
    from .imports import import_batches_resume

    return {"queued": import_batches_resume()}
