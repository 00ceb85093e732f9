"""The daily exit upload to the ministry collaboration platform (notice 八, the attachment): every effective exit
sent once, acknowledged exactly once, whatever fails on the way.

    upload_exits()                                   # the job: open, release, revalidate, claim → send → record
    upload_exits(only_day=d) / (backfill_since=d)    # manage.py upload_deregistrations --date D / --backfill SINCE
    upload_preview(...)                              # --dry-run: what would be sent and what breaks a rule
    upload_resend(upload=u, user=ops)                # after the source was fixed: a rejected/invalid record → pending
    upload_refuse_cancel / upload_withdraw           # deregistration's cancel signals (apps.py connects them)

How exactly-once holds (``models`` has the states):

- **The queue is the database.** The scan (``uploads_open``) gives every effective exit a pending ``ExitUpload``;
  deregistration does not know it. It reads the exits effective since a few days before the newest one already
  opened (index ``deregistration_exit_by_day``), so it grows with the day's exits, not with all of history.
- **Claim under lock.** A batch is claimed in one transaction: the exits are locked first (``FOR UPDATE SKIP
  LOCKED``; the cancel service locks the exit first too, so a cancel in progress is skipped, never deadlocked),
  then the upload rows. Only an exit still EFFECTIVE is sent (otherwise the upload is withdrawn); a record
  breaking a rule of the table becomes INVALID with its messages and is never sent; the others become SENDING
  with a new batch id (the idempotency key). After that commit, the exit can no longer be cancelled.
- **Send outside the transaction, record by batch.** Each answer moves only rows still SENDING in that batch
  (``… WHERE status = 'sending' AND batch_id = …``): a duplicate acknowledgement changes nothing. A failed call
  returns the batch to pending; a record the answer leaves out too.
- **A run that died** (worker killed mid-batch, machine lost) leaves rows SENDING. Runs hold the job's advisory
  lock, which dies with the run's connection, so at the start of the next run every SENDING row is an orphan and
  returns to pending (``uploads_release``). It is sent again under a new batch id; the platform answers
  "already received" by business key for what it took, and that is acknowledged once.

The claim's query is this module's; filling the batch, recording the answer, the release, the run's loop (retries
only on transient failures) and the ops resend are ``sending``'s, the same code as the national pushes use.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deregistration.models import Exit
from offices.models import User
from workdays.calendar import CalendarNotLoaded, add_workdays

from . import sending
from .clocks import ACK_WORKDAYS
from .models import SENT_STATES, ExitUpload
from .records import build_record, validate_record
from .transport import Transport, get_transport

OPEN_LOOKBACK_DAYS = 3  # the scan re-reads exits effective this many days before the newest one opened

NOT_CANCELLABLE = _(
    "该注销信息已上传至部级业务协同平台，不能撤销。如本人仍处于失业状态，请为其重新办理失业登记。"
)


# ---- the queue --------------------------------------------------------------------------------------
def uploads_open(*, since: date | None = None) -> int:
    """Give every effective exit without an upload a pending one; returns how many were opened.

    ``since`` (the backfill) reads every exit effective on or after it; by default the scan starts
    ``OPEN_LOOKBACK_DAYS`` before the newest upload's day (everything when there is none)."""
    if since is None:
        newest = ExitUpload.objects.aggregate(newest=Max("effective_on"))["newest"]
        since = newest - timedelta(days=OPEN_LOOKBACK_DAYS) if newest else None
    exits = Exit.objects.filter(status=Exit.Status.EFFECTIVE)
    if since is not None:
        exits = exits.filter(effective_on__gte=since)
    missing = exits.filter(~Exists(ExitUpload.objects.filter(exit_id=OuterRef("pk")))).order_by(
        "effective_on", "pk"
    )
    due_on: dict[date, date | None] = {}  # one calendar lookup per day, not per record

    def ack_due(day: date) -> date | None:
        if day not in due_on:
            try:
                due_on[day] = add_workdays(day, ACK_WORKDAYS)
            except CalendarNotLoaded:  # the clock starts once ops load that year (see the ops page's health)
                due_on[day] = None
        return due_on[day]

    rows = [
        ExitUpload(
            exit_id=pk, region_id=region_id, effective_on=effective_on, ack_due_on=ack_due(effective_on)
        )
        for pk, region_id, effective_on in missing.values_list("pk", "region_id", "effective_on")
        if effective_on is not None  # always set on an effective exit (deregistration's constraint)
    ]
    created = ExitUpload.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(created)


def uploads_release() -> int:
    """Return every SENDING upload to pending: called at the start of a run holding the job's lock, when any
    SENDING row belongs to a run that died."""
    return sending.release(ExitUpload)


def _sex_of(exit: Exit) -> str:
    return exit.registration.person.sex


def uploads_revalidate(*, today: date) -> int:
    """Invalid records whose source has been fixed (the person's recorded sex, a code table) go back to
    pending; returns how many."""
    fixed = []
    for upload in ExitUpload.objects.filter(status=ExitUpload.Status.INVALID).select_related(
        "exit__registration__person"
    ):
        if not validate_record(build_record(upload.exit), today=today, sex=_sex_of(upload.exit)):
            fixed.append(upload.pk)
    return sending.back_from_invalid(ExitUpload, fixed)


# ---- one batch --------------------------------------------------------------------------------------
def _claim(
    *, size: int, today: date, only_day: date | None, skip: set[int], counts: Counter
) -> sending.Batch | None:
    """Claim up to ``size`` pending uploads, oldest first (see the module's docstring); None when none is left."""
    with transaction.atomic():
        queue = ExitUpload.objects.filter(status=ExitUpload.Status.PENDING).exclude(pk__in=skip)
        if only_day is not None:
            queue = queue.filter(effective_on=only_day)
        candidates = list(queue.order_by("effective_on", "exit_id").values_list("pk", "exit_id")[:size])
        if not candidates:
            return None
        exits = {
            e.pk: e
            for e in Exit.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("registration__person")
            .filter(pk__in=[exit_id for _, exit_id in candidates])
        }
        uploads = list(
            ExitUpload.objects.select_for_update(skip_locked=True)
            .filter(
                pk__in=[pk for pk, _ in candidates], status=ExitUpload.Status.PENDING, exit_id__in=list(exits)
            )
            .order_by("effective_on", "exit_id")
        )
        # A row locked by someone else (a cancel in progress) stays pending: not tried again in this run.
        skip.update({pk for pk, _ in candidates} - {u.pk for u in uploads})
        # Unlike a push, an upload is withdrawn here when its exit was cancelled meanwhile (the exit is locked).
        withdrawn = {u.pk for u in uploads if exits[u.exit_id].status != Exit.Status.EFFECTIVE}
        if withdrawn:
            counts["withdrawn"] += ExitUpload.objects.filter(pk__in=withdrawn).update(
                status=ExitUpload.Status.WITHDRAWN, updated_at=Now()
            )

        def checked(upload: ExitUpload) -> tuple[int, dict[str, str], list]:
            exit = exits[upload.exit_id]
            record = build_record(exit)
            return upload.pk, record, validate_record(record, today=today, sex=_sex_of(exit))

        return sending.fill_batch(
            ExitUpload,
            (checked(u) for u in uploads if u.pk not in withdrawn),
            key_of=lambda record: (record["AAB301"], record["AAZ341"]),
            counts=counts,
        )


