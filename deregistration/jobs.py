"""Periodic jobs of stage 3 (declared once here; common.jobs builds beat's schedule from them)."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from common.jobs import job

from .services import exit_proposals_from_comparison


@job(
    "deregistration.propose_from_comparison",
    schedule=crontab(hour=2, minute=30),
    title=_("根据参保、市场主体比对记录提议注销（11/12），补漏当日导入"),
)
def propose_from_comparison() -> dict:
    """Propose 11 / 12 for every active registration whose person has a social-insurance or business record that
    started after the registration date (notice 四). Each comparison import already proposes for its own records
    when it is done; this nightly run over all records catches registrations imported after the record and an
    import whose signal was lost. Idempotent: an event is proposed once."""
    return {"proposed": exit_proposals_from_comparison()}
