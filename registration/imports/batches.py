"""Import batches beyond one flow: the office an import is made for, taking an upload onto a queued batch, the job
that processes any batch chunk by chunk, and the sweep that queues again what a lost message or a stopped worker
left behind.

    batch = import_submit(file=upload, kind=ImportBatch.Kind.GRADUATES, user=request.user, run_now=False)

**How an import runs.** No file is parsed in the web request. ``import_submit`` makes the cheap checks of
``common.tables.check_table`` (size, type, the archive's declared sizes and the sheet's declared range, the header
row), stores the file on a QUEUED batch and queues the task ``registration.process_import_batch`` after commit.
The task (``import_batch_process``) claims the batch (queued → running, ``attempt`` + 1), reads the whole file
(``read_table``, with every limit), then hands the rows to the flow of the batch's kind (``FLOWS``) chunk by
chunk. Each chunk commits together with the batch's counters and ``processed_rows``; the batch ends DONE (the file
is dropped, its sha256 stays) or FAILED (the file as a whole was refused, with the reason for ops). The batch page
refreshes itself and shows the progress. ``run_now=True`` (commands, tests) does the same in the caller.

**Resuming: a heartbeat and a sweep every minute.** A chunk ends after ``CHUNK_SECONDS`` even if it has not
reached its size, so a live job commits, and so moves its batch's ``updated_at``, at least every 15 seconds (plus
one row). A RUNNING batch whose ``updated_at`` is older than ``STALE_AFTER`` (60 s, four missed heartbeats) has
lost its worker (killed, out of memory, machine restarted): the job ``registration.resume_import_batches``, run by
beat every minute, puts it back to QUEUED and queues it again, and it resumes after its last committed chunk. So
work resumes at most about two minutes after its worker stopped, or as soon as a worker is available again if
none was (the message waits in the broker; the sweep queues it again each minute in case it was lost). Queuing
again on worker start was not chosen: a starting worker cannot tell a dead worker's batch from a live one's
elsewhere, while the heartbeat can.

A job that is alive but was taken for dead (a chunk stalled for a minute) cannot do harm: each chunk, before it
commits, checks under a row lock that the batch is still RUNNING with the job's own ``attempt``; if not, the chunk
rolls back and the job stops, and the job that claimed the batch again redoes those rows. Rows are never lost
(only committed chunks count) and never doubled (a chunk's rows and ``processed_rows`` commit together).

A job also stops after ``TASK_SECONDS`` and queues its batch again, to stay within Celery's time limits on a long
list. A batch whose worker stops once it has been claimed ``MAX_ATTEMPTS`` times (time slices included) fails
instead of being queued forever (a file that kills its worker every time); so does a job that reaches Celery's
soft time limit all the same.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.history import history_context
from common.queueing import enqueue_on_commit
from common.tables import (
    Column,
    ImportFileError,
    Outcome,
    StoredFile,
    Table,
    check_table,
    read_table,
    sort_errors,
)
from common.transitions import transition
from offices.models import Office

from ..models import ImportBatch
from ..signals import import_batch_done

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

TASK_NAME = "registration.process_import_batch"
CHUNK_SECONDS = 15.0  # a chunk commits (the batch's heartbeat) at least this often, plus one row
STALE_AFTER = timedelta(seconds=60)  # no heartbeat for this long: the worker is gone
TASK_SECONDS = (
    240.0  # one task's share, at most half Celery's soft time limit; the batch is then queued again
)
MAX_ATTEMPTS = 20  # claims of one batch, time slices included, before a batch that keeps stopping fails

TIMED_OUT = gettext_lazy("文件处理超时，已停止。请拆分文件后重新导入（已导入的行不会重复新增）")
INTERRUPTED_TOO_OFTEN = gettext_lazy(
    "处理过程中断了%(n)d次，已停止。请检查文件内容（行数、单元格长度）后重新导入，或联系运维人员"
)


@dataclass
class ImportOutcome(Outcome):
    """``Outcome`` with the rows skipped on purpose and why (``ImportBatch.skips``), for lists of people: ops see
    which rows were left out (an active registration, a pending application, a row repeating an earlier one),
    not only how many."""

    skips: list[dict] = field(default_factory=list)

    def skip(self, row: int, message, column: str = "") -> None:
        self.skipped += 1
        self.skips.append({"row": row, "field": column, "message": str(message)})


# handler(table, start, outcome, deadline) processes table.rows[start:] in file order, at most one chunk of them,
# inside the caller's transaction; it stops after the row during which time.monotonic() passed ``deadline`` and
# returns how many rows it consumed (at least one). Bad rows go to ``outcome`` (``fail``), rows left out on
# purpose too (``skip``, with why; or just counted); ImportFileError refuses the file.
ChunkHandler = Callable[[Table, int, ImportOutcome, float], int]


@dataclass(frozen=True)
class ImportFlow:
    """One kind of import: its columns (by kind) and ``start(batch)``, which returns the chunk handler of one run
    (it may keep caches for the run, such as regions by code)."""

    kinds: tuple[str, ...]
    columns: Callable[[str], list[Column]]
    start: Callable[[ImportBatch], ChunkHandler]
    # Labels of kinds that ``ImportBatch.Kind`` does not list: a later stage's own imports run on this mechanism
    # (``register_flow`` from its own folder) without registration knowing them (``ImportBatch.get_kind_display``).
    labels: Mapping[str, StrOrPromise] = field(default_factory=dict)


FLOWS: dict[str, ImportFlow] = {}


def register_flow(flow: ImportFlow) -> ImportFlow:
    """Make ``flow`` the one of its kinds. Later stages register their own kinds here (and give their labels);
    a kind is at most 20 characters (``ImportBatch.kind``)."""
    for kind in flow.kinds:
        if len(kind) > 20:
            raise ValueError(f"import kind too long: {kind!r}")
        FLOWS[kind] = flow
    return flow


def kind_label(kind: str) -> StrOrPromise | None:
    """The label of a kind registered by a later stage (``ImportFlow.labels``), or None."""
    flow = FLOWS.get(kind)
    return flow.labels.get(kind) if flow is not None else None


def office_of(user) -> Office:
    """The importing user's office; ImportFileError (nothing created) for a user without an active one."""
    office = getattr(user, "office", None)
    if office is None or not office.is_active:
        raise ImportFileError(_("您的账号未分配经办机构，不能导入数据"))
    return office


def import_submit(*, file, kind: str, user, run_now: bool = True) -> ImportBatch:
    """Check ``file`` cheaply and store it on a queued batch of ``kind``; returns the batch.

    ImportFileError (nothing created) for a file that cannot be used as far as the cheap checks tell. With
    ``run_now`` the rows are processed here and an ImportFileError found while reading them is raised (the batch
    stays, FAILED, with the reason); otherwise the task is queued after commit and the batch page follows it.
    """
    flow = FLOWS[kind]
    office = office_of(user)
    head = check_table(file, flow.columns(kind))
    batch = ImportBatch.objects.create(
        kind=kind,
        status=ImportBatch.Status.QUEUED,
        content=head.content,
        file_name=head.file_name,
        sha256=head.sha256,
        office=office,
        uploaded_by=user,
    )
    if run_now:
        import_batch_process(batch.pk)
        batch.refresh_from_db()
        if batch.status == ImportBatch.Status.FAILED:
            raise ImportFileError(batch.failure)
        return batch
    enqueue_on_commit(TASK_NAME, batch.pk)
    return batch


class _ClaimLost(Exception):
    """The batch was queued again or claimed by another job while this one worked: stop, commit nothing."""


def task_seconds() -> float:
    """One task's share of time: ``TASK_SECONDS``, or half Celery's soft time limit if that is shorter."""
    soft = getattr(settings, "CELERY_TASK_SOFT_TIME_LIMIT", None)
    return min(TASK_SECONDS, soft / 2) if soft else TASK_SECONDS


