"""The one exactly-once sender behind every upload to the ministry platforms: the exits (``services``) and the
decisions / local registrations (``pushes``) share it; each caller only says which rows a batch claims, how a
record is built and checked, and which transport call sends it.

A queue model (``ExitUpload``, ``NationalPush``) has the fields ``status`` (pending → sending → acknowledged |
rejected | invalid | withdrawn), ``batch_id``, ``sending_since``, ``attempts``, ``receipt``,
``acknowledged_at``, ``errors``, ``last_error``, ``region`` and ``updated_at``, and the same ``Status`` choices.

    release(model)                               # start of a run: orphaned SENDING rows → pending
    fill_batch(model, items, counts=…, prefix=…) # in the claim's transaction: invalid rows marked, the rest SENDING
    send_batches(model, claim=…, send=…, …)      # the loop: claim → send outside the transaction → record
    resend(queryset=…, row=…, user=…, errors_of=…)  # ops: a rejected / invalid row back to pending

See ``services``' docstring for why this is exactly-once.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Model, QuerySet
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from offices.models import User
from offices.roles import Role
from offices.scoping import can_see_region

from .records import RecordError, errors_as_data
from .transport import NotConfigured, PlatformError

MAX_FAILED_BATCHES = 3  # a run stops after this many batches in a row the platform refused as a whole
MISSING_IN_ANSWER = "平台应答中缺少该记录"
RELEASED = "上次发送未完成（进程中断），已重新排队"
REJECTED_WITHOUT_REASON = "平台退回（未说明原因）"
NOT_OPS = _("只有运维人员可以重新上传")
OUT_OF_SCOPE = _("该事项不在您的管辖区划内")
NOT_RESENDABLE = _("该记录当前状态为“%(status)s”，不能重新上传")
STILL_INVALID = _("记录仍未通过校验：%(errors)s")


class Result(Protocol):
    """One record's answer (``transport.RecordResult``, ``exchange.PushResult``)."""

    @property
    def key(self) -> Any: ...

    @property
    def acknowledged(self) -> bool: ...

    @property
    def receipt(self) -> str: ...

    @property
    def errors(self) -> list[dict[str, str]]: ...


@dataclass
class Batch:
    batch_id: str
    rows: dict[Hashable, int] = field(default_factory=dict)  # business key → queue row pk
    records: list[dict[str, str]] = field(default_factory=list)


def _status(model: type[Model]) -> Any:
    return model.Status  # type: ignore[attr-defined]


def _objects(model: type[Model]) -> Any:
    return model._default_manager


# ---- the queue --------------------------------------------------------------------------------------
def release(model: type[Model]) -> int:
    """Every SENDING row back to pending: called at the start of a run holding the job's lock, when any SENDING
    row belongs to a run that died."""
    status = _status(model)
    return (
        _objects(model)
        .filter(status=status.SENDING)
        .update(status=status.PENDING, sending_since=None, last_error=RELEASED, updated_at=Now())
    )


def back_from_invalid(model: type[Model], pks: Iterable[int]) -> int:
    """The INVALID rows among ``pks`` (their source was fixed) back to pending."""
    status = _status(model)
    return (
        _objects(model)
        .filter(pk__in=list(pks), status=status.INVALID)
        .update(status=status.PENDING, errors=[], last_error="", updated_at=Now())
    )


# ---- one batch --------------------------------------------------------------------------------------
def fill_batch(
    model: type[Model],
    items: Iterable[tuple[int, dict[str, str], list[RecordError]]],
    *,
    key_of: Callable[[dict[str, str]], Hashable],
    counts: Counter,
    prefix: str = "",
) -> Batch:
    """Inside the claim's transaction, with the rows locked: each ``(pk, record, errors)`` with errors becomes
    INVALID (never sent); the others form a new batch and become SENDING under its id (the idempotency key)."""
    status = _status(model)
    objects = _objects(model)
    batch = Batch(batch_id=str(uuid.uuid4()))
    for pk, record, errors in items:
        if errors:
            objects.filter(pk=pk).update(
                status=status.INVALID,
                errors=errors_as_data(errors),
                last_error=errors[0].message[:500],
                updated_at=Now(),
            )
            counts[f"{prefix}invalid"] += 1
            continue
        batch.rows[key_of(record)] = pk
        batch.records.append(record)
    if batch.records:
        objects.filter(pk__in=list(batch.rows.values())).update(
            status=status.SENDING,
            batch_id=batch.batch_id,
            sending_since=Now(),
            attempts=F("attempts") + 1,
            updated_at=Now(),
        )
    return batch


def back_to_pending(model: type[Model], batch: Batch, reason: str, pks: list[int] | None = None) -> int:
    """The rows of ``batch`` (or ``pks`` of it) still SENDING in it back to pending, with the reason."""
    status = _status(model)
    return (
        _objects(model)
        .filter(
            pk__in=pks if pks is not None else list(batch.rows.values()),
            status=status.SENDING,
            batch_id=batch.batch_id,
        )
        .update(status=status.PENDING, sending_since=None, last_error=reason[:500], updated_at=Now())
    )


