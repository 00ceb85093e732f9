"""Periodic jobs of stage 2 (declared once here; common.jobs builds beat's schedule from them)."""

from datetime import timedelta

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from common.jobs import job

from .services import cases_open, followup_open_current_month


@job("followup.monthly", schedule=crontab(hour=1, minute=0), title=_("开启本月跟踪调查（通知四）"))
def monthly() -> dict:
    """Open this month's follow-up for every registration active on its first day (notice 四).

    Runs every day at 01:00, not only on the 1st: a run is idempotent and opens only what is missing, so a missed
    or failed run on the 1st is made good the next night, and a registration imported later with an earlier
    registration date still gets the month's follow-up. Also opens the case of any registration without one."""
    return followup_open_current_month()


@job(
    "followup.open_cases",
    schedule=timedelta(minutes=1),
    title=_("为新登记人员建立跟踪服务档案，进入首次联系清单"),
)
def open_cases() -> dict:
    """Open the follow-up case of registrations made in the last day, so they show in the first-contact
    worklists within a minute (registration itself knows nothing of follow-up)."""
    return {"opened": cases_open(recent=True)}
