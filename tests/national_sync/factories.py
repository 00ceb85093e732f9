"""Effective exits for the national sync tests, made through the deregistration services on 2026-11-20.

effective_exits(caseworker, 3)   # three registrations of 2026-03-02 deregistered (11) on 2026-11-18, effective 11-20
"""

from __future__ import annotations

from datetime import date, datetime

import time_machine

from deregistration.models import Exit
from deregistration.services import exit_propose
from tests.deregistration.factories import registered
from tests.followup.factories import SH

TODAY = date(2026, 11, 20)


def effective_exits(user, n: int = 1, *, code: str = "11", region: str = "410802") -> list[Exit]:
    exits = []
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SH), tick=False):
        for _ in range(n):
            registration = registered(user, region=region)
            exits.append(
                exit_propose(
                    registration=registration, user=user, code=code, deregistered_on=date(2026, 11, 18)
                )
            )
    return exits
