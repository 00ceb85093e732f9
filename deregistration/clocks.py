"""Stage 3's clock (declared in ``plugins.py``): a proposed exit (codes 31/32/90) waits for a supervisor's
decision. The notice sets no period for it; this system's rule is **3 working days after the proposal**
(``APPROVAL_WORKDAYS``, the same as an application's decision), stored on the exit as ``approval_due_at`` when it
is proposed (``services.exit_propose``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from common.privacy import mask_document_number
from portal.plugins import ClockRow

from .models import Exit

APPROVAL_WORKDAYS = 3


def waiting_for_approval() -> QuerySet[Exit]:
    """Proposed exits not yet approved or returned (partial index ``dereg_exit_approval_due``)."""
    return Exit.objects.filter(status=Exit.Status.PROPOSED, approval_due_at__isnull=False)


def all_with_approval() -> QuerySet[Exit]:
    return Exit.objects.filter(approval_due_at__isnull=False)


def exit_row(exit: Exit) -> ClockRow:
    return ClockRow(
        number=f"{exit.region_code}{exit.serial}",
        name=exit.name,
        id_number=mask_document_number(exit.id_number),
        url=reverse("deregistration:approvals"),
        detail=exit.reason_label,
    )
