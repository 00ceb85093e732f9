"""Existing registrations (既有失业登记): an office adopting the system brings in the registrations it made before,
with their original dates (Henan 三: upload the registrations made since 3/31 and the people drawing benefits).
Each good row becomes a registration of source ``imported`` (``services.registration_import_existing``): active,
or ended with its exit date and AJC00A reason.

    batch = registrations_import(file=upload, user=request.user, run_now=False)   # checked now, processed by a job

Columns: 身份证号 (or 证件类型 + 证件号码; 性别 and 出生日期 then for a document other than the citizen ID), 姓名,
登记日期, 登记地行政区划代码 (blank: the importing office's region; in the importer's scope), 登记渠道 (窗口/网上/全国平台/
教育部门移交 or blank), 人员类别 (毕业生/失业补助金/一次性生活补助/临时生活补助, separated by commas), 状态 (有效/已注销),
注销日期 and 注销原因代码 (AJC00A; both required for 已注销), 联系电话.

Importing the same file again creates nothing twice: a registration of the same person, region and date is
skipped and listed; so is an active one of a person with an active registration or a pending application, and a
row repeating an earlier row of the file (same document number and date; a bad row when the names differ). The
job machinery (chunks, heartbeat, resuming) is ``batches``'.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from codes.lookup import validate_code
from common.tables import (
    DATE,
    TEXT,
    UNSAVABLE,
    Column,
    ImportFileError,
    Row,
    Table,
    cell_date,
    cell_text,
)
from common.validators import PHONE_MESSAGE, normalize_phone, validate_phone
from offices.models import Region

from ..idnumbers import citizen_id_key
from ..models import CITIZEN_ID, Application, ImportBatch, Registration
from ..services import PersonData, RegistrationSkipped, registration_import_existing
from .batches import ChunkHandler, ImportFlow, ImportOutcome, import_submit, register_flow
from .cells import cell_citizen_id
from .people import (
    REPEATED_ROW_OTHER_NAME,
    REPEATED_ROW_SAME_DATE,
    Regions,
    calendar_missing,
    calendar_stops_the_file,
    first_rows,
    region_cell,
    service_problems,
)

CHUNK_ROWS = 1000  # rows per committed transaction of the job at most

REGISTRATION_COLUMNS = [
    Column(
        "id_number",
        ("身份证号", "证件号码"),
        hint=gettext_lazy("18位公民身份号码（其他证件填证件号码并填写证件类型），请设置为文本格式"),
        number_format=TEXT,
        width=24,
    ),
    Column(
        "id_type",
        ("证件类型",),
        required=False,
        hint=gettext_lazy("AAC058代码，不填为01居民身份证"),
        number_format=TEXT,
    ),
    Column("name", ("姓名",)),
    Column("sex", ("性别",), required=False, hint=gettext_lazy("男/女；居民身份证可不填（由号码得出）")),
    Column(
        "birth_date",
        ("出生日期",),
        required=False,
        hint=gettext_lazy("居民身份证可不填（由号码得出）"),
        number_format=DATE,
    ),
    Column(
        "registered_on",
        ("登记日期",),
        hint=gettext_lazy("原登记日期，如 2020-04-15 或 20200415；不能晚于今天"),
        number_format=DATE,
    ),
    Column(
        "region",
        ("登记地行政区划代码",),
        required=False,
        hint=gettext_lazy("6位代码，须在导入人的管辖区划内；不填则为导入人所在机构的区划"),
        number_format=TEXT,
        width=24,
    ),
    Column(
        "channel",
        ("登记渠道",),
        required=False,
        hint=gettext_lazy("窗口、网上、全国平台、教育部门移交，或不填"),
    ),
    Column(
        "categories",
        ("人员类别",),
        required=False,
        hint=gettext_lazy("毕业生、失业补助金、一次性生活补助、临时生活补助，多个用逗号分隔，可不填"),
        width=24,
    ),
    Column("status", ("状态",), hint=gettext_lazy("有效 或 已注销")),
    Column(
        "ended_on",
        ("注销日期",),
        required=False,
        hint=gettext_lazy("已注销的必填，不能早于登记日期"),
        number_format=DATE,
    ),
    Column(
        "ended_reason",
        ("注销原因代码",),
        required=False,
        hint=gettext_lazy("已注销的必填，AJC00A代码，如 11"),
        number_format=TEXT,
    ),
    Column("phone", ("联系电话",), required=False, number_format=TEXT, width=24),
]

# Service field names (ValidationError keys of registration_import_existing / person_save) → column keys.
SERVICE_COLUMNS = {
    "id_type": "id_type",
    "id_number": "id_number",
    "sex": "sex",
    "birth_date": "birth_date",
    "name": "name",
    "phone": "phone",
    "region": "region",
    "registered_on": "registered_on",
    "channel": "channel",
    "migrant_allowance": "categories",
    "status": "status",
    "ended_on": "ended_on",
    "ended_reason": "ended_reason",
}

CHANNELS = {
    "窗口": Application.Channel.COUNTER,
    "窗口受理": Application.Channel.COUNTER,
    "网上": Application.Channel.ONLINE,
    "网上申请": Application.Channel.ONLINE,
    "全国平台": Application.Channel.NATIONAL,
    "全国平台转办": Application.Channel.NATIONAL,
    "教育部门移交": Application.Channel.EDUCATION,
}
STATUSES = {
    "有效": Registration.Status.ACTIVE,
    "已注销": Registration.Status.ENDED,
    "注销": Registration.Status.ENDED,
}
SEXES = {"男": "1", "女": "2", "1": "1", "2": "2"}
GRADUATE, SUBSIDY = "graduate", "subsidy"
CATEGORIES = {
    "毕业生": GRADUATE,
    "离校未就业高校毕业生": GRADUATE,
    "失业补助金": SUBSIDY,
    "领取失业补助金": SUBSIDY,
    "一次性生活补助": Application.MigrantAllowance.ONE_TIME,
    "领取一次性生活补助": Application.MigrantAllowance.ONE_TIME,
    "临时生活补助": Application.MigrantAllowance.TEMPORARY,
    "领取临时生活补助": Application.MigrantAllowance.TEMPORARY,
}
_SEPARATORS = re.compile(r"[,，、;；/\s]+")


@dataclass
class _RegistrationRow:
    number: int
    person: PersonData
    registered_on: date
    region: Region | None
    channel: str
    is_graduate: bool
    draws_unemployment_subsidy: bool
    migrant_allowance: str
    status: str
    ended_on: date | None
    ended_reason: str

    @property
    def key(self) -> tuple[str, str]:
        return _document_key(self.person.id_type, self.person.id_number)


def _document_key(id_type: str, id_number: str) -> tuple[str, str]:
    """One person, one key: a citizen ID's 18-digit form, another document's number in upper case."""
    if id_type == CITIZEN_ID:
        return id_type, citizen_id_key(id_number)
    return id_type, id_number.strip().upper()


def _document(row: Row) -> tuple[str, str]:
    """(AAC058 type, number as given) of a row; a citizen ID is validated here (GB 11643)."""
    id_type = cell_text(row.raw("id_type")) or CITIZEN_ID
    if id_type.isdigit() and len(id_type) == 1:
        id_type = f"0{id_type}"  # typed as a number, its leading zero lost
    if id_type == CITIZEN_ID:
        return id_type, row.parse("id_number", cell_citizen_id) or ""
    return id_type, row.text("id_number", required=True, max_length=22).upper()


def _row_key(row: Row) -> tuple[str, str] | None:
    """The person's key of a row for finding repeats (None when the number cannot be read)."""
    id_type = cell_text(row.raw("id_type")) or CITIZEN_ID
    if id_type.isdigit() and len(id_type) == 1:
        id_type = f"0{id_type}"
    number = (
        cell_citizen_id(row.raw("id_number")) if id_type == CITIZEN_ID else cell_text(row.raw("id_number"))
    )
    return _document_key(id_type, number) if number else None


