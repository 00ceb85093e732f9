"""The intake panel on the home page: my pending applications, overdue and due today (by office for
supervisors)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from offices.roles import Role

from .selectors import urgency_counts, worklist, worklist_counts


def intake_panel(request: HttpRequest):
    user = request.user
    if not user.has_perm("registration.view_application"):
        return None
    now = timezone.now()
    pending = worklist(user)
    context = {"counts": worklist_counts(pending, now), "by_office": []}
    if user.has_role(Role.SUPERVISOR):  # one line per office in their region
        context["by_office"] = list(
            pending.order_by()
            .values("office__name")
            .annotate(**urgency_counts(now))
            .order_by("-overdue", "-due_today", "office__name")
        )
    return "registration/home_panel.html", context
