"""The education department's list of graduates not employed after leaving school (离校未就业高校毕业生, notice 一
and Henan 三): each good row is recorded as what it is, a registration handed over by the education department on
its 移交日期 (default: the day the file was uploaded), in the graduate category, with no application and no
commitment (``services.registration_hand_over``). First contact is due within 5 working days of the hand-over.

    batch = graduates_import(file=upload, user=request.user, run_now=False)   # checked now, processed by a job

The file is checked cheaply and stored on a queued batch; the Celery job of every import (``batches``) reads it and
hands its rows here chunk by chunk, each chunk committed, so an interrupted job resumes after the last chunk. Each
row runs in its own savepoint, so a failing row never half-saves and never undoes another. A graduate who already
has an active registration or a pending application is skipped and listed with why (the pending application is
decided as usual); a row repeating an earlier one of the file is listed too (``people``). So importing the same
list again creates nothing twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.tables import (
    DATE,
    TEXT,
    UNSAVABLE,
    Column,
    ImportFileError,
    Row,
    Table,
)
from common.validators import PHONE_MESSAGE, normalize_phone, validate_phone
from offices.models import Region

from ..idnumbers import citizen_id_key
from ..models import CITIZEN_ID, ImportBatch
from ..services import PersonData, RegistrationSkipped, registration_hand_over
from .batches import ChunkHandler, ImportFlow, ImportOutcome, import_submit, register_flow
from .cells import cell_citizen_id, cell_citizen_id_key
from .people import (
    REPEATED_ROW,
    REPEATED_ROW_OTHER_NAME,
    FirstRow,
    Regions,
    calendar_missing,
    calendar_stops_the_file,
    first_rows,
    region_cell,
    service_problems,
)

CHUNK_ROWS = 1000  # rows per committed transaction of the job at most (the batch page shows the progress)

GRADUATE_COLUMNS = [
    Column(
        "id_number",
        ("身份证号",),
        hint=gettext_lazy("18位公民身份号码，请设置为文本格式"),
        number_format=TEXT,
        width=24,
    ),
    Column("name", ("姓名",)),
    Column("school", ("毕业院校",), width=24),
    Column(
        "graduation_date", ("毕业时间",), hint=gettext_lazy("如 2025-06-30 或 20250630"), number_format=DATE
    ),
    Column("phone", ("联系电话",), number_format=TEXT, width=24),
    Column(
        "hukou_region",
        ("户籍地行政区划代码",),
        required=False,
        hint=gettext_lazy("6位代码，可不填"),
        number_format=TEXT,
        width=24,
    ),
    Column(
        "region",
        ("登记地行政区划代码",),
        required=False,
        hint=gettext_lazy("6位代码，不填则为导入人所在机构的区划"),
        number_format=TEXT,
        width=24,
    ),
    Column(
        "handed_over_on",
        ("移交日期",),
        required=False,
        hint=gettext_lazy("教育部门移交名单的日期，不填则为上传文件当日；首次联系时限自该日起算5个工作日"),
        number_format=DATE,
    ),
]

# Service field names (ValidationError keys of registration_hand_over / person_save) → column headers.
SERVICE_FIELDS = {
    "id_type": "身份证号",
    "id_number": "身份证号",
    "sex": "身份证号",  # derived from the ID number
    "birth_date": "身份证号",  # derived from the ID number
    "name": "姓名",
    "phone": "联系电话",
    "graduate_school": "毕业院校",
    "graduation_date": "毕业时间",
    "hukou_region": "户籍地行政区划代码",
    "region": "登记地行政区划代码",
    "handed_over_on": "移交日期",
}


@dataclass
class _GraduateRow:
    number: int
    id_number: str  # as the list gives it (15 or 18 digits)
    name: str
    school: str
    graduated: date | None
    phone: str
    hukou: Region | None
    region: Region | None
    handed_over_on: date | None


def _graduate_rows(table: Table, regions: Regions) -> Iterator[Row | _GraduateRow]:
    """Each row of ``table`` in file order: a _GraduateRow when it is good, else the Row with its problems."""
    today = timezone.localdate()
    for row in table.each_row():
        id_number = row.parse("id_number", cell_citizen_id) or ""
        name = row.text("name", required=True, max_length=50)
        school = row.text("school", max_length=100)
        graduated = row.date("graduation_date")
        if graduated and graduated > today:
            row.problem("graduation_date", _("毕业时间不能晚于今天（须为已离校毕业生）"))
        phone = normalize_phone(row.text("phone", max_length=40))
        try:
            validate_phone(phone)
        except ValidationError:
            row.problem("phone", PHONE_MESSAGE)
        hukou = region_cell(row, "hukou_region", regions)
        region = region_cell(row, "region", regions)
        handed_over_on = row.date("handed_over_on")
        if handed_over_on and handed_over_on > today:
            row.problem("handed_over_on", _("移交日期不能晚于今天"))
        if row.problems:
            yield row
        else:
            yield _GraduateRow(
                row.number, id_number, name, school, graduated, phone, hukou, region, handed_over_on
            )


def _key(row: _GraduateRow) -> str:
    """The person's identity key: a 15-digit number and its 18-digit form are one person."""
    return citizen_id_key(row.id_number)


def graduates_import(*, file, user, run_now: bool = True) -> ImportBatch:
    """Take the education department's graduate list; returns its batch.

    The file is checked cheaply (type, size, columns: ImportFileError, nothing created) and stored on a queued
    batch. With ``run_now`` the rows are processed here (commands, tests); otherwise a Celery job does it (task
    ``registration.process_import_batch``, queued after commit) and the batch page follows it.
    """
    return import_submit(file=file, kind=ImportBatch.Kind.GRADUATES, user=user, run_now=run_now)


def _start(batch: ImportBatch) -> ChunkHandler:
    """The chunk handler of one run over a graduate list (``batches.ChunkHandler``).

    Each good row is a registration handed over by the education department (``registration_hand_over``) on the
    row's 移交日期, else on the day the file was uploaded; its region is the row's 登记地行政区划代码, else the
    importing office's region. Skipped, and listed with why: a person with an active registration or a pending
    application, a row repeating an earlier row of the file (a bad row when the names differ). When the
    working-day calendar does not reach a deadline after today, the file is refused (ImportFileError: ops load
    the new year and upload again).
    """
    office, user = batch.office, batch.uploaded_by
    upload_day = timezone.localdate(batch.created_at)
    regions = Regions()
    first: dict | None = None

    def handle(table: Table, start: int, outcome: ImportOutcome, deadline: float) -> int:
        nonlocal first
        if first is None:  # the first row of each person in the whole file, once per run
            first = first_rows(table, lambda row: cell_citizen_id_key(row.raw("id_number")))
        checked = list(_graduate_rows(replace(table, rows=table.rows[start : start + CHUNK_ROWS]), regions))
        consumed = 0
        for item in checked:
            consumed += 1
            if isinstance(item, Row):
                outcome.fail(item.number, item.problems)
            elif (earlier := first.get(_key(item))) is not None and earlier.number != item.number:
                _report_repeat(outcome, item, earlier)
            else:
                hand_over(item, outcome)
            if time.monotonic() >= deadline:
                break
        return consumed

    def hand_over(item: _GraduateRow, outcome: ImportOutcome) -> None:
        """One good row, in its own savepoint: created, skipped with why, or a bad row."""
        try:
            with transaction.atomic():
                registration_hand_over(
                    person=_person_data(item),
                    region=office.region if item.region is None else item.region,
                    handed_over_on=item.handed_over_on or upload_day,
                    recorded_by=user,
                    import_batch=batch,
                    graduate_school=item.school,
                    graduation_date=item.graduated,
                )
            outcome.created += 1
        except RegistrationSkipped as exc:
            outcome.skip(item.number, exc.messages[0])
        except ValidationError as exc:
            gap = calendar_missing(exc)
            if gap is not None and calendar_stops_the_file(gap):
                raise ImportFileError(exc.messages[0]) from exc
            outcome.fail(item.number, service_problems(exc, lambda key: SERVICE_FIELDS.get(key, "")))
        except DataError:
            outcome.fail(item.number, [("", str(UNSAVABLE))])

    return handle


def _report_repeat(outcome: ImportOutcome, item: _GraduateRow, earlier: FirstRow) -> None:
    """A later row of a person the file already named: listed as skipped, or as a bad row if the names differ."""
    if earlier.name != item.name:
        message = REPEATED_ROW_OTHER_NAME % {"row": earlier.number, "first": earlier.name, "name": item.name}
        outcome.fail(item.number, [("姓名", str(message))])
    else:
        outcome.skip(item.number, REPEATED_ROW % {"row": earlier.number}, "身份证号")


def _person_data(row: _GraduateRow) -> PersonData:
    """The person as the list gives them; what it leaves blank keeps what is on file (services.person_save)."""
    return PersonData(
        id_type=CITIZEN_ID, id_number=row.id_number, name=row.name, phone=row.phone, hukou_region=row.hukou
    )


register_flow(
    ImportFlow(kinds=(ImportBatch.Kind.GRADUATES,), columns=lambda kind: GRADUATE_COLUMNS, start=_start)
)