def _row_date_key(row: Row) -> tuple | None:
    key = _row_key(row)
    day = cell_date(row.raw("registered_on"))
    return None if key is None or day is None else (*key, day)


def _categories(row: Row) -> tuple[bool, bool, str]:
    """(graduate, subsidy, migrant allowance) from the 人员类别 cell."""
    text = row.text("categories", max_length=100)
    graduate, subsidy, allowances = False, False, set()
    for part in filter(None, _SEPARATORS.split(text)):
        category = CATEGORIES.get(part)
        if category is None:
            row.problem(
                "categories",
                _("人员类别“%(value)s”无法识别，应为毕业生、失业补助金、一次性生活补助或临时生活补助")
                % {"value": part[:20]},
            )
        elif category == GRADUATE:
            graduate = True
        elif category == SUBSIDY:
            subsidy = True
        else:
            allowances.add(category)
    if len(allowances) > 1:
        row.problem("categories", _("一次性生活补助和临时生活补助只能填其一"))
    return graduate, subsidy, next(iter(allowances), "")


def _registration_rows(table: Table, regions: Regions) -> Iterator[Row | _RegistrationRow]:
    """Each row of ``table`` in file order: a _RegistrationRow when it is good, else the Row with its problems."""
    for row in table.each_row():
        id_type, id_number = _document(row)
        name = row.text("name", required=True, max_length=50)
        sex_text = row.text("sex", max_length=10)
        sex = SEXES.get(sex_text, sex_text)
        if sex:
            try:
                validate_code("AAC004", sex)
            except ValidationError:
                row.problem("sex", _("性别应为“男”或“女”"))
        birth_date = row.date("birth_date")
        registered_on = row.date("registered_on", required=True)
        region = region_cell(row, "region", regions)
        channel_text = row.text("channel", max_length=20)
        channel = CHANNELS.get(channel_text, "") if channel_text else ""
        if channel_text and not channel:
            row.problem("channel", _("登记渠道应为窗口、网上、全国平台或教育部门移交"))
        graduate, subsidy, allowance = _categories(row)
        status_text = row.text("status", required=True, max_length=10)
        status = STATUSES.get(status_text, "")
        if status_text and not status:
            row.problem("status", _("状态应为“有效”或“已注销”"))
        ended_on = row.date("ended_on")
        ended_reason = row.text("ended_reason", max_length=10)
        phone = normalize_phone(row.text("phone", max_length=40))
        try:
            validate_phone(phone)
        except ValidationError:
            row.problem("phone", PHONE_MESSAGE)
        if row.problems or registered_on is None:
            yield row
            continue
        person = PersonData(
            id_type=id_type, id_number=id_number, name=name, sex=sex, birth_date=birth_date, phone=phone
        )
        yield _RegistrationRow(
            number=row.number,
            person=person,
            registered_on=registered_on,
            region=region,
            channel=channel,
            is_graduate=graduate,
            draws_unemployment_subsidy=subsidy,
            migrant_allowance=allowance,
            status=status,
            ended_on=ended_on,
            ended_reason=ended_reason,
        )


