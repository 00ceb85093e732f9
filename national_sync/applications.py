"""National applications pulled from the national unified platform (notice 七: 全国平台 applications are handled
by the office of the region applied to, within the same 3 working days). Every 10 minutes (``jobs``).

    applications_pull()                                  # the job: page after page from the stored cursor
    national_application_take(item=row)                  # one row: taken (an Application) or parked, once
    national_application_retry(row=parked, user=ops)     # ops, once the cause is fixed

Exactly once:

- **One row per national application number.** ``NationalApplication.number`` is unique; a row is created in the
  same transaction as the ``Application`` it becomes (``registration.services.application_submit``, channel
  national, ``national_application_number``, also unique there), so a row pulled twice — the cursor not yet
  advanced, two pulls at once, the platform repeating itself — finds the first one and changes nothing.
- **The cursor moves after the rows.** A page's rows are committed one by one; only then is the cursor stored,
  by compare-and-set on the value the run started from, so it never moves backwards and never past a row not
  committed. A run that dies mid-page re-reads the page next time.
- **Never dropped.** A row that cannot be taken (no office for its region, calendar not loaded, bad ID, the
  person already has an open case, a malformed record) is PARKED with its reason naming the field; ops see it
  and retry it once the cause is fixed. The submission time is always the platform's (``SQSJ``): the
  3-working-day clock runs from when the applicant applied, not from when the row arrived.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from offices.models import Region, User
from offices.roles import Role
from offices.scoping import can_see_region, user_scope_path
from registration.models import Application
from registration.services import PersonData, application_submit

from .exchange import NationalExchange, get_exchange
from .exchange_models import ExchangeCursor, NationalApplication
from .local_records import APPLICATION_FIELDS, SUBMIT_FIELD_CODES, national_number, read_national_application
from .records import RecordError
from .transport import NotConfigured, PlatformError

CURSOR_NAME = "national_applications"
PAGE_SIZE = 200
MAX_PAGES = 50  # per run: the next run (10 minutes later) continues from the stored cursor

NO_REGION = _("AAB301（申请登记地行政区划代码）“%(code)s”不是本系统已知的行政区划")
NOT_OPS = _("只有运维人员可以重新处理全国平台申请")
OUT_OF_SCOPE = _("该事项不在您的管辖区划内")
NOT_PARKED = _("该全国平台申请已转为申请（%(number)s），无需重新处理")
STILL_PARKED = _("仍不能转为申请：%(reason)s")
NO_NUMBER = "（无编号）"


# ---- regions ----------------------------------------------------------------------------------------
def _region_and_scope(code: str) -> tuple[Region | None, Region | None]:
    """The region of ``code`` (None if unknown) and the region the row is scoped to: the same, or the nearest
    known one above it (its city, its province), so that the ops of that area see a row with a bad code."""
    code = code if len(code) == 6 and code.isascii() and code.isdigit() else ""
    if not code:
        return None, None
    regions = Region.objects.in_bulk([code, code[:4] + "00", code[:2] + "0000"])
    exact = regions.get(code)
    return exact, exact or regions.get(code[:4] + "00") or regions.get(code[:2] + "0000")


def visible_to(user: User, row: NationalApplication) -> bool:
    """Whether ``user`` may see ``row``: its region in their scope; a row of no known region, only to users of
    the whole deployment (a province-level office or a superuser)."""
    if row.region is not None:
        return can_see_region(user, row.region)
    path = user_scope_path(user)
    return path is not None and path.count("/") <= 1


# ---- one row ----------------------------------------------------------------------------------------
def _messages_of(exc: ValidationError) -> list[RecordError]:
    if hasattr(exc, "error_dict"):
        out: list[RecordError] = []
        for key, errors in exc.message_dict.items():
            code = SUBMIT_FIELD_CODES.get(key, "")
            label = f"{code}（{APPLICATION_FIELDS[code]}）" if code else ""
            out.extend(RecordError(code, f"{label}{message}") for message in errors)
        return out
    return [RecordError("", str(message)) for message in exc.messages]


def _park(row: NationalApplication, errors: list[RecordError]) -> None:
    row.status = NationalApplication.Status.PARKED
    row.errors = [e.as_dict() for e in errors]
    row.reason = ("；".join(e.message for e in errors) or "未知原因")[:500]


def _take(row: NationalApplication) -> bool:
    """Turn ``row`` (locked, inside a transaction) into an application, or park it with the reason; True when
    taken. Nothing of a failed attempt is saved (a savepoint), the row's reason is."""
    fields, errors = read_national_application(row.payload, now=timezone.now())
    region, _scope = _region_and_scope(row.region_code)
    if fields is not None and region is None:
        errors = [RecordError("AAB301", str(NO_REGION % {"code": row.region_code[:20]}))]
    if fields is None or region is None:
        _park(row, errors)
        return False
    person = PersonData(
        id_type=fields.id_type,
        id_number=fields.id_number,
        name=fields.name,
        sex=fields.sex,
        birth_date=fields.birth_date,
        phone=fields.phone,
        address=fields.address,
    )
    try:
        with transaction.atomic():
            application = application_submit(
                person=person,
                channel=Application.Channel.NATIONAL,
                basis=fields.basis,
                region=region,
                commitment_accepted=fields.commitment_accepted,
                received_by=None,
                submitted_at=fields.submitted_at,
                national_application_number=fields.number,
                unemployment_reason=fields.unemployment_reason,
            )
    except ValidationError as exc:
        _park(row, _messages_of(exc))
        return False
    except IntegrityError:
        # An application already carries this national number (made before this row existed): it is that one.
        existing = Application.objects.filter(national_application_number=fields.number).first()
        if existing is None:
            raise
        application = existing
    row.status = NationalApplication.Status.TAKEN
    row.application = application
    row.reason, row.errors = "", []
    return True


