"""The national sync's periodic jobs (common.jobs): declared once, scheduled by beat, never two at once."""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from celery.schedules import crontab
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.jobs import TASK_NAME, job

from .services import upload_exits

logger = logging.getLogger(__name__)

UPLOAD_EXITS = "national_sync.upload_exits"
RETRY_KEY = "national_sync:upload_retry_pending"


@dataclass(frozen=True)
class UploadOptions:
    """What ``manage.py upload_deregistrations`` passes to the job it runs (under the job's lock)."""

    only_day: date | None = None
    backfill_since: date | None = None


upload_options: contextvars.ContextVar[UploadOptions | None] = contextvars.ContextVar(
    "upload_options", default=None
)


@job(
    UPLOAD_EXITS,
    schedule=crontab(hour=1, minute=30),
    title=_("向部级业务协同平台上传尚未确认接收的失业登记退出信息"),
)
def upload_exits_job() -> dict:
    """Send the exits not yet acknowledged to the ministry collaboration platform (失业登记退出信息上传)."""
    options = upload_options.get() or UploadOptions()
    counts = upload_exits(only_day=options.only_day, backfill_since=options.backfill_since)
    retry = settings.NATIONAL_SYNC_RETRY_MINUTES
    if counts.get("platform_error") and not counts.get("not_configured") and retry > 0:
        # The platform is down: try again later today rather than tomorrow at 01:30, one retry pending at a
        # time (the cache key), so a platform down for days does not pile up chains of retries. If this
        # message is lost (broker down), the next daily run still sends everything still pending.
        from celery import current_app
        from django.core.cache import cache

        try:
            if cache.add(RETRY_KEY, 1, timeout=max(retry * 60 - 60, 30)):
                current_app.send_task(TASK_NAME, args=[UPLOAD_EXITS], countdown=retry * 60)
                counts["retry_in_minutes"] = retry
        except Exception:  # noqa: BLE001  (the broker is down too; the daily run is the fallback)
            logger.warning("could not schedule the upload's retry", exc_info=True)
    return counts


# ---- the national platform exchange (applications pulled; decisions and local registrations pushed) ----
PULL_APPLICATIONS = "national_sync.pull_applications"
PUSH_RECORDS = "national_sync.push_records"

# manage.py push_registrations --backfill sets it for the run it starts (under the job's lock).
push_backfill: contextvars.ContextVar[bool] = contextvars.ContextVar("push_backfill", default=False)


@job(
    PULL_APPLICATIONS,
    schedule=timedelta(minutes=10),
    title=_("从全国平台拉取新的失业登记申请（每条只转为一次申请，不能办理的暂存待处理）"),
)
def pull_applications_job() -> dict:
    """Pull the national platform's new applications: each becomes one application (channel national), or is parked."""
    from .applications import applications_pull

    return applications_pull()


@job(
    PUSH_RECORDS,
    schedule=timedelta(minutes=10),
    title=_("向全国平台上传全国平台申请的办理结果和本地办理的失业登记"),
)
def push_records_job() -> dict:
    """Push decisions on national applications and every local registration to the national platform."""
    from .pushes import push_records

    return push_records(backfill=push_backfill.get())
