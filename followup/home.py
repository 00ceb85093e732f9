"""The follow-up panel on the home page: first contacts due (overdue, due today) and this month's follow-ups
done/open; mine for a caseworker, the region's by caseworker for a supervisor."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from common.urgency import counts
from offices.auth import AuthenticatedHttpRequest

from .selectors import (
    by_caseworker,
    first_contacts,
    followup_counts,
    monthly_followups,
    sees_region,
    this_month,
)
from .services import cases_open


def followup_panel(request: AuthenticatedHttpRequest) -> tuple[str, dict[str, Any]] | None:
    user = request.user
    if not user.has_perm("followup.view_case"):
        return None
    cases_open(recent=True)  # as the list does: a registration made a moment ago counts at once
    now = timezone.now()
    cases = first_contacts(user)
    month = this_month()
    context: dict[str, Any] = {
        "first": counts(cases, now, "first_contact_due_at"),
        "month": month,
        "monthly": followup_counts(monthly_followups(user, month)),
        "by_caseworker": by_caseworker(cases, now) if sees_region(user) else [],
    }
    return "followup/home_panel.html", context