def national_application_take(*, item: Any) -> str:
    """Take one pulled row, exactly once by its national application number; returns what happened: "taken",
    "parked" or "already" (the number was pulled before: nothing changes). A parked number the platform sends
    again with a corrected record is tried again with it (a taken one never is)."""
    number = national_number(item)
    payload = item if isinstance(item, dict) else {"raw": repr(item)[:2000]}
    if not number:
        # No number to key it by: keyed by its content, so a repeat is still recognised, and parked.
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        number = f"{NO_NUMBER}{digest[:24]}"
    region_code = str(payload.get("AAB301") or "")[:20]
    _region, scope = _region_and_scope(region_code)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = NationalApplication.objects.create(
                    number=number,
                    region_code=region_code,
                    region=scope,
                    payload=payload,
                    status=NationalApplication.Status.PARKED,
                    reason="处理中",
                )
        except IntegrityError:
            # Pulled before (by this run's predecessors or a run at the same time, now committed).
            found = NationalApplication.objects.select_for_update().filter(number=number).first()
            if found is None or found.status != NationalApplication.Status.PARKED or found.payload == payload:
                return "already"
            row = found  # parked, and the platform corrected the record: try the new one
            row.payload, row.region_code, row.region = payload, region_code, scope
            row.attempts += 1
        fields, _errors = read_national_application(payload, now=timezone.now())
        row.submitted_at = fields.submitted_at if fields is not None else None
        taken = _take(row)
        row.save()
        return "taken" if taken else "parked"


# ---- the run ----------------------------------------------------------------------------------------
def _cursor() -> str:
    row, _created = ExchangeCursor.objects.get_or_create(name=CURSOR_NAME)
    return row.value


def _advance(old: str, new: str) -> bool:
    """Store ``new`` if the cursor is still ``old`` (compare-and-set): False when another run moved it."""
    return bool(
        ExchangeCursor.objects.filter(name=CURSOR_NAME, value=old).update(
            value=new, updated_at=timezone.now()
        )
    )


def applications_pull(
    *, exchange: NationalExchange | None = None, page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES
) -> dict:
    """Pull the national applications after the stored cursor, page by page; returns the counts. Call it
    holding the job's lock (``jobs``); two at once are still safe (each row is taken once, the cursor never
    moves back). A platform that cannot be reached ends the run; the cursor stays where it was."""
    counts: Counter = Counter()
    result: dict = {}
    cursor = _cursor()
    try:
        exchange = exchange or get_exchange()
        for _page in range(max_pages):
            page = exchange.pull_applications(cursor=cursor, limit=page_size)
            counts["pages"] += 1
            for item in page.applications:
                counts[national_application_take(item=item)] += 1
            if page.next_cursor != cursor:
                if not _advance(cursor, page.next_cursor):
                    counts["cursor_moved_by_another_run"] += 1
                    break
                cursor = page.next_cursor
            if not page.has_more or not page.applications:
                break
    except PlatformError as exc:
        result["platform_error"] = str(exc)[:300]
        if isinstance(exc, NotConfigured):
            result["not_configured"] = True
    counts["parked_total"] = NationalApplication.objects.filter(
        status=NationalApplication.Status.PARKED
    ).count()
    always = ("taken", "parked", "already", "parked_total")
    return {**{k: 0 for k in always}, **dict(counts), "cursor": cursor, **result}


# ---- ops -------------------------------------------------------------------------------------------
def national_application_retry(*, row: NationalApplication, user: User) -> NationalApplication:
    """Ops try a parked national application again once the cause is fixed (an office for the region, the
    calendar loaded, the person's case closed); raises ValidationError with the reason if it still cannot be
    taken. Atomic: the attempt is committed either way (taken, or still parked with the new reason and one more
    attempt, which is what ops look at next) before the error is raised."""
    if not user.has_role(Role.OPS):
        raise PermissionDenied(NOT_OPS)
    with transaction.atomic():
        row = (
            NationalApplication.objects.select_for_update(of=("self",))
            .select_related("region", "application")
            .get(pk=row.pk)
        )
        if not visible_to(user, row):
            raise PermissionDenied(OUT_OF_SCOPE)
        if row.status != NationalApplication.Status.PARKED:
            number = row.application.number if row.application else ""
            raise ValidationError(NOT_PARKED % {"number": number}, code="not_parked")
        row.attempts += 1
        taken = _take(row)
        row.save()
    if not taken:
        raise ValidationError(STILL_PARKED % {"reason": row.reason}, code="still_parked")
    return row