def import_batch_process(batch_id: int, *, time_budget: float | None = None) -> bool:
    """Process a queued batch of any kind, one committed chunk at a time (safe to run twice; the task runs it
    with ``time_budget=task_seconds()``).

    Returns False if the batch was not queued (another job has it, or it is finished). After ``time_budget``
    seconds (None: no limit) the batch goes back to the queue and the task is queued again. A job that reaches
    Celery's soft time limit all the same (a file that takes that long just to read) fails its batch with the
    reason rather than be retried.
    """
    Status = ImportBatch.Status
    moves = ImportBatch.STATUS_MOVES
    if not transition(
        ImportBatch, batch_id, from_=Status.QUEUED, to=Status.RUNNING, allowed=moves, attempt=F("attempt") + 1
    ):
        return False
    batch = ImportBatch.objects.select_related("office__region", "uploaded_by").get(pk=batch_id)
    mine = ImportBatch.objects.filter(attempt=batch.attempt)  # the batch as long as this claim holds it
    flow = FLOWS[batch.kind]
    ends = None if time_budget is None else time.monotonic() + time_budget
    last_beat = time.monotonic()

    def heartbeat() -> None:  # while a long file is read, before the first chunk
        nonlocal last_beat
        if time.monotonic() - last_beat >= CHUNK_SECONDS:
            last_beat = time.monotonic()
            mine.filter(pk=batch.pk, status=Status.RUNNING).update(updated_at=timezone.now())

    def fail(reason: str) -> None:
        transition(
            mine,
            batch.pk,
            from_=Status.RUNNING,
            to=Status.FAILED,
            allowed=moves,
            failure=reason[:500],
            content=None,
        )

    with history_context(actor=batch.uploaded_by, source=f"import:{batch.kind}"):
        try:
            table = read_table(
                StoredFile(batch.file_name, bytes(batch.content or b"")),
                flow.columns(batch.kind),
                heartbeat=heartbeat,
            )
            if batch.total_rows != len(table.rows):
                mine.filter(pk=batch.pk, status=Status.RUNNING).update(
                    total_rows=len(table.rows), updated_at=timezone.now()
                )
            handle = flow.start(batch)
            processed = batch.processed_rows
            while processed < len(table.rows):
                if ends is not None and time.monotonic() >= ends:
                    if transition(mine, batch.pk, from_=Status.RUNNING, to=Status.QUEUED, allowed=moves):
                        enqueue_on_commit(TASK_NAME, batch.pk)
                    return True
                processed = _chunk(batch, table, processed, handle)
        except ImportFileError as exc:
            fail(str(exc))
            return True
        except SoftTimeLimitExceeded:
            fail(str(TIMED_OUT))
            return True
        except _ClaimLost:
            return True
        errors, skips = ImportBatch.objects.values_list("errors", "skips").get(pk=batch.pk)
        done = transition(
            mine,
            batch.pk,
            from_=Status.RUNNING,
            to=Status.DONE,
            allowed=moves,
            errors=sort_errors(errors),
            skips=sort_errors(skips),
            content=None,  # the rows are in the database now; the file's sha256 stays
        )
    if done:
        for receiver, result in import_batch_done.send_robust(sender=ImportBatch, batch=batch):
            if isinstance(result, Exception):
                logger.error(
                    "import_batch_done receiver %r failed for batch %s: %r", receiver, batch.pk, result
                )
    return True


def _chunk(batch: ImportBatch, table: Table, start: int, handle: ChunkHandler) -> int:
    """One chunk of rows in one transaction, together with the batch's counters; returns the new position."""
    outcome = ImportOutcome()
    with transaction.atomic():
        consumed = handle(table, start, outcome, time.monotonic() + CHUNK_SECONDS)
        current = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if (
            current.status != ImportBatch.Status.RUNNING
            or current.attempt != batch.attempt
            or current.processed_rows != start
        ):
            raise _ClaimLost
        current.processed_rows = start + consumed
        current.created_rows += outcome.created
        current.skipped_rows += outcome.skipped
        current.error_rows += outcome.error_rows
        current.errors = [*current.errors, *outcome.errors]
        current.skips = [*current.skips, *outcome.skips]
        current.save(
            update_fields=[
                "processed_rows",
                "created_rows",
                "skipped_rows",
                "error_rows",
                "errors",
                "skips",
                "updated_at",
            ]
        )
    return start + consumed


def import_batches_resume(*, stale_after: timedelta = STALE_AFTER) -> int:
    """Queue again what a lost message or a stopped worker left behind; returns how many batches were queued.

    A RUNNING batch without a heartbeat for ``stale_after`` goes back to QUEUED (it resumes after its last
    committed chunk), or to FAILED once it was claimed ``MAX_ATTEMPTS`` times; a QUEUED batch nobody claimed for
    as long is queued again (its message was lost, or is still waiting: a second one is harmless). Run every
    minute by beat (registration.jobs.resume_import_batches).
    """
    Status = ImportBatch.Status
    moves = ImportBatch.STATUS_MOVES
    stale = ImportBatch.objects.filter(updated_at__lt=timezone.now() - stale_after)
    ids: list[int] = []
    for pk, attempt in stale.filter(status=Status.RUNNING).values_list("pk", "attempt"):
        if attempt >= MAX_ATTEMPTS:
            transition(  # unless its worker moved it on meanwhile
                stale,
                pk,
                from_=Status.RUNNING,
                to=Status.FAILED,
                allowed=moves,
                failure=str(INTERRUPTED_TOO_OFTEN % {"n": attempt}),
                content=None,
            )
        elif transition(stale, pk, from_=Status.RUNNING, to=Status.QUEUED, allowed=moves):
            ids.append(pk)
    ids += stale.filter(status=Status.QUEUED).order_by("created_at").values_list("pk", flat=True)
    for pk in ids:
        enqueue_on_commit(TASK_NAME, pk)
    return len(ids)
