"""The intake panel on the home page: my pending applications, overdue and due today (by office for
supervisors)."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from .selectors import worklist, worklist_counts


def intake_panel(request: HttpRequest):
    user = request.user
    if not user.has_perm("registration.view_application"):
        return None
    now = timezone.now()
    pending = worklist(user)
    context = {"counts": worklist_counts(pending, now), "by_office": []}
    if user.has_perm("offices.view_user"):  # supervisors: one line per office in their region
        end_of_today = datetime.combine(
            timezone.localdate(now), time.max, tzinfo=timezone.get_current_timezone()
        )
        context["by_office"] = list(
            pending.order_by()
            .values("office__name")
            .annotate(
                total=Count("id"),
                overdue=Count("id", filter=Q(due_at__lt=now)),
                due_today=Count("id", filter=Q(due_at__gte=now, due_at__lte=end_of_today)),
            )
            .order_by("-overdue", "-due_today", "office__name")
        )
    return "registration/home_panel.html", context
