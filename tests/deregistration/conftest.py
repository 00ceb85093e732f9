from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine


@pytest.fixture(autouse=True)
def _today():
    """Every test here runs on 2026-11-20, 10:00 Asia/Shanghai (the streaks count complete months back)."""
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield
