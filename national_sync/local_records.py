"""The records of the national platform exchange (docs/ministry-protocol.md, "National applications",
"Decisions", "Local registrations"), keyed by field codes, every value a string:

    person, fields = national_application_fields(item)        # what application_submit takes, or RecordErrors
    record = build_decision_record(application)               # QGSQBH, AAB301, BLJG, BYDJYY, BLSM, DJBH, AAE011, AAE036
    record = build_registration_record(registration)          # AAB301, DJBH, AAC003, AAC058, AAC044, AAC002, AAC004, DJQD, DJRQ, AAE011, AAE036
    validate_decision_record(record, today=d) / validate_registration_record(record, today=d)   # [RecordError]

The validators follow the attachment's rules where the fields are the same (required, lengths, no spaces in
names, AAB301 a real GB/T 2260 code, AAC058 in its table, AAC002 digits and check character, dates YYYYMMDD
not after today); the simulator validates with the same functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from registration.models import Application, Registration

from .records import (
    NOT_A_DATE,
    REQUIRED,
    TOO_LONG,
    RecordError,
    ReferenceCodes,
    _parse_date,
    _yyyymmdd,
    check_record,
    reference_codes,
)

# ---- national applications (pulled) ----------------------------------------------------------------
APPLICATION_FIELDS: dict[str, Any] = {
    "QGSQBH": _("全国平台申请编号"),
    "SQSJ": _("申请时间"),
    "AAB301": _("申请登记地行政区划代码"),
    "DJDLX": _("登记地类型"),
    "AAC058": _("证件类型"),
    "AAC044": _("证件号码"),
    "AAC003": _("姓名"),
    "AAC004": _("性别"),
    "AAC006": _("出生日期"),
    "AAE005": _("联系电话"),
    "AAE006": _("居住地址"),
    "AJC093": _("失业原因"),
    "CNBZ": _("告知承诺标志"),
}
BASIS_CODES = {
    "1": Application.Basis.HUKOU,
    "2": Application.Basis.RESIDENCE,
    "3": Application.Basis.EMPLOYMENT,
    "4": Application.Basis.INSURANCE,
}
# application_submit's error keys → the field code of the national record they come from.
SUBMIT_FIELD_CODES = {
    "id_type": "AAC058",
    "id_number": "AAC044",
    "name": "AAC003",
    "sex": "AAC004",
    "birth_date": "AAC006",
    "address": "AAE006",
    "phone": "AAE005",
    "region": "AAB301",
    "basis": "DJDLX",
    "commitment_accepted": "CNBZ",
    "unemployment_reason": "AJC093",
}
MAX_NUMBER_LENGTH = 40

BAD_TIME = _("%(field)s（%(name)s）应为带时区的时间（如 2026-11-20T09:15:00+08:00），当前为“%(value)s”")
TIME_IN_FUTURE = _("%(field)s（%(name)s）晚于当前时间")
BAD_BASIS = _("%(field)s（%(name)s）应为 1 户籍地、2 常住地、3 就业地或 4 参保地，当前为“%(value)s”")
NOT_COMMITTED = _("%(field)s（%(name)s）申请人未签署告知承诺（应为“1”）")


@dataclass(frozen=True)
class NationalFields:
    """A national application read from the platform's record: what ``application_submit`` takes."""

    number: str
    submitted_at: datetime
    region_code: str
    basis: str
    id_type: str
    id_number: str
    name: str
    sex: str
    birth_date: date | None
    phone: str
    address: str
    unemployment_reason: str
    commitment_accepted: bool


def _text(item: dict, code: str) -> str:
    value = item.get(code)
    return "" if value is None else str(value).strip()


def _err(errors: list[RecordError], code: str, message: Any, **params: Any) -> None:
    errors.append(
        RecordError(code, str(message % {"field": code, "name": APPLICATION_FIELDS[code], **params}))
    )


def national_number(item: Any) -> str:
    """The national application number of a pulled row ("" when it has none a row can be keyed by)."""
    if not isinstance(item, dict):
        return ""
    number = _text(item, "QGSQBH")
    return number if 0 < len(number) <= MAX_NUMBER_LENGTH else ""


def read_national_application(
    item: dict, *, now: datetime
) -> tuple[NationalFields | None, list[RecordError]]:
    """The fields of a pulled national application, or the errors of its shape (the person's own rules —
    a valid ID, a name without spaces, codes in their tables — are ``application_submit``'s)."""
    errors: list[RecordError] = []
    for code in ("QGSQBH", "SQSJ", "AAB301", "DJDLX", "AAC058", "AAC044", "AAC003"):
        if not _text(item, code):
            _err(errors, code, REQUIRED)
    number = _text(item, "QGSQBH")
    if len(number) > MAX_NUMBER_LENGTH:
        _err(errors, "QGSQBH", TOO_LONG, limit=MAX_NUMBER_LENGTH, length=len(number))
    submitted_at = None
    if raw := _text(item, "SQSJ"):
        submitted_at = parse_datetime(raw) if len(raw) <= 40 else None
        if submitted_at is None or timezone.is_naive(submitted_at):
            _err(errors, "SQSJ", BAD_TIME, value=raw[:40])
            submitted_at = None
        elif submitted_at > now + timedelta(minutes=5):
            _err(errors, "SQSJ", TIME_IN_FUTURE)
    basis = _text(item, "DJDLX")
    if basis and basis not in BASIS_CODES:
        _err(errors, "DJDLX", BAD_BASIS, value=basis[:10])
    birth = None
    if raw := _text(item, "AAC006"):
        birth = _parse_date(raw)
        if birth is None:
            _err(errors, "AAC006", NOT_A_DATE, value=raw[:20])
    if _text(item, "CNBZ") != "1":
        _err(errors, "CNBZ", NOT_COMMITTED)
    if errors or submitted_at is None:
        return None, errors
    return (
        NationalFields(
            number=number,
            submitted_at=submitted_at,
            region_code=_text(item, "AAB301"),
            basis=BASIS_CODES[basis],
            id_type=_text(item, "AAC058"),
            id_number=_text(item, "AAC044"),
            name=_text(item, "AAC003"),
            sex=_text(item, "AAC004"),
            birth_date=birth,
            phone=_text(item, "AAE005")[:20],
            address=_text(item, "AAE006")[:200],
            unemployment_reason=_text(item, "AJC093"),
            commitment_accepted=True,
        ),
        [],
    )


# ---- the records pushed ----------------------------------------------------------------------------
DECISION_FIELDS: dict[str, tuple[Any, int, bool]] = {  # code: (name, max length, required)
    "QGSQBH": (_("全国平台申请编号"), 40, True),
    "AAB301": (_("办理地行政区划代码"), 6, True),
    "BLJG": (_("办理结果"), 1, True),
    "BYDJYY": (_("不予登记原因"), 25, False),
    "BLSM": (_("办理说明"), 500, False),
    "DJBH": (_("失业登记编号"), 20, False),
    "AAE011": (_("经办人"), 50, True),
    "AAE036": (_("经办日期"), 8, True),
}
REGISTRATION_FIELDS: dict[str, tuple[Any, int, bool]] = {
    "AAB301": (_("登记地行政区划代码"), 6, True),
    "DJBH": (_("失业登记编号"), 20, True),
    "AAC003": (_("姓名"), 50, True),
    "AAC058": (_("证件类型"), 2, True),
    "AAC044": (_("证件号码"), 22, True),
    "AAC002": (_("社会保障号码"), 18, True),
    "AAC004": (_("性别"), 1, True),
    "DJQD": (_("登记渠道"), 1, True),
    "DJRQ": (_("登记日期"), 8, True),
    "AAE011": (_("经办人"), 50, False),
    "AAE036": (_("经办日期"), 8, True),
}
DECISION_KEY = ("QGSQBH",)
REGISTRATION_KEY = ("AAB301", "DJBH")

# BLJG (办理结果)
RESULT_REGISTERED, RESULT_REJECTED, RESULT_WITHDRAWN = "1", "2", "3"
DECISION_RESULTS: dict[str, str] = {
    Application.Status.REGISTERED: RESULT_REGISTERED,
    Application.Status.REJECTED: RESULT_REJECTED,
    Application.Status.WITHDRAWN: RESULT_WITHDRAWN,
}
# DJQD (登记渠道): how a local registration came about.
CHANNEL_COUNTER, CHANNEL_ONLINE, CHANNEL_EDUCATION, CHANNEL_IMPORTED = "1", "2", "3", "4"
CHANNEL_LABELS = {
    CHANNEL_COUNTER: _("窗口受理"),
    CHANNEL_ONLINE: _("网上申请"),
    CHANNEL_EDUCATION: _("教育部门移交"),
    CHANNEL_IMPORTED: _("既有登记导入"),
}

BAD_RESULT = _("%(field)s（%(name)s）应为 1 予以登记、2 不予登记或 3 本人撤回，当前为“%(value)s”")
REASON_NEEDED = _("%(field)s（%(name)s）不予登记时必须填写原因")
NUMBER_NEEDED = _("%(field)s（%(name)s）予以登记时必须填写登记编号")
BAD_CHANNEL = _("%(field)s（%(name)s）应为 1 窗口受理、2 网上申请、3 教育部门移交或 4 既有登记导入")
BAD_SEX = _("%(field)s（%(name)s）应为 1 男或 2 女")


def build_decision_record(application: Application) -> dict[str, str]:
    """The decision on a national application, for the national platform: registered (with the registration
    number), rejected (with the reason's code and the note) or withdrawn at the applicant's request."""
    decided_at = application.decided_at or application.updated_at
    registration = getattr(application, "registration", None)
    reason = ""
    note = application.decision_note or ""
    if application.status == Application.Status.REJECTED:
        reason = application.rejection_reason
        note = str(application.get_rejection_reason_display()) + (f"；{note}" if note else "")
    return {
        "QGSQBH": application.national_application_number or "",
        "AAB301": application.region_id,
        "BLJG": DECISION_RESULTS.get(application.status, ""),
        "BYDJYY": reason,
        "BLSM": note[:500],
        "DJBH": registration.number if registration is not None else "",
        "AAE011": (application.decided_by.handler_name if application.decided_by else "") or "",
        "AAE036": _yyyymmdd(timezone.localdate(decided_at)),
    }


def registration_channel(registration: Registration) -> str:
    """DJQD of a local registration: the application's channel, the education department's list, or an
    existing registration imported."""
    if registration.source == Registration.Source.HANDED_OVER:
        return CHANNEL_EDUCATION
    if registration.source == Registration.Source.IMPORTED:
        return CHANNEL_IMPORTED
    channels: dict[str, str] = {
        Application.Channel.COUNTER: CHANNEL_COUNTER,
        Application.Channel.ONLINE: CHANNEL_ONLINE,
        Application.Channel.EDUCATION: CHANNEL_EDUCATION,
    }
    return channels.get(registration.channel, "")


def build_registration_record(registration: Registration) -> dict[str, str]:
    """A registration decided or recorded here, for the national platform (the ministry's statistics)."""
    person = registration.person
    handler = registration.registered_by or registration.recorded_by
    return {
        "AAB301": registration.region_id,
        "DJBH": registration.number,
        "AAC003": person.name,
        "AAC058": person.id_type,
        "AAC044": person.id_number,
        "AAC002": person.social_security_number or "",
        "AAC004": person.sex,
        "DJQD": registration_channel(registration),
        "DJRQ": _yyyymmdd(registration.registered_on),
        "AAE011": (handler.handler_name if handler else "") or "",
        "AAE036": _yyyymmdd(timezone.localdate(registration.created_at)),
    }


def validate_decision_record(
    record: dict, *, today: date, codes: ReferenceCodes | None = None
) -> list[RecordError]:
    """Every rule of a decision record: one ``RecordError`` per broken rule, [] when valid."""
    errors, values, error = check_record(
        record, DECISION_FIELDS, today=today, codes=codes or reference_codes(), date_fields=("AAE036",)
    )
    result = values["BLJG"]
    if result and result not in (RESULT_REGISTERED, RESULT_REJECTED, RESULT_WITHDRAWN):
        error("BLJG", BAD_RESULT, value=result[:5])
    if result == RESULT_REJECTED and not values["BYDJYY"].strip():
        error("BYDJYY", REASON_NEEDED)
    if result == RESULT_REGISTERED and not values["DJBH"].strip():
        error("DJBH", NUMBER_NEEDED)
    return errors


def validate_registration_record(
    record: dict, *, today: date, codes: ReferenceCodes | None = None
) -> list[RecordError]:
    """Every rule of a local registration record: one ``RecordError`` per broken rule, [] when valid."""
    errors, values, error = check_record(
        record,
        REGISTRATION_FIELDS,
        today=today,
        codes=codes or reference_codes(),
        date_fields=("DJRQ", "AAE036"),
        table_fields=("AAC058",),
        sex=_record_sex(record),
    )
    if values["DJQD"] and values["DJQD"] not in CHANNEL_LABELS:
        error("DJQD", BAD_CHANNEL)
    if values["AAC004"] and values["AAC004"] not in ("1", "2"):
        error("AAC004", BAD_SEX)
    return errors


def _record_sex(record: dict) -> str | None:
    """The record's own AAC004, against which its AAC002 is checked (the attachment's rule)."""
    sex = record.get("AAC004")
    return str(sex) if sex is not None else None
