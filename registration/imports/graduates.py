"""The education department's list of graduates not employed after leaving school (离校未就业高校毕业生, notice 一
and 三): each good row becomes a pending application (channel 教育部门移交), decided by caseworkers like any other.

    batch = graduates_import(file=upload, user=request.user, run_now=False)   # checked now, processed by a job

The file is checked at once and stored on a queued batch; a Celery job (``registration.process_import_batch``)
turns its rows into applications in committed chunks, so an interrupted job resumes after the last chunk
(``batches.import_batches_resume``). Each row runs in its own savepoint, so a failing row never half-saves and
never undoes another. A graduate who already has a pending application or an active registration is skipped, so
importing the same list again creates nothing twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.history import history_context
from common.queueing import enqueue_on_commit
from common.tables import (
    DATE,
    TEXT,
    UNSAVABLE,
    Column,
    ImportFileError,
    Outcome,
    Row,
    StoredFile,
    Table,
    cell_text,
    chunks,
    read_table,
    sort_errors,
)
from common.transitions import transition
from offices.models import Office, Region
from workdays.calendar import CalendarNotLoaded

from ..idnumbers import citizen_id_key
from ..models import CITIZEN_ID, Application, ImportBatch, Person, Registration
from ..services import DuplicateApplication, PersonData, application_submit
from .batches import office_of
from .cells import cell_citizen_id

CHUNK_ROWS = 1000  # rows per committed transaction of the job (the batch page shows the progress)

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

PHONE_RE = re.compile(r"\+?\d[\d-]{2,19}")


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


def _graduate_rows(table: Table, outcome: Outcome, regions: _Regions) -> Iterator[_GraduateRow]:
    """The valid rows of a graduate list; bad rows go to ``outcome``."""
    today = timezone.localdate()
    for row in table.each_row():
        id_number = row.parse("id_number", cell_citizen_id) or ""
        name = row.text("name", required=True, max_length=50)
        school = row.text("school", max_length=100)
        graduated = row.date("graduation_date")
        if graduated and graduated > today:
            row.problem("graduation_date", _("毕业时间不能晚于今天（须为已离校毕业生）"))
        phone = re.sub(r"[\s()（）]", "", row.text("phone", max_length=40))
        if phone and (len(phone) > 20 or not PHONE_RE.fullmatch(phone)):
            row.problem("phone", _("联系电话格式不正确：只能包含数字和“-”，不超过20位"))
        hukou = _region(row, "hukou_region", regions)
        region = _region(row, "region", regions)
        if row.problems:
            outcome.fail(row.number, row.problems)
        else:
            yield _GraduateRow(row.number, id_number, name, school, graduated, phone, hukou, region)


def _key(row: _GraduateRow) -> str:
    """The person's identity key: a 15-digit number and its 18-digit form are one person."""
    return citizen_id_key(row.id_number)


def graduates_import(*, file, user, run_now: bool = True) -> ImportBatch:
    """Take the education department's graduate list (channel 教育部门移交); returns its batch.

    The file is checked at once (type, size, columns, row count: ImportFileError, nothing created) and stored
    on a queued batch. With ``run_now`` the rows are processed here (commands, tests); otherwise a Celery job
    does it (task ``registration.process_import_batch``, queued after commit) and the batch page follows it.
    """
    office = office_of(user)
    table = read_table(file, GRADUATE_COLUMNS)
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.GRADUATES,
        status=ImportBatch.Status.QUEUED,
        content=table.content,
        file_name=table.file_name,
        sha256=table.sha256,
        office=office,
        uploaded_by=user,
        total_rows=len(table.rows),
    )
    if run_now:
        graduates_process(batch_id=batch.pk)
        batch.refresh_from_db()
        if batch.status == ImportBatch.Status.FAILED:
            raise ImportFileError(batch.failure)
        return batch
    enqueue_on_commit("registration.process_import_batch", batch.pk)
    return batch


def graduates_process(*, batch_id: int) -> bool:
    """Turn a queued graduate batch into applications, one committed chunk of rows at a time.

    Returns False if the batch was not queued (another worker has it, or it is finished). Each good row becomes
    a pending application, due in 3 working days like any other. The registration region is the row's
    登记地行政区划代码, else the importing office's region; the basis is 户籍地 when the person's 户籍地 lies in
    that region, else 常住地. A person with a pending application or an active registration is skipped (a
    15-digit number finds the person of its 18-digit form). A person recorded outside the uploader's scope keeps
    their record: the list's name must be the recorded one, else the row is reported, and nothing recorded
    is changed (``services.person_save``, the uploader is the acting user). Each
    chunk commits with the batch's counters, so an interrupted job resumes after the last chunk and importing a
    list again creates nothing twice. When the working-day calendar does not cover the deadline, the batch fails
    with that message (ops load the new year and upload again).
    """
    Status = ImportBatch.Status
    if not transition(
        ImportBatch, batch_id, from_=Status.QUEUED, to=Status.RUNNING, allowed=ImportBatch.STATUS_MOVES
    ):
        return False
    batch = ImportBatch.objects.select_related("office__region", "uploaded_by").get(pk=batch_id)
    table = read_table(StoredFile(batch.file_name, bytes(batch.content)), GRADUATE_COLUMNS)
    regions = _Regions()
    try:
        for raw in chunks(table.rows[batch.processed_rows :], CHUNK_ROWS):
            _graduate_chunk(batch, replace(table, rows=raw), regions)
    except ImportFileError as exc:
        transition(
            ImportBatch,
            batch.pk,
            from_=Status.RUNNING,
            to=Status.FAILED,
            allowed=ImportBatch.STATUS_MOVES,
            failure=str(exc)[:500],
            content=None,
        )
        return True
    batch.refresh_from_db()
    transition(
        ImportBatch,
        batch.pk,
        from_=Status.RUNNING,
        to=Status.DONE,
        allowed=ImportBatch.STATUS_MOVES,
        errors=sort_errors(batch.errors),
        content=None,  # the rows are in the database now; the file's sha256 stays
    )
    return True


def _graduate_chunk(batch: ImportBatch, table: Table, regions: _Regions) -> None:
    """One chunk of rows in one transaction, together with the batch's counters."""
    office, user = batch.office, batch.uploaded_by
    outcome = Outcome()
    with history_context(actor=user, source=f"import:{ImportBatch.Kind.GRADUATES}"), transaction.atomic():
        chunk = list(_graduate_rows(table, outcome, regions))
        ids = {_key(row) for row in chunk}
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
        for row in chunk:
            if _key(row) in blocked:
                outcome.skipped += 1
                continue
            try:
                with transaction.atomic():
                    application_submit(
                        person=_person_data(row),
                        channel=Application.Channel.EDUCATION,
                        basis=_basis(row, known.get(_key(row)), office),
                        region=row.region or office.region,
                        commitment_accepted=True,
                        received_by=user,
                        is_graduate=True,
                        graduate_school=row.school,
                        graduation_date=row.graduated,
                        import_batch=batch,
                    )
                outcome.created += 1
                blocked.add(_key(row))  # the same person further down the list
            except DuplicateApplication:
                outcome.skipped += 1
            except ValidationError as exc:
                if _calendar_missing(exc):
                    raise ImportFileError(exc.messages[0]) from exc
                outcome.fail(row.number, _service_problems(exc))
            except DataError:
                outcome.fail(row.number, [("", str(UNSAVABLE))])
        current = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        current.processed_rows += len(table.rows)
        current.created_rows += outcome.created
        current.skipped_rows += outcome.skipped
        current.error_rows += outcome.error_rows
        current.errors = [*current.errors, *outcome.errors]
        current.save(
            update_fields=[
                "processed_rows",
                "created_rows",
                "skipped_rows",
                "error_rows",
                "errors",
                "updated_at",
            ]
        )


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