def record_answer(
    model: type[Model], batch: Batch, results: Sequence[Result], counts: Counter, *, prefix: str = ""
) -> list[int]:
    """Record the platform's answer for the rows still SENDING in ``batch`` (a duplicate acknowledgement
    changes nothing); returns the rows it left out (back to pending)."""
    status = _status(model)
    objects = _objects(model)
    acknowledged: dict[int, str] = {}
    rejected: dict[int, list[dict[str, str]]] = {}
    for result in results:
        pk = batch.rows.get(result.key)
        if pk is None:
            continue  # not ours (a confused answer): ignored
        if result.acknowledged:
            acknowledged.setdefault(pk, result.receipt or "-")
            rejected.pop(pk, None)
        elif pk not in acknowledged:
            rejected.setdefault(pk, result.errors or [{"field": "", "message": REJECTED_WITHOUT_REASON}])
    with transaction.atomic():
        if acknowledged:
            # One statement for the whole batch (a backfill acknowledges its records by the thousand).
            values = ", ".join(["(%s, %s)"] * len(acknowledged))
            params: list = [x for pk, receipt in acknowledged.items() for x in (pk, receipt[:40])]
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""
                    UPDATE {table} AS q
                    SET status = %s, receipt = v.receipt, acknowledged_at = now(), sending_since = NULL,
                        last_error = '', errors = '[]'::jsonb, updated_at = now()
                    FROM (VALUES {values}) AS v(id, receipt)
                    WHERE q.id = v.id::bigint AND q.status = %s AND q.batch_id = %s
                    """,  # noqa: S608  (the model's own table and placeholders only are formatted in)
                    [str(status.ACKNOWLEDGED), *params, str(status.SENDING), batch.batch_id],
                )
                counts[f"{prefix}acknowledged"] += cursor.rowcount
        for pk, errors in rejected.items():
            counts[f"{prefix}rejected"] += objects.filter(
                pk=pk, status=status.SENDING, batch_id=batch.batch_id
            ).update(
                status=status.REJECTED,
                errors=errors,
                last_error="；".join(e.get("message", "") for e in errors)[:500],
                sending_since=None,
                updated_at=Now(),
            )
        missing = [pk for pk in batch.rows.values() if pk not in acknowledged and pk not in rejected]
        if missing:
            counts["missing_in_answer"] += back_to_pending(model, batch, MISSING_IN_ANSWER, missing)
    return missing


# ---- the run ----------------------------------------------------------------------------------------
def send_batches(
    model: type[Model],
    *,
    claim: Callable[[set[int]], Batch | None],
    send: Callable[[Batch], Sequence[Result]],
    counts: Counter,
    result: dict,
    prefix: str = "",
) -> None:
    """Claim, send and record batches until the queue is empty or the platform fails.

    ``claim(skip)`` claims a batch (None: nothing left) leaving out the rows in ``skip``: those tried in this run
    that failed, were left out of an answer or were locked by someone else. A failed call returns the batch to
    pending; a transient failure (after the transport's retries), ``MAX_FAILED_BATCHES`` refusals in a row or a
    platform not configured end the loop, with ``result["platform_error"]`` set."""
    skip: set[int] = set()
    failed_in_a_row = 0
    while True:
        batch = claim(skip)
        if batch is None:
            break
        if not batch.records:
            continue
        counts["batches"] += 1
        try:
            answer = send(batch)
        except PlatformError as exc:
            back_to_pending(model, batch, str(exc))
            skip.update(batch.rows.values())  # not again in this run
            counts["failed_batches"] += 1
            result["platform_error"] = str(exc)[:300]
            if isinstance(exc, NotConfigured):  # nothing left this machine: not an attempt
                _objects(model).filter(pk__in=list(batch.rows.values())).update(attempts=F("attempts") - 1)
                result["not_configured"] = True
                break
            failed_in_a_row += 1
            if exc.transient or failed_in_a_row >= MAX_FAILED_BATCHES:
                break
            continue
        failed_in_a_row = 0
        counts[f"{prefix}sent"] += len(batch.records)
        skip.update(record_answer(model, batch, answer, counts, prefix=prefix))


# ---- ops -------------------------------------------------------------------------------------------
def resend(
    *,
    queryset: Callable[[], QuerySet],
    row: Model,
    user: User,
    errors_of: Callable[[Any], list[RecordError]],
) -> Any:
    """Ops send a rejected or invalid row again once its source is fixed (call it inside a transaction): the
    row is locked (``queryset()``, with what its record needs), its record rebuilt and validated now
    (``errors_of``); valid, it goes back to the queue (pending) for the next run, else the errors are raised
    and the row is left as it was."""
    if not user.has_role(Role.OPS):
        raise PermissionDenied(NOT_OPS)
    row = queryset().get(pk=row.pk)
    if not can_see_region(user, row.region):  # type: ignore[attr-defined]
        raise PermissionDenied(OUT_OF_SCOPE)
    status = _status(type(row))
    if row.status not in (status.REJECTED, status.INVALID):  # type: ignore[attr-defined]
        raise ValidationError(NOT_RESENDABLE % {"status": row.get_status_display()}, code="not_resendable")  # type: ignore[attr-defined]
    errors = errors_of(row)
    if errors:
        raise ValidationError(
            STILL_INVALID % {"errors": "；".join(e.message for e in errors)}, code="still_invalid"
        )
    _objects(type(row)).filter(pk=row.pk).update(
        status=status.PENDING, errors=[], last_error="", updated_at=Now()
    )
    row.refresh_from_db()
    return row
