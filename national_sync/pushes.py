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
- **Claim, send, record** as ``services`` does for exits: rows claimed under ``FOR UPDATE SKIP LOCKED`` become
  SENDING with a new batch id (the idempotency key), a record breaking a rule becomes INVALID and is never sent;
  the answer moves only rows still SENDING in that batch (a duplicate acknowledgement changes nothing), a failed
  call returns the batch to pending, a record the answer leaves out too; SENDING rows left by a run that died
  return to pending at the start of the next one (it holds the job's lock). The platform takes a record once by
  its business key and answers a repeat "already received": acknowledged once.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, QuerySet
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import User
from offices.roles import Role
from offices.scoping import can_see_region
from registration.models import Application, Registration

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
from .records import RecordError, errors_as_data
from .transport import NotConfigured, PlatformError

LOOKBACK = timedelta(days=1)  # the scan re-reads this much before the newest push of its kind
FIRST_RUN_WINDOW = timedelta(days=2)  # with no push yet, the scan starts here; older ones: the backfill
MAX_FAILED_BATCHES = 3
MISSING_IN_ANSWER = "平台应答中缺少该记录"
RELEASED = "上次发送未完成（进程中断），已重新排队"
NOT_OPS = _("只有运维人员可以重新上传")
OUT_OF_SCOPE = _("该事项不在您的管辖区划内")
NOT_RESENDABLE = _("该记录当前状态为“%(status)s”，不能重新上传")
STILL_INVALID = _("记录仍未通过校验：%(errors)s")
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
    return NationalPush.objects.filter(status=NationalPush.Status.SENDING).update(
        status=NationalPush.Status.PENDING, sending_since=None, last_error=RELEASED, updated_at=Now()
    )


def pushes_revalidate(*, today: date) -> int:
    """Invalid records whose source has been fixed go back to pending; returns how many."""
    fixed = []
    for kind, spec in SPECS.items():
        for push in NationalPush.objects.filter(kind=kind, status=NationalPush.Status.INVALID).select_related(
            *spec.related
        ):
            if not spec.validate(spec.build(push), today):
                fixed.append(push.pk)
    return NationalPush.objects.filter(pk__in=fixed, status=NationalPush.Status.INVALID).update(
        status=NationalPush.Status.PENDING, errors=[], last_error="", updated_at=Now()
    )


# ---- one batch --------------------------------------------------------------------------------------
@dataclass
class Batch:
    batch_id: str
    pushes: dict[str, int]  # business key → NationalPush pk
    records: list[dict[str, str]]


def _claim(spec: Spec, *, size: int, today: date, skip: set[int], counts: Counter) -> Batch | None:
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
        batch = Batch(batch_id=str(uuid.uuid4()), pushes={}, records=[])
        for push in pushes:
            record = spec.build(push)
            errors = spec.validate(record, today)
            if errors:
                NationalPush.objects.filter(pk=push.pk).update(
                    status=NationalPush.Status.INVALID,
                    errors=errors_as_data(errors),
                    last_error=errors[0].message[:500],
                    updated_at=Now(),
                )
                counts[f"{spec.kind}_invalid"] += 1
                continue
            batch.pushes[result_key(record, spec.key_fields)] = push.pk
            batch.records.append(record)
        if batch.records:
            NationalPush.objects.filter(pk__in=list(batch.pushes.values())).update(
                status=NationalPush.Status.SENDING,
                batch_id=batch.batch_id,
                sending_since=Now(),
                attempts=F("attempts") + 1,
                updated_at=Now(),
            )
    return batch


def _back_to_pending(batch: Batch, reason: str, pks: list[int] | None = None) -> int:
    return NationalPush.objects.filter(
        pk__in=pks if pks is not None else list(batch.pushes.values()),
        status=NationalPush.Status.SENDING,
        batch_id=batch.batch_id,
    ).update(
        status=NationalPush.Status.PENDING, sending_since=None, last_error=reason[:500], updated_at=Now()
    )


def _record_answer(spec: Spec, batch: Batch, results: list[PushResult], counts: Counter) -> None:
    acknowledged: dict[int, str] = {}
    rejected: dict[int, list[dict[str, str]]] = {}
    for result in results:
        pk = batch.pushes.get(result.key)
        if pk is None:
            continue  # not ours (a confused answer): ignored
        if result.acknowledged:
            acknowledged.setdefault(pk, result.receipt or "-")
            rejected.pop(pk, None)
        elif pk not in acknowledged:
            rejected.setdefault(pk, result.errors or [{"field": "", "message": "平台退回（未说明原因）"}])
    still_sending = {"status": NationalPush.Status.SENDING, "batch_id": batch.batch_id}
    with transaction.atomic():
        if acknowledged:
            # One statement for the whole batch (a backfill acknowledges its records by the thousand).
            values = ", ".join(["(%s, %s)"] * len(acknowledged))
            params: list = [x for pk, receipt in acknowledged.items() for x in (pk, receipt[:40])]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    UPDATE national_sync_nationalpush AS p
                    SET status = %s, receipt = v.receipt, acknowledged_at = now(), sending_since = NULL,
                        last_error = '', errors = '[]'::jsonb, updated_at = now()
                    FROM (VALUES {values}) AS v(id, receipt)
                    WHERE p.id = v.id::bigint AND p.status = %s AND p.batch_id = %s
                    """,  # noqa: S608  (only placeholders are formatted in)
                    [
                        str(NationalPush.Status.ACKNOWLEDGED),
                        *params,
                        str(NationalPush.Status.SENDING),
                        batch.batch_id,
                    ],
                )
                counts[f"{spec.kind}_acknowledged"] += cursor.rowcount
        for pk, errors in rejected.items():
            counts[f"{spec.kind}_rejected"] += NationalPush.objects.filter(pk=pk, **still_sending).update(
                status=NationalPush.Status.REJECTED,
                errors=errors,
                last_error="；".join(e.get("message", "") for e in errors)[:500],
                sending_since=None,
                updated_at=Now(),
            )
        missing = [pk for pk in batch.pushes.values() if pk not in acknowledged and pk not in rejected]
        if missing:
            counts["missing_in_answer"] += _back_to_pending(batch, MISSING_IN_ANSWER, missing)


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
        skip: set[int] = set()
        failed_in_a_row = 0
        while True:
            batch = _claim(spec, size=size, today=today, skip=skip, counts=counts)
            if batch is None:
                break
            if not batch.records:
                continue
            counts["batches"] += 1
            try:
                answer = spec.send(exchange, batch.batch_id, batch.records)  # type: ignore[arg-type]  # not None in this loop
            except PlatformError as exc:
                _back_to_pending(batch, str(exc))
                counts["failed_batches"] += 1
                result["platform_error"] = str(exc)[:300]
                if isinstance(exc, NotConfigured):  # nothing left this machine: not an attempt
                    NationalPush.objects.filter(pk__in=list(batch.pushes.values())).update(
                        attempts=F("attempts") - 1
                    )
                    result["not_configured"] = True
                    break
                failed_in_a_row += 1
                if exc.transient or failed_in_a_row >= MAX_FAILED_BATCHES:
                    break
                continue
            failed_in_a_row = 0
            counts[f"{spec.kind}_sent"] += len(batch.records)
            _record_answer(spec, batch, answer, counts)
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
    if not user.has_role(Role.OPS):
        raise PermissionDenied(NOT_OPS)
    spec = SPECS[PushKind(push.kind)]
    push = (
        NationalPush.objects.select_for_update(of=("self",))
        .select_related("region", *spec.related)
        .get(pk=push.pk)
    )
    if not can_see_region(user, push.region):
        raise PermissionDenied(OUT_OF_SCOPE)
    if push.status not in (NationalPush.Status.REJECTED, NationalPush.Status.INVALID):
        raise ValidationError(NOT_RESENDABLE % {"status": push.get_status_display()}, code="not_resendable")
    errors = spec.validate(spec.build(push), today or timezone.localdate())
    if errors:
        raise ValidationError(
            STILL_INVALID % {"errors": "；".join(e.message for e in errors)}, code="still_invalid"
        )
    NationalPush.objects.filter(pk=push.pk).update(
        status=NationalPush.Status.PENDING, errors=[], last_error="", updated_at=Now()
    )
    push.refresh_from_db()
    return push
