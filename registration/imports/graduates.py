"""The education department's list of graduates not employed after leaving school (离校未就业高校毕业生, notice 一
and 三): each good row becomes a pending application (channel 教育部门移交), decided by caseworkers like any other.

    batch = graduates_import(file=upload, user=request.user, run_now=False)   # checked now, processed by a job

The file is checked cheaply and stored on a queued batch; the Celery job of every import (``batches``) reads it and
hands its rows here chunk by chunk, each chunk committed, so an interrupted job resumes after the last chunk. Each
row runs in its own savepoint, so a failing row never half-saves and never undoes another. A graduate who already
has a pending application or an active registration is skipped, so importing the same list again creates nothing
twice.
"""

from __future__ import annotations

import re
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
    Outcome,
    Row,
    Table,
    cell_text,
)
from common.validators import PHONE_MESSAGE, normalize_phone, validate_phone
from offices.models import Office, Region
from workdays.calendar import CalendarNotLoaded

from ..idnumbers import citizen_id_key
from ..models import CITIZEN_ID, Application, ImportBatch, Person, Registration
from ..services import DuplicateApplication, PersonData, application_submit
from .batches import ChunkHandler, ImportFlow, import_submit, register_flow
from .cells import cell_citizen_id

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
]

# Service field names (ValidationError keys of application_submit / person_save) → column headers.
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
}


class _Regions:
    """Region lookups by code, cached for the file."""

    def __init__(self):
        self._cache: dict[str, Region | None] = {}

    def get(self, code: str) -> Region | None:
        if code not in self._cache:
            self._cache[code] = (
                Region.objects.filter(code=code).first() if re.fullmatch(r"\d{6}", code) else None
            )
        return self._cache[code]


def _region(row: Row, key: str, regions: _Regions) -> Region | None:
    code = cell_text(row.raw(key))
    if not code:
        return None
    region = regions.get(code)
    if region is None:
        row.problem(key, _("行政区划代码“%(code)s”不存在，请填写6位行政区划代码") % {"code": code[:20]})
    return region


def _calendar_missing(exc: ValidationError) -> bool:
    """The service could not set the deadline: every row would fail alike, so the file is refused."""
    return isinstance(exc.__cause__, CalendarNotLoaded) or getattr(exc, "code", None) == "calendar"


def _service_problems(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [
            (SERVICE_FIELDS.get(key, ""), message)
            for key, messages in exc.message_dict.items()
            for message in messages
        ]
    return [("", message) for message in exc.messages]


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


def _graduate_rows(table: Table, regions: _Regions) -> Iterator[Row | _GraduateRow]:
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
        hukou = _region(row, "hukou_region", regions)
        region = _region(row, "region", regions)
        if row.problems:
            yield row
        else:
            yield _GraduateRow(row.number, id_number, name, school, graduated, phone, hukou, region)


def _key(row: _GraduateRow) -> str:
    """The person's identity key: a 15-digit number and its 18-digit form are one person."""
    return citizen_id_key(row.id_number)


def graduates_import(*, file, user, run_now: bool = True) -> ImportBatch:
    """Take the education department's graduate list (channel 教育部门移交); returns its batch.

    The file is checked cheaply (type, size, columns: ImportFileError, nothing created) and stored on a queued
    batch. With ``run_now`` the rows are processed here (commands, tests); otherwise a Celery job does it (task
    ``registration.process_import_batch``, queued after commit) and the batch page follows it.
    """
    return import_submit(file=file, kind=ImportBatch.Kind.GRADUATES, user=user, run_now=run_now)


def _start(batch: ImportBatch) -> ChunkHandler:
    """The chunk handler of one run over a graduate list (``batches.ChunkHandler``).

    Each good row becomes a pending application, due in 3 working days like any other. The registration region
    is the row's 登记地行政区划代码, else the importing office's region; the basis is 户籍地 when the person's
    户籍地 lies in that region, else 常住地. A person with a pending application or an active registration is
    skipped, so importing a list again creates nothing twice. When the working-day calendar does not cover the
    deadline, the file is refused (ImportFileError: ops load the new year and upload again).
    """
    office, user = batch.office, batch.uploaded_by
    regions = _Regions()

    def handle(table: Table, start: int, outcome: Outcome, deadline: float) -> int:
        checked = list(_graduate_rows(replace(table, rows=table.rows[start : start + CHUNK_ROWS]), regions))
        ids = {_key(item) for item in checked if isinstance(item, _GraduateRow)}
        known = {
            p.id_number: p
            for p in Person.objects.filter(id_type=CITIZEN_ID, id_number__in=ids).select_related(
                "hukou_region", "residence_region"
            )
        }
        blocked = set(
            Application.objects.filter(
                person__in=known.values(), status=Application.Status.PENDING
            ).values_list("person__id_number", flat=True)
        ) | set(
            Registration.objects.filter(
                person__in=known.values(), status=Registration.Status.ACTIVE
            ).values_list("person__id_number", flat=True)
        )
        consumed = 0
        for item in checked:
            consumed += 1
            if isinstance(item, Row):
                outcome.fail(item.number, item.problems)
            elif _key(item) in blocked:
                outcome.skipped += 1
            else:
                try:
                    with transaction.atomic():
                        application_submit(
                            person=_person_data(item),
                            channel=Application.Channel.EDUCATION,
                            basis=_basis(item, known.get(_key(item)), office),
                            region=item.region or office.region,
                            commitment_accepted=True,
                            received_by=user,
                            is_graduate=True,
                            graduate_school=item.school,
                            graduation_date=item.graduated,
                            import_batch=batch,
                        )
                    outcome.created += 1
                    blocked.add(_key(item))  # the same person further down the list
                except DuplicateApplication:
                    outcome.skipped += 1
                except ValidationError as exc:
                    if _calendar_missing(exc):
                        raise ImportFileError(exc.messages[0]) from exc
                    outcome.fail(item.number, _service_problems(exc))
                except DataError:
                    outcome.fail(item.number, [("", str(UNSAVABLE))])
            if time.monotonic() >= deadline:
                break
        return consumed

    return handle


def _basis(row: _GraduateRow, known: Person | None, office: Office) -> str:
    hukou = row.hukou or (known.hukou_region if known else None)
    region = row.region or office.region
    return (
        Application.Basis.HUKOU
        if hukou is not None and hukou.is_within(region)
        else Application.Basis.RESIDENCE
    )


def _person_data(row: _GraduateRow) -> PersonData:
    """The person as the list gives them; what it leaves blank keeps what is on file (services.person_save)."""
    return PersonData(
        id_type=CITIZEN_ID, id_number=row.id_number, name=row.name, phone=row.phone, hukou_region=row.hukou
    )


register_flow(
    ImportFlow(kinds=(ImportBatch.Kind.GRADUATES,), columns=lambda kind: GRADUATE_COLUMNS, start=_start)
)
