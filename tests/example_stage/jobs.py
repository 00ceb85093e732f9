from celery.schedules import crontab

from common.jobs import job

from .models import Tick


@job("example_stage.tick", schedule=crontab(hour=2, minute=30))
def tick() -> dict:
    """Write one tick."""
    Tick.objects.create()
    return {"ticks": Tick.objects.count()}
