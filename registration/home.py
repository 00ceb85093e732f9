"""The intake panel on the home page: my pending applications, overdue and due today (by office for
supervisors)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from common.urgency import counts, urgency_counts
from offices.auth import AuthenticatedHttpRequest
from offices.roles import Role

from .selectors import worklist


def intake_panel(request: AuthenticatedHttpRequest) -> tuple[str, dict[str, Any]] | None:
    user = request.user
    if not user.has_perm("registration.view_application"):
        return None
    now = timezone.now()
    pending = worklist(user)
    context: dict[str, Any] = {"counts": counts(pending, now, field="due_at"), "by_office": []}
    if user.has_role(Role.SUPERVISOR):  # one line per office in their region
        context["by_office"] = list(
            pending.order_by()
            .values("office_id", "office__name")
            .annotate(**urgency_counts(now, field="due_at"))
            # The plugin cannot see names annotated from a dict: overdue and due_today come from urgency_counts.
            .order_by("-overdue", "-due_today", "office__name")  # type: ignore[misc]
        )
    return "registration/home_panel.html", context
