from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from common.jobs import job

from .models import Tick


@job("example_stage.tick", schedule=crontab(hour=2, minute=30), title=_("示例阶段：写入一次计数"))
def tick() -> dict:
    """Write one tick."""
    Tick.objects.create()
    return {"ticks": Tick.objects.count()}
