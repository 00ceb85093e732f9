"""Periodic jobs of the deadline machinery (declared once here; common.jobs builds beat's schedule from them)."""

from datetime import timedelta

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from common.jobs import job

from .services import alerts_digest, alerts_sweep, clock_loads_refresh, clock_months_refresh


@job("deadlines.sweep", schedule=timedelta(minutes=15), title=_("时限提醒：即将到期、已逾期及逾期上报"))
def sweep() -> dict:
    """Alert the items of every clock that became due soon, overdue, or overdue long enough for the city."""
    return alerts_sweep()


@job("deadlines.digest", schedule=crontab(hour=8, minute=0), title=_("发送每日提醒汇总邮件"))
def digest() -> dict:
    """Send each person the day's digest of their new alerts by e-mail (when configured)."""
    return alerts_digest()


@job("deadlines.rates", schedule=timedelta(hours=1), title=_("重算本月及前12个月的按时办结率"))
def rates() -> dict:
    """Recompute the on-time rates of every clock for this month and the 12 before it (the dashboard's chart)."""
    return clock_months_refresh()


@job("deadlines.load", schedule=timedelta(minutes=5), title=_("统计各时限事项的待办数量（时限看板）"))
def load() -> dict:
    """Count every clock's open items by region, office, person and due day (the dashboard's numbers)."""
    return clock_loads_refresh()
