"""Periodic job of the monthly statistics (declared once here; common.jobs builds beat's schedule from it)."""

from celery.schedules import crontab
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.jobs import job

from .periods import last_closed_period
from .services import reports_compute_provisional


@job(
    "unemployment_stats.provisional",
    schedule=crontab(hour=2, minute=30),
    title=_("计算上一统计期（上月21日至本月20日）的暂定月报"),
)
def provisional() -> dict:
    """Compute the provisional report of the period that closed last (the 21st–20th) for every reporting region.

    First run on the 21st, the night after the period closed; it runs every night (idempotent: a provisional
    report takes the corrections made meanwhile, a final one keeps its figures and only gets the differences for a
    supervisor to decide on), so a missed night is made good by the next."""
    period = last_closed_period(timezone.localdate())
    return {"period": period.key, **reports_compute_provisional(period=period)}
