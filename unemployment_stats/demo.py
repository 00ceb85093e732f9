"""Demo data of the monthly statistics (``make run``): the urban employed of the demo regions at the end of last
year (so the rates show, flagged as the year-end figure) and the provisional reports of the period that closed
last. Idempotent: figures already entered are kept; reports are recomputed (final ones keep their figures)."""

from __future__ import annotations

from django.utils import timezone

from offices.models import Region, User

from .models import UrbanEmployed
from .periods import last_closed_period
from .services import reports_compute_provisional

# Urban employed at the end of the previous year (人), demo figures of the Jiaozuo demo regions.
DEMO_EMPLOYED = {"410800": 1_020_000, "410802": 160_000, "410825": 95_000}


def load_demo_stats() -> int:
    ops = User.objects.filter(username="ops_jiaozuo").first()
    if ops is None:
        return 0
    period = last_closed_period(timezone.localdate())
    year_end = period.previous_year_end()
    added = 0
    for code, employed in DEMO_EMPLOYED.items():
        if not Region.objects.filter(code=code).exists():
            continue
        _entry, created = UrbanEmployed.objects.get_or_create(
            region_id=code,
            year=year_end.year,
            month=year_end.month,
            defaults={"employed": employed, "entered_by": ops},
        )
        added += int(created)
    counts = reports_compute_provisional(period=period)
    return added + counts["provisional"]