# ---- the run ----------------------------------------------------------------------------------------
def upload_exits(
    *,
    today: date | None = None,
    only_day: date | None = None,
    backfill_since: date | None = None,
    transport: Transport | None = None,
    batch_size: int | None = None,
) -> dict:
    """Send every unacknowledged valid exit record, oldest first, in batches; returns the counts.

    Call it holding the job's lock (``jobs.upload_exits``, ``manage.py upload_deregistrations``): it treats
    every SENDING row as left by a run that died. ``only_day`` sends only the exits effective that day;
    ``backfill_since`` opens uploads for every exit effective since then (the one-time full upload).
    A platform that cannot be reached (after the transport's retries) ends the run; the records wait, pending,
    for the next one."""
    today = today or timezone.localdate()
    size = min(batch_size or settings.NATIONAL_SYNC_BATCH_SIZE, 1000)
    counts: Counter = Counter()
    counts["opened"] = uploads_open(since=backfill_since)
    counts["released"] = uploads_release()
    counts["revalidated"] = uploads_revalidate(today=today)
    transport = transport or get_transport()
    result: dict = {}
    sending.send_batches(
        ExitUpload,
        claim=lambda skip: _claim(size=size, today=today, only_day=only_day, skip=skip, counts=counts),
        send=lambda batch: transport.send_exits(batch_id=batch.batch_id, records=batch.records),
        counts=counts,
        result=result,
    )
    counts["still_pending"] = ExitUpload.objects.filter(status=ExitUpload.Status.PENDING).count()
    always = ("opened", "sent", "acknowledged", "still_pending")
    return {**{k: 0 for k in always}, **{k: v for k, v in counts.items() if v or k in always}, **result}


@dataclass
class Preview:
    exit: Exit
    record: dict[str, str]
    errors: list


def upload_preview(
    *, today: date | None = None, only_day: date | None = None, backfill_since: date | None = None
) -> list[Preview]:
    """What a run would send (``--dry-run``), changing nothing: every effective exit in scope whose upload is
    missing, pending, invalid or rejected, with its record and the rules it breaks."""
    today = today or timezone.localdate()
    exits = Exit.objects.filter(status=Exit.Status.EFFECTIVE).select_related("registration__person")
    if only_day is not None:
        exits = exits.filter(effective_on=only_day)
    elif backfill_since is not None:
        exits = exits.filter(effective_on__gte=backfill_since)
    done = ExitUpload.objects.filter(
        exit_id=OuterRef("pk"), status__in=[*SENT_STATES, ExitUpload.Status.WITHDRAWN]
    )
    previews = []
    for exit in exits.filter(~Exists(done)).order_by("effective_on", "pk"):
        record = build_record(exit)
        previews.append(Preview(exit, record, validate_record(record, today=today, sex=_sex_of(exit))))
    return previews


# ---- ops -------------------------------------------------------------------------------------------
@transaction.atomic
def upload_resend(*, upload: ExitUpload, user: User, today: date | None = None) -> ExitUpload:
    """Ops send a rejected or invalid record again once its source is fixed: the record is rebuilt and
    validated now; valid, it goes back to the queue (pending) for the next run."""
    return sending.resend(
        # the exit, its registration and person are locked with the upload (an upload's exit is never null)
        queryset=lambda: ExitUpload.objects.select_for_update().select_related(
            "exit__registration__person", "region"
        ),
        row=upload,
        user=user,
        errors_of=lambda upload: validate_record(
            build_record(upload.exit), today=today or timezone.localdate(), sex=_sex_of(upload.exit)
        ),
    )


# ---- deregistration's cancel (signals connected in apps.py) -------------------------------------------
def upload_refuse_cancel(*, exit: Exit, **kwargs) -> None:
    """``exit_cancelling``: the exit row is locked by the cancel service; lock its upload and refuse once the
    record is on its way to the platform or may have reached it: sending, acknowledged, or sent before without
    an answer (a timed-out or dropped request may have been taken). Only a record never sent, or one the
    platform answered "rejected" (not received), may still be cancelled."""
    upload = ExitUpload.objects.select_for_update().filter(exit_id=exit.pk).first()
    if upload is None:
        return
    maybe_received = upload.attempts > 0 and upload.status != ExitUpload.Status.REJECTED
    if upload.status in SENT_STATES or maybe_received:
        raise ValidationError(NOT_CANCELLABLE, code="uploaded")


def upload_withdraw(*, exit: Exit, **kwargs) -> None:
    """``exit_cancelled``: the record will never be sent (a pending, invalid or rejected upload is withdrawn)."""
    ExitUpload.objects.filter(
        exit_id=exit.pk,
        status__in=[ExitUpload.Status.PENDING, ExitUpload.Status.INVALID, ExitUpload.Status.REJECTED],
    ).update(status=ExitUpload.Status.WITHDRAWN, updated_at=Now())
