"""Stage 1's clock (declared in ``plugins.py``): the decision on an application within 3 working days of
submission (notice 三), ``Application.due_at``. Read by the supervisors' dashboard and the escalation sweep."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from common.privacy import mask_document_number
from portal.plugins import ClockRow

from .models import Application


def pending_applications() -> QuerySet[Application]:
    """Applications waiting for a decision (partial index ``registration_app_due`` on due_at)."""
    return Application.objects.filter(status=Application.Status.PENDING)


def decided_or_pending() -> QuerySet[Application]:
    """Every application that had the 3-day clock running: all but those withdrawn by the applicant."""
    return Application.objects.exclude(status=Application.Status.WITHDRAWN)


def application_row(app: Application) -> ClockRow:
    return ClockRow(
        number=app.number,
        name=app.person.name,
        id_number=mask_document_number(app.person.id_number),
        url=reverse("registration:application_detail", args=[app.code]),
        detail=str(app.get_channel_display()),
    )
