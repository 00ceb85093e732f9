from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine


@pytest.fixture(autouse=True)
def _today():
    """Every test here runs on 2026-12-02, 10:00 Asia/Shanghai: report month 2026-11 has closed (2026-11-20)."""
    with time_machine.travel(datetime(2026, 12, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield
