"""The daily deregistration upload record (attachment table (一), ``data/deregistration-upload-fields.tsv``):
one exit as exactly the eleven fields the ministry collaboration platform takes, and every rule of the table.

    record = build_record(exit)       # {"AAB301": "410802", "AAZ341": "TC…", …, "AAE013": ""}: dates YYYYMMDD
    errors = validate_record(record, today=date.today(), sex=person.sex)
    [(e.field, e.message) for e in errors]   # [("AAC003", "AAC003（姓名）不能含有空格"), …]; [] when valid

``build_record`` reads only what the exit row stored when it was made (deregistration stores the upload fields
once and never recomputes them), so the record sent is the record that was validated, whenever it is sent.

``validate_record`` returns one ``RecordError`` per broken rule (a field may have several): required fields,
lengths, no half- or full-width spaces in AAC003 and AAE011, AAC002 when its first character is not a letter
(15 digits, or 17 digits and the GB 11643 check character, its sex digit matching ``sex``), AAC058 and AJC00A
in their code tables, AAB301 a real GB/T 2260 code (a locally assigned region, ``Region.is_local``, fails),
ADC210 and AAE036 real YYYYMMDD dates not after ``today``. The simulator validates with the same function.

The code sets are read once a minute per process (``reference_codes``): validating 20,000 records costs no
query per record.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from registration.idnumbers import check_character

if TYPE_CHECKING:
    from deregistration.models import Exit

FIELDS_FILE = Path(__file__).resolve().parent / "data" / "deregistration-upload-fields.tsv"


@dataclass(frozen=True)
class FieldSpec:
    """One row of the attachment's table: code, Chinese name, required, type (C text / D date), maximum length
    (None where the table gives none), code table (``coded``) and the rule text."""

    seq: int
    code: str
    name: str
    required: bool
    type: str
    length: int | None
    coded: bool
    rules: str


def _read_fields() -> tuple[FieldSpec, ...]:
    with open(FIELDS_FILE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return tuple(
        FieldSpec(
            seq=int(r["seq"]),
            code=r["code"],
            name=r["name"],
            required=r["required"] == "yes",
            type=r["type"],
            length=int(r["length"]) if r["length"] else None,
            coded=r["coded"] == "Y",
            rules=r["rules"],
        )
        for r in rows
    )


FIELD_SPECS: tuple[FieldSpec, ...] = _read_fields()
FIELDS: tuple[str, ...] = tuple(f.code for f in FIELD_SPECS)  # the attachment's column order
SPEC = {f.code: f for f in FIELD_SPECS}
DATE_FIELDS = ("ADC210", "AAE036")
NO_SPACE_FIELDS = ("AAC003", "AAE011")
CODE_TABLE_FIELDS = ("AAC058", "AJC00A")  # AAB301 is checked against the GB/T 2260 regions
SPACES = (" ", "\u3000")  # half-width and full-width (ideographic) space
MALE, FEMALE = "1", "2"  # AAC004

# ---- messages (each names the field by code and name) ----
REQUIRED = _("%(field)s（%(name)s）不能为空")
TOO_LONG = _("%(field)s（%(name)s）最多 %(limit)d 个字符，当前为 %(length)d 个")
HAS_SPACE = _("%(field)s（%(name)s）不能含有半角或全角空格")
SSN_LENGTH = _("%(field)s（%(name)s）首位不是字母时应为15位或18位，当前为%(length)d位")
SSN_15_DIGITS = _("%(field)s（%(name)s）15位公民身份号码不能含有非数字字符")
SSN_18_DIGITS = _("%(field)s（%(name)s）18位公民身份号码前17位不能含有非数字字符")
SSN_CHECK = _("%(field)s（%(name)s）18位公民身份号码第18位校验码不正确")
SSN_SEX = _("%(field)s（%(name)s）公民身份号码与性别不符（登记的性别为%(sex)s）")
NOT_IN_TABLE = _("%(field)s（%(name)s）代码“%(code)s”不在代码表中")
REGION_NOT_NATIONAL = _(
    "%(field)s（%(name)s）“%(code)s”不是国家标准（GB/T 2260）行政区划代码（本地自定义区划不能上传）"
)
NOT_A_DATE = _("%(field)s（%(name)s）应为格式为YYYYMMDD的有效日期，当前为“%(value)s”")
DATE_AFTER_TODAY = _("%(field)s（%(name)s）不能晚于系统当前日期（%(today)s）")
SEX_LABELS = {MALE: _("男"), FEMALE: _("女")}


@dataclass(frozen=True)
class RecordError:
    """A broken rule: the field code (``AAC002``) and a Chinese message naming it."""

    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _yyyymmdd(value: date | None) -> str:
    return f"{value:%Y%m%d}" if value is not None else ""


def build_record(exit: Exit) -> dict[str, str]:
    """The upload record of ``exit``: exactly the eleven fields keyed by their codes, in the attachment's order,
    every value a string (dates YYYYMMDD, an absent optional remark ""), from the fields the exit stored."""
    return {
        "AAB301": exit.region_code,
        "AAZ341": exit.serial,
        "AAC003": exit.name,
        "AAC002": exit.social_security_number,
        "AAC058": exit.id_type,
        "AAC044": exit.id_number,
        "ADC210": _yyyymmdd(exit.deregistered_on),
        "AJC00A": exit.reason,
        "AAE011": exit.handler_name,
        "AAE036": _yyyymmdd(exit.effective_on),
        "AAE013": exit.remark or "",
    }


# ---- the code sets, read once a minute per process ----
REFERENCE_TTL_SECONDS = 60


@dataclass(frozen=True)
class ReferenceCodes:
    """The active codes of AAC058 and AJC00A and the real (not locally assigned) GB/T 2260 region codes."""

    tables: dict[str, frozenset[str]]
    regions: frozenset[str]


_reference: tuple[float, ReferenceCodes] | None = None


def reference_codes(*, fresh: bool = False) -> ReferenceCodes:
    """The code sets ``validate_record`` checks against (cached for a minute; ``fresh`` reads them now)."""
    global _reference
    if fresh or _reference is None or time.monotonic() - _reference[0] > REFERENCE_TTL_SECONDS:
        from codes.models import CodeItem
        from offices.models import Region

        tables: dict[str, set[str]] = {t: set() for t in CODE_TABLE_FIELDS}
        for table, code in CodeItem.objects.filter(table_id__in=CODE_TABLE_FIELDS, active=True).values_list(
            "table_id", "code"
        ):
            tables[table].add(code)
        regions = frozenset(Region.objects.filter(is_local=False).values_list("code", flat=True))
        _reference = (
            time.monotonic(),
            ReferenceCodes(tables={t: frozenset(c) for t, c in tables.items()}, regions=regions),
        )
    return _reference[1]


def _parse_date(value: str) -> date | None:
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _is_ascii_digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


# (code) -> (name, maximum length or None, required): the fields of one kind of record, for ``check_record``.
FieldNames = Mapping[str, tuple[Any, int | None, bool]]
ErrorAdder = Callable[..., None]


def check_record(
    record: dict,
    fields: FieldNames,
    *,
    today: date,
    codes: ReferenceCodes,
    date_fields: tuple[str, ...],
    table_fields: tuple[str, ...] = (),
    sex: str | None = None,
) -> tuple[list[RecordError], dict[str, str], ErrorAdder]:
    """The rules every record of the protocol shares, on the ``fields`` it has: required, maximum lengths, no
    half- or full-width spaces in AAC003 / AAE011, AAC002 (the attachment's rules, matching ``sex`` when it is
    "1" / "2"), codes in their tables (``table_fields``), AAB301 a national GB/T 2260 code, ``date_fields`` real
    YYYYMMDD dates not after ``today``. Returns the errors, the record's values as text and the function adding
    one more error (for the rules of one kind of record)."""
    errors: list[RecordError] = []

    def error(field: str, message, **params) -> None:
        errors.append(RecordError(field, str(message % {"field": field, "name": fields[field][0], **params})))

    values = {code: ("" if record.get(code) is None else str(record.get(code))) for code in fields}
    for code, (_name, limit, required) in fields.items():
        value = values[code]
        if not value.strip():
            if required:
                error(code, REQUIRED)
            continue
        if limit is not None and len(value) > limit:
            error(code, TOO_LONG, limit=limit, length=len(value))

    for code in NO_SPACE_FIELDS:
        if code in values and any(space in values[code] for space in SPACES):
            error(code, HAS_SPACE)

    ssn = values.get("AAC002", "")
    if ssn and not (ssn[0].isascii() and ssn[0].isalpha()):
        if len(ssn) not in (15, 18):
            error("AAC002", SSN_LENGTH, length=len(ssn))
        elif len(ssn) == 15 and not _is_ascii_digits(ssn):
            error("AAC002", SSN_15_DIGITS)
        elif len(ssn) == 18 and not _is_ascii_digits(ssn[:17]):
            error("AAC002", SSN_18_DIGITS)
        else:
            if len(ssn) == 18 and check_character(ssn[:17]) != ssn[17]:
                error("AAC002", SSN_CHECK)
            sex_digit = int(ssn[14] if len(ssn) == 15 else ssn[16])
            if sex in (MALE, FEMALE) and (MALE if sex_digit % 2 else FEMALE) != sex:
                error("AAC002", SSN_SEX, sex=SEX_LABELS[sex])

    for code in table_fields:
        value = values[code]
        if value and value not in codes.tables.get(code, frozenset()):
            error(code, NOT_IN_TABLE, code=value)
    region = values.get("AAB301", "")
    if region and region not in codes.regions:
        error("AAB301", REGION_NOT_NATIONAL, code=region)

    for code in date_fields:
        value = values[code]
        if not value:
            continue
        parsed = _parse_date(value)
        if parsed is None:
            error(code, NOT_A_DATE, value=value[:20])
        elif parsed > today:
            error(code, DATE_AFTER_TODAY, today=f"{today:%Y%m%d}")
    return errors, values, error


EXIT_FIELDS: FieldNames = {f.code: (f.name, f.length, f.required) for f in FIELD_SPECS}


def validate_record(
    record: dict[str, str], *, today: date, sex: str | None, codes: ReferenceCodes | None = None
) -> list[RecordError]:
    """Every rule of the attachment's table on ``record``: one ``RecordError`` per broken rule, [] when valid.

    ``sex`` is the person's recorded sex (AAC004 "1" / "2"; another value such as "0" or "9" is not known, and
    the sex match is then not checked). ``today`` is the system's current date (Asia/Shanghai). ``codes``
    defaults to ``reference_codes()``.
    """
    errors, _values, _error = check_record(
        record,
        EXIT_FIELDS,
        today=today,
        codes=codes or reference_codes(),
        date_fields=DATE_FIELDS,
        table_fields=CODE_TABLE_FIELDS,
        sex=sex,
    )
    return errors


def errors_as_data(errors: list[RecordError]) -> list[dict[str, str]]:
    """The errors as JSON-ready dicts (stored on the upload record, answered by the simulator)."""
    return [e.as_dict() for e in errors]
