"""Periodic jobs of stage 3 (declared once here; common.jobs builds beat's schedule from them)."""

from celery.schedules import crontab

from common.jobs import job

from .services import exit_proposals_from_comparison


@job("deregistration.propose_from_comparison", schedule=crontab(hour=2, minute=30))
def propose_from_comparison() -> dict:
    """Propose 11 / 12 for every active registration whose person has a social-insurance or business record that
    started after the registration date (notice 四). Each comparison import already proposes for its own records
    when it is done; this nightly run over all records catches registrations imported after the record and an
    import whose signal was lost. Idempotent: an event is proposed once."""
    return {"proposed": exit_proposals_from_comparison()}
