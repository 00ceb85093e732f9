"""Celery beat's scheduler, fed from the job declarations (common.jobs.beat_schedule): no second list to keep.

Settings name it: ``CELERY_BEAT_SCHEDULER = "common.beat:RegistryScheduler"``. Beat sets Django up before it
builds the scheduler, so the declarations of every app's ``jobs.py`` can be read here.
"""

from __future__ import annotations

from celery.beat import PersistentScheduler


class RegistryScheduler(PersistentScheduler):
    """The persistent (shelve file) scheduler whose entries are exactly the scheduled jobs."""

    def setup_schedule(self) -> None:
        from .jobs import beat_schedule

        self.app.conf.beat_schedule = beat_schedule()
        super().setup_schedule()
