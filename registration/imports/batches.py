"""Import batches beyond one flow: the office an import is made for, and the sweep that queues again the graduate
lists a lost message or a dead worker left behind."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from common.queueing import enqueue_on_commit
from common.tables import ImportFileError
from common.transitions import transition
from offices.models import Office

from ..models import ImportBatch


def office_of(user) -> Office:
    """The importing user's office; ImportFileError (nothing created) for a user without an active one."""
    office = getattr(user, "office", None)
    if office is None or not office.is_active:
        raise ImportFileError(_("您的账号未分配经办机构，不能导入数据"))
    return office


def import_batches_resume(*, stale_after: timedelta = timedelta(minutes=30)) -> int:
    """Queue again what a lost message or a dead worker left behind; returns how many batches were queued.

    A batch still RUNNING after ``stale_after`` without progress is put back to QUEUED: it resumes after its
    last committed chunk. Run every few minutes by beat (registration.tasks.resume_import_batches).
    """
    now = timezone.now()
    stale = ImportBatch.objects.filter(updated_at__lt=now - stale_after)
    for pk in stale.filter(status=ImportBatch.Status.RUNNING).values_list("pk", flat=True):
        transition(  # unless its worker moved it on meanwhile
            stale,
            pk,
            from_=ImportBatch.Status.RUNNING,
            to=ImportBatch.Status.QUEUED,
            allowed=ImportBatch.STATUS_MOVES,
        )
    ids = list(
        ImportBatch.objects.filter(
            status=ImportBatch.Status.QUEUED, created_at__lt=now - timedelta(minutes=2)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue_on_commit("registration.process_import_batch", pk)
    return len(ids)
