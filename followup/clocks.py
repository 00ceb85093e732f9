"""Stage 2's clocks (declared in ``plugins.py``): the first contact within 5 working days of registration
(notice 三, ``Case.first_contact_due_at``) and this month's follow-up by the month's last working day (notice 四,
``MonthlyFollowUp.due_on``). Read by the supervisors' dashboard and the escalation sweep."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from common.privacy import mask_document_number
from portal.plugins import ClockRow
from registration.models import Registration

from .models import Case, MonthlyFollowUp
from .selectors import this_month

ACTIVE = Registration.Status.ACTIVE


def open_first_contacts() -> QuerySet[Case]:
    """Active registrations still without a first contact (partial index ``followup_case_open_due``)."""
    return Case.objects.filter(first_contact_at__isnull=True, registration__status=ACTIVE)


def all_cases() -> QuerySet[Case]:
    return Case.objects.all()


def case_row(case: Case) -> ClockRow:
    registration = case.registration
    return ClockRow(
        number=registration.number,
        name=registration.person.name,
        id_number=mask_document_number(registration.person.id_number),
        url=reverse("followup:case", args=[registration.code]),
        detail=str(case.responsible),
    )


def open_followups_this_month() -> QuerySet[MonthlyFollowUp]:
    """This month's follow-ups still open, of active registrations (partial index ``followup_monthly_open_due``)."""
    return MonthlyFollowUp.objects.filter(
        status=MonthlyFollowUp.Status.OPEN, month=this_month(), case__registration__status=ACTIVE
    )


def all_followups() -> QuerySet[MonthlyFollowUp]:
    return MonthlyFollowUp.objects.all()


def followup_row(followup: MonthlyFollowUp) -> ClockRow:
    registration = followup.case.registration
    return ClockRow(
        number=registration.number,
        name=registration.person.name,
        id_number=mask_document_number(registration.person.id_number),
        url=reverse("followup:case", args=[registration.code]),
        detail=f"{followup.month:%Y-%m}",
    )
