"""What the follow-up stage does when registration changes a registration (``registration.signals``), in the
same transaction as the change.

- A registration moved to another office (``registration_transferred``): its case moves with it — the case's
  region becomes the new one and the responsible caseworker the first active caseworker of the receiving office
  (kept as an ``Assignment`` by the supervisor who moved it, with the transfer's reason); where that office has
  no caseworker yet, the responsible stays until a supervisor of the new region reassigns.
- A registration made active again after its exit was cancelled (``registration_reopened``): nothing of the case
  was closed when it ended (every list reads only active registrations), so it simply reappears; only this
  month's follow-up, which the monthly job skipped while the registration was ended, is opened now (idempotent;
  when the working-day calendar does not reach the month, the monthly job opens it once ops load it).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from offices.models import User
from offices.roles import Role
from workdays.calendar import CalendarNotLoaded

from .models import Assignment, Case

TRANSFER_REASON = "失业登记转移：%(reason)s"  # stored in Assignment.reason (≤ 200 characters), not UI text


def case_follows_transfer(sender: Any, *, registration, transfer, user, **kwargs: Any) -> None:
    case = Case.objects.select_for_update().filter(pk=registration.pk).first()
    if case is None:  # the sweep opens it later, in the new region, with the new office's caseworker
        return
    now = timezone.now()
    responsible = (
        User.objects.filter(office=transfer.to_office, is_active=True, groups__name=Role.CASEWORKER.value)
        .order_by("pk")
        .first()
    )
    changes: dict[str, Any] = {"region": transfer.to_region, "updated_at": now}
    if responsible is not None and responsible.pk != case.responsible_id:
        Assignment.objects.create(
            case=case,
            previous_id=case.responsible_id,
            responsible=responsible,
            reason=(TRANSFER_REASON % {"reason": transfer.reason})[:200],
            by=user,
            at=now,
        )
        changes["responsible"] = responsible
    Case.objects.filter(pk=case.pk).update(**changes)


def open_month_after_reopen(sender: Any, *, registration, user, **kwargs: Any) -> None:
    from .services import current_month, followup_open_month

    year, month = current_month()
    try:
        followup_open_month(year, month, registration_id=registration.pk)
    except CalendarNotLoaded:
        pass  # the monthly job opens it once the calendar is loaded (it is idempotent)