def registrations_import(*, file, user, run_now: bool = True) -> ImportBatch:
    """Take a file of existing registrations; returns its batch (checked now, processed by the import job unless
    ``run_now``)."""
    return import_submit(file=file, kind=ImportBatch.Kind.REGISTRATIONS, user=user, run_now=run_now)


def _start(batch: ImportBatch) -> ChunkHandler:
    """The chunk handler of one run over a file of existing registrations (``batches.ChunkHandler``).

    A gap of the working-day calendar after today refuses the file (ops load the year first); a registration
    date before the calendar's first year is that row's problem.
    """
    office, user = batch.office, batch.uploaded_by
    regions = Regions()
    by_person: dict | None = None
    by_date: dict | None = None

    def handle(table: Table, start: int, outcome: ImportOutcome, deadline: float) -> int:
        nonlocal by_person, by_date
        if by_person is None or by_date is None:  # the first rows of the whole file, once per run
            by_person, by_date = first_rows(table, _row_key), first_rows(table, _row_date_key)
        checked = list(
            _registration_rows(replace(table, rows=table.rows[start : start + CHUNK_ROWS]), regions)
        )
        consumed = 0
        for item in checked:
            consumed += 1
            if isinstance(item, Row):
                outcome.fail(item.number, item.problems)
            elif (named := by_person.get(item.key)) is not None and named.name != item.person.name.strip():
                message = REPEATED_ROW_OTHER_NAME % {
                    "row": named.number,
                    "first": named.name,
                    "name": item.person.name,
                }
                outcome.fail(item.number, [(table.header("name"), str(message))])
            elif (
                same := by_date.get((*item.key, item.registered_on))
            ) is not None and same.number != item.number:
                outcome.skip(
                    item.number, REPEATED_ROW_SAME_DATE % {"row": same.number}, table.header("id_number")
                )
            else:
                import_row(item, table, outcome)
            if time.monotonic() >= deadline:
                break
        return consumed

    def import_row(item: _RegistrationRow, table: Table, outcome: ImportOutcome) -> None:
        """One good row, in its own savepoint: created, skipped with why, or a bad row."""
        try:
            with transaction.atomic():
                registration_import_existing(
                    person=item.person,
                    region=office.region if item.region is None else item.region,
                    registered_on=item.registered_on,
                    recorded_by=user,
                    import_batch=batch,
                    channel=item.channel,
                    is_graduate=item.is_graduate,
                    draws_unemployment_subsidy=item.draws_unemployment_subsidy,
                    migrant_allowance=item.migrant_allowance,
                    status=item.status,
                    ended_on=item.ended_on,
                    ended_reason=item.ended_reason,
                )
            outcome.created += 1
        except RegistrationSkipped as exc:
            outcome.skip(item.number, exc.messages[0])
        except ValidationError as exc:
            gap = calendar_missing(exc)
            if gap is not None and calendar_stops_the_file(gap):
                raise ImportFileError(exc.messages[0]) from exc
            outcome.fail(item.number, service_problems(exc, lambda key: _header(table, key)))
        except DataError:
            outcome.fail(item.number, [("", str(UNSAVABLE))])

    return handle


def _header(table: Table, field: str) -> str:
    """The file's header for a service field; a field derived from the ID number is the number's column."""
    key = SERVICE_COLUMNS.get(field, "")
    if key and key not in table.columns and key in ("sex", "birth_date", "id_type"):
        key = "id_number"
    return table.header(key) if key in table.columns else ""


register_flow(
    ImportFlow(
        kinds=(ImportBatch.Kind.REGISTRATIONS,), columns=lambda kind: REGISTRATION_COLUMNS, start=_start
    )
)
