"""Periodic jobs: one registry, one way to run them and to record each run (DESIGN: "every periodic job ...
records its run (start, end, counts, errors) for the ops page, and can be run by hand").

    @job("notifications.resend")
    def resend() -> dict:
        return {"sent": notification_resend_queued()}

    run_job("notifications.resend", trigger="beat")   # from the Celery task
    manage.py run_job notifications.resend           # by hand, same code

Each app declares its jobs in a ``jobs.py`` module (found like admin.py, on first use). A job function takes
no arguments, does its work through services (idempotent: safe to run twice) and returns
a dict of counts. The JobRun row is written in its own transaction before and after, so a failed run is
recorded even though the job's own transaction rolled back.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .history import history_context
from .models import JobRun

logger = logging.getLogger(__name__)
JOBS: dict[str, Callable[[], dict]] = {}


def job(name: str):
    """Register ``func`` as the periodic job ``name``."""

    def register(func: Callable[[], dict]) -> Callable[[], dict]:
        JOBS[name] = func
        return func

    return register


def registered_jobs() -> dict[str, Callable[[], dict]]:
    """Every job of every app (imports each app's ``jobs`` module once)."""
    autodiscover_modules("jobs")
    return JOBS


def run_job(name: str, *, trigger: str = "beat") -> JobRun:
    """Run the job ``name`` now and record the run; returns the JobRun (status SUCCEEDED or FAILED)."""
    func = registered_jobs()[name]
    run = JobRun.objects.create(job=name, trigger=trigger, started_at=timezone.now())
    try:
        with history_context(source=f"job:{name}"):
            counts = func() or {}
    except Exception:  # noqa: BLE001  (recorded for ops; the next run retries)
        logger.exception("job %s failed", name)
        run.status = JobRun.Status.FAILED
        run.error = traceback.format_exc()[-4000:]
    else:
        run.status = JobRun.Status.SUCCEEDED
        run.counts = counts
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "counts", "finished_at"])
    return run


# ---- the shared app's own jobs ----------------------------------------------------------------------
@job("notifications.resend")
def resend_queued_notifications() -> dict:
    """Send SMS left queued: their Celery message was lost (broker down) or the backend failed."""
    from .notifications import notification_resend_queued

    return {"sent": notification_resend_queued()}
