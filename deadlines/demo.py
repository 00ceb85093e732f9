"""Demo data of the deadline machinery: after the stages' demo people, what the jobs would have made by now (the
sweep's alerts, the dashboard's counts, the on-time statistics), so `make run` shows a full dashboard and inbox at
once instead of after beat's first runs. Idempotent: the same jobs' services."""

from __future__ import annotations

from .services import alerts_sweep, clock_loads_refresh, clock_months_refresh


def load_demo_deadlines() -> int:
    """Run the sweep, the counts and the statistics once; returns how many alerts were added."""
    made = alerts_sweep()
    clock_loads_refresh()
    clock_months_refresh()
    return sum(v for k, v in made.items() if k != "recipients")
