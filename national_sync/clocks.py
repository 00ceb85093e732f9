"""The national sync's clock (declared in ``plugins.py``, read by the deadlines dashboard and sweep): an exit
record must be acknowledged by the ministry platform by the end of the **first working day after the exit took
effect** (``ACK_WORKDAYS``): the daily upload at 01:30 sends the day's exits, so a record still open at the end
of the next working day means the line, the platform or the record needs someone. The due day is stored on the
upload row when the record is opened (``services.uploads_open``). Open: pending, sending, rejected by the platform
or failing our own check; done: acknowledged (a withdrawn record, its exit cancelled, leaves the clock)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from common.privacy import mask_document_number
from portal.plugins import ClockRow

from .models import ExitUpload, UploadStatus

ACK_WORKDAYS = 1
OPEN = (UploadStatus.PENDING, UploadStatus.SENDING, UploadStatus.REJECTED, UploadStatus.INVALID)


def unacknowledged() -> QuerySet[ExitUpload]:
    """Records not yet acknowledged (partial index ``national_sync_upload_ack_due``)."""
    return ExitUpload.objects.filter(status__in=OPEN, ack_due_on__isnull=False)


def all_records() -> QuerySet[ExitUpload]:
    return ExitUpload.objects.filter(ack_due_on__isnull=False).exclude(status=UploadStatus.WITHDRAWN)


def record_row(upload: ExitUpload) -> ClockRow:
    exit = upload.exit
    return ClockRow(
        number=f"{exit.region_code}{exit.serial}",
        name=exit.name,
        id_number=mask_document_number(exit.id_number),
        url=reverse("registration:person_detail", args=[exit.registration.person.code]),
        detail=f"{upload.get_status_display()} {upload.last_error}".strip(),
    )
