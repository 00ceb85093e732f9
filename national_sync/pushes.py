"""Decisions on national applications and local registrations pushed to the national platform (notice 七, 十一:
the ministry takes its statistics from the national platform, so every registration decided here goes up too).
Every 10 minutes (``jobs``); the same states and guarantees as the exit upload (``services``):

    push_records()                              # the job: open, release, revalidate, then each kind's queue
    push_records(backfill=True)                 # manage.py push_registrations --backfill: every registration
    push_resend(push=p, user=ops)               # a rejected / invalid record, after its source was fixed

- **The queue is the database.** ``pushes_open`` gives every decided national application (registered,
  rejected, withdrawn) and every local registration (counter, online, education lists, imported — not those
  decided on a national application: their decision is what goes up) one pending ``NationalPush``, unique by
  kind and business key. The scan reads what was decided / created since a day before the newest push of its
  kind (two days back on the first run); the backfill reads everything once.
- **Claim, send, record** as ``services`` does for exits, through the same sender (``sending``): rows claimed under ``FOR UPDATE SKIP LOCKED`` become
  SENDING with a new batch id (the idempotency key), a record breaking a rule becomes INVALID and is never sent;
  the answer moves only rows still SENDING in that batch (a duplicate acknowledgement changes nothing), a failed
  call returns the batch to pending, a record the answer leaves out too; SENDING rows left by a run that died
  return to pending at the start of the next one (it holds the job's lock). The platform takes a record once by
  its business key and answers a repeat "already received": acknowledged once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from offices.models import User
from registration.models import Application, Registration

from . import sending
from .exchange import NationalExchange, PushResult, get_exchange, result_key
from .exchange_models import NationalPush, PushKind
from .local_records import (
    DECISION_KEY,
    REGISTRATION_KEY,
    build_decision_record,
    build_registration_record,
    validate_decision_record,
    validate_registration_record,
)
from .records import RecordError
from .transport import PlatformError

LOOKBACK = timedelta(days=1)  # the scan re-reads this much before the newest push of its kind
FIRST_RUN_WINDOW = timedelta(days=2)  # with no push yet, the scan starts here; older ones: the backfill
DECIDED = (Application.Status.REGISTERED, Application.Status.REJECTED, Application.Status.WITHDRAWN)


@dataclass(frozen=True)
class Spec:
    """How one kind of record is built, checked and sent."""

    kind: str
    key_fields: Sequence[str]
    related: tuple[str, ...]  # select_related for building the record
    build: Callable[[NationalPush], dict[str, str]]
    validate: Callable[[dict[str, str], date], list[RecordError]]
    send: Callable[[NationalExchange, str, list[dict[str, str]]], list[PushResult]]


SPECS = {
    PushKind.DECISION: Spec(
        kind=PushKind.DECISION,
        key_fields=DECISION_KEY,
        related=("application__decided_by", "application__registration"),
        build=lambda push: build_decision_record(push.application),  # type: ignore[arg-type]  # decision rows have one (constraint)
        validate=lambda record, today: validate_decision_record(record, today=today),
        send=lambda ex, batch_id, records: ex.send_decisions(batch_id=batch_id, records=records),
    ),
    PushKind.REGISTRATION: Spec(
        kind=PushKind.REGISTRATION,
        key_fields=REGISTRATION_KEY,
        related=("registration__person", "registration__registered_by", "registration__recorded_by"),
        build=lambda push: build_registration_record(push.registration),  # type: ignore[arg-type]  # registration rows have one (constraint)
        validate=lambda record, today: validate_registration_record(record, today=today),
        send=lambda ex, batch_id, records: ex.send_registrations(batch_id=batch_id, records=records),
    ),
}


# ---- the queue --------------------------------------------------------------------------------------
def _since(kind: str) -> datetime:
    newest = NationalPush.objects.filter(kind=kind).aggregate(newest=Max("created_at"))["newest"]
    return newest - LOOKBACK if newest else timezone.now() - FIRST_RUN_WINDOW


def decisions_to_push(*, since: datetime | None) -> QuerySet[Application]:
    """Decided national applications without a push (decided since ``since``; None: all)."""
    apps = Application.objects.filter(
        channel=Application.Channel.NATIONAL, status__in=DECIDED, national_application_number__isnull=False
    ).filter(~Exists(NationalPush.objects.filter(application_id=OuterRef("pk"))))
    return apps.filter(decided_at__gte=since) if since is not None else apps


def registrations_to_push(*, since: datetime | None) -> QuerySet[Registration]:
    """Local registrations without a push (created since ``since``; None: all). A registration decided on a
    national application is not one: the decision goes up instead."""
    regs = Registration.objects.exclude(
        source=Registration.Source.DECIDED, channel=Application.Channel.NATIONAL
    ).filter(~Exists(NationalPush.objects.filter(registration_id=OuterRef("pk"))))
    return regs.filter(created_at__gte=since) if since is not None else regs


def pushes_open(*, backfill: bool = False) -> dict[str, int]:
    """Give every decision and local registration without a push a pending one; returns how many per kind."""
    opened: dict[str, int] = {}
    rows = [
        NationalPush(
            kind=PushKind.DECISION,
            application_id=pk,
            key=number,
            region_id=region_id,
            day=timezone.localdate(decided_at),
        )
        for pk, number, region_id, decided_at in decisions_to_push(
            since=None if backfill else _since(PushKind.DECISION)
        ).values_list("pk", "national_application_number", "region_id", "decided_at")
        if decided_at is not None and number
    ]
    opened[PushKind.DECISION] = len(
        NationalPush.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    )
    rows = [
        NationalPush(
            kind=PushKind.REGISTRATION,
            registration_id=pk,
            key=f"{region_id}/{number}",
            region_id=region_id,
            day=registered_on,
        )
        for pk, number, region_id, registered_on in registrations_to_push(
            since=None if backfill else _since(PushKind.REGISTRATION)
        )
        .order_by("registered_on", "pk")
        .values_list("pk", "number", "region_id", "registered_on")
    ]
    opened[PushKind.REGISTRATION] = len(
        NationalPush.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    )
    return opened


def pushes_release() -> int:
    """Every SENDING push back to pending (called holding the job's lock: they belong to a run that died)."""
    return sending.release(NationalPush)


def pushes_revalidate(*, today: date) -> int:
    """Invalid records whose source has been fixed go back to pending; returns how many."""
    fixed = []
    for kind, spec in SPECS.items():
        for push in NationalPush.objects.filter(kind=kind, status=NationalPush.Status.INVALID).select_related(
            *spec.related
        ):
            if not spec.validate(spec.build(push), today):
                fixed.append(push.pk)
    return sending.back_from_invalid(NationalPush, fixed)


# ---- one batch --------------------------------------------------------------------------------------
def _claim(spec: Spec, *, size: int, today: date, skip: set[int], counts: Counter) -> sending.Batch | None:
    """Claim up to ``size`` pending pushes of ``spec``'s kind, oldest first; None when none is left. Unlike an
    exit's upload, a push has no source row to lock or withdraw (a decision or registration stays), so only the
    push rows are locked, and every row claimed is left out of the rest of the run."""
    with transaction.atomic():
        pushes = list(
            NationalPush.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related(*spec.related)
            .filter(kind=spec.kind, status=NationalPush.Status.PENDING)
            .exclude(pk__in=skip)
            .order_by("day", "id")[:size]
        )
        if not pushes:
            return None
        skip.update(p.pk for p in pushes)

        def checked(push: NationalPush) -> tuple[int, dict[str, str], list[RecordError]]:
            record = spec.build(push)
            return push.pk, record, spec.validate(record, today)

        return sending.fill_batch(
            NationalPush,
            (checked(p) for p in pushes),
            key_of=lambda record: result_key(record, spec.key_fields),
            counts=counts,
            prefix=f"{spec.kind}_",  # the counts are per kind, e.g. "decision_invalid"
        )


def _send_kind(
    spec: Spec, *, exchange: NationalExchange, size: int, today: date, counts: Counter, result: dict
) -> None:
    sending.send_batches(
        NationalPush,
        claim=lambda skip: _claim(spec, size=size, today=today, skip=skip, counts=counts),
        send=lambda batch: spec.send(exchange, batch.batch_id, batch.records),
        counts=counts,
        result=result,
        prefix=f"{spec.kind}_",  # the counts are per kind, e.g. "decision_sent"
    )


# ---- the run ----------------------------------------------------------------------------------------
def push_records(
    *,
    today: date | None = None,
    backfill: bool = False,
    exchange: NationalExchange | None = None,
    batch_size: int | None = None,
    scan: bool = True,
) -> dict:
    """Send every decision and local registration not yet acknowledged, each kind oldest first, in batches;
    returns the counts. Call it holding the job's lock (``jobs.push_records_job``). A platform that cannot be
    reached ends the run; the records wait, pending, for the next one. ``scan=False`` sends only the pushes
    already open (the bench)."""
    today = today or timezone.localdate()
    size = min(batch_size or settings.NATIONAL_SYNC_BATCH_SIZE, 1000)
    counts: Counter = Counter()
    for kind, n in (pushes_open(backfill=backfill) if scan else {}).items():
        counts[f"{kind}_opened"] = n
    counts["released"] = pushes_release()
    counts["revalidated"] = pushes_revalidate(today=today)
    result: dict = {}
    try:
        exchange = exchange or get_exchange()
    except PlatformError as exc:
        result["platform_error"] = str(exc)[:300]
        exchange = None
    for spec in SPECS.values() if exchange is not None else ():
        _send_kind(spec, exchange=exchange, size=size, today=today, counts=counts, result=result)  # type: ignore[arg-type]  # not None in this loop
        if result.get("platform_error"):
            break
    counts["still_pending"] = NationalPush.objects.filter(status=NationalPush.Status.PENDING).count()
    return {**dict(counts), **result}


# ---- ops -------------------------------------------------------------------------------------------
@transaction.atomic
def push_resend(*, push: NationalPush, user: User, today: date | None = None) -> NationalPush:
    """Ops send a rejected or invalid record again once its source is fixed: rebuilt and validated now; valid,
    it goes back to the queue (pending) for the next run. Still invalid: the errors are raised (and the record
    is left as it was)."""
    spec = SPECS[PushKind(push.kind)]
    return sending.resend(
        # only the push row is locked (its decision or registration is on the nullable side of a join)
        queryset=lambda: NationalPush.objects.select_for_update(of=("self",)).select_related(
            "region", *spec.related
        ),
        row=push,
        user=user,
        errors_of=lambda push: spec.validate(spec.build(push), today or timezone.localdate()),
    )
