"""Ops imports of stage 1: comparison records (信息比对 source, notice 二) and the education department's list of
graduates not employed after leaving school (离校未就业高校毕业生, notice 一 and 三).

    batch = comparison_import(file=upload, kind=ImportBatch.Kind.SOCIAL_INSURANCE, user=request.user)
    batch = graduates_import(file=upload, user=request.user)

A file is an ``.xlsx`` workbook (first sheet) or a CSV (UTF-8 with or without BOM, else GB18030) whose first
row holds the Chinese column headers. Bad *files* (wrong type, missing columns, empty, over 10 MB or 50,000
rows) raise ``ImportFileError`` and nothing is created. Bad *rows* are reported on the batch
(``ImportBatch.errors``: row number as in the spreadsheet, column header, message) while the good rows are
kept: a graduate row runs in its own savepoint, and comparison records go in by chunk inside a savepoint
with a row-by-row retry (one savepoint each) should the chunk fail, so a failing row never half-saves and
never undoes another. The whole import is one transaction with the batch: a file refused midway (the
working-day calendar not loaded) leaves nothing behind.

Importing the same file again creates nothing twice: comparison records are unique per source, ID number,
organisation and start date (a newer file may close an open period: its end date is taken); a graduate who
already has a pending application or an active registration is counted as skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from common.history import history_context
from common.queueing import enqueue_on_commit
from offices.models import Office, Region
from workdays.calendar import CalendarNotLoaded

from .idnumbers import normalize_citizen_id, validate_citizen_id
from .models import CITIZEN_ID, Application, ComparisonRecord, ImportBatch, Person, Registration
from .services import DuplicateApplication, PersonData, application_submit

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
COMPARISON_KINDS = (ImportBatch.Kind.SOCIAL_INSURANCE, ImportBatch.Kind.BUSINESS)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (the message, in Chinese, says why). Nothing was created."""


# ---- columns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import format: ``headers`` are the accepted header texts, the first one canonical."""

    key: str
    headers: tuple[str, ...]
    required: bool = True  # the header must be present (a value may still be optional)
    hint: str = ""  # shown on the instructions sheet of the template

    @property
    def header(self) -> str:
        return self.headers[0]


def comparison_columns(kind: str) -> list[Column]:
    organisation = ("单位名称", "市场主体名称") if kind == ImportBatch.Kind.BUSINESS else ("单位名称",)
    return [
        Column(
            "id_number", ("身份证号", "证件号码"), hint=gettext_lazy("18位公民身份号码，请设置为文本格式")
        ),
        Column("name", ("姓名",)),
        Column("organisation", organisation, hint=gettext_lazy("参保单位或市场主体名称")),
        Column("start_date", ("开始日期",), hint=gettext_lazy("如 2024-03-01 或 20240301")),
        Column("end_date", ("结束日期",), hint=gettext_lazy("仍在参保或经营的留空")),
    ]


GRADUATE_COLUMNS = [
    Column("id_number", ("身份证号",), hint=gettext_lazy("18位公民身份号码，请设置为文本格式")),
    Column("name", ("姓名",)),
    Column("school", ("毕业院校",)),
    Column("graduation_date", ("毕业时间",), hint=gettext_lazy("如 2025-06-30 或 20250630")),
    Column("phone", ("联系电话",)),
    Column("hukou_region", ("户籍地行政区划代码",), required=False, hint=gettext_lazy("6位代码，可不填")),
    Column(
        "region",
        ("登记地行政区划代码",),
        required=False,
        hint=gettext_lazy("6位代码，不填则为导入人所在机构的区划"),
    ),
]


def columns_for(kind: str) -> list[Column]:
    if kind == ImportBatch.Kind.GRADUATES:
        return GRADUATE_COLUMNS
    if kind in COMPARISON_KINDS:
        return comparison_columns(kind)
    raise ValueError(f"unknown import kind {kind!r}")


# ---- reading a file -------------------------------------------------------------------------------


@dataclass
class Table:
    """A parsed file: the column index of each key, the data rows (spreadsheet row number, cells), digest."""

    file_name: str
    sha256: str
    columns: dict[str, tuple[int, str]]  # key → (index, header as written in the file)
    rows: list[tuple[int, tuple]]
    content: bytes = b""  # the file itself (kept on a graduate batch until its job has run)

    def value(self, cells: tuple, key: str):
        if key not in self.columns:
            return None
        index = self.columns[key][0]
        return cells[index] if index < len(cells) else None

    def header(self, key: str) -> str:
        return self.columns[key][1]


def _normalise_header(value) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"[\s\u3000]+", "", text)
    return text.strip("*＊")


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _file_bytes(file) -> bytes:
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        return b"".join(file.chunks())
    return file.read()


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密")) from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # do not trust the size the file claims; read what is there
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        header = tuple(header)
        while header and _is_blank(header[-1]):
            header = header[:-1]
        yield header
        # Only the header's columns are read, whatever else the sheet holds.
        yield from sheet.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密")) from exc
    finally:
        workbook.close()


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("无法识别 CSV 文件的编码，请以 UTF-8 或 GB18030（GBK）编码保存"))


def _csv_rows(data: bytes) -> Iterator[tuple]:
    text = _decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield tuple(row)
    except csv.Error as exc:
        raise ImportFileError(
            _("CSV 文件格式错误（第%(row)d行）：%(error)s") % {"row": reader.line_num, "error": exc}
        ) from exc


def read_table(file, columns: list[Column], max_rows: int | None = None) -> Table:
    """Parse an uploaded xlsx or CSV file into a Table; raises ImportFileError for a file that cannot be used."""
    file_name = PurePath(getattr(file, "name", "") or "").name
    size = getattr(file, "size", None)
    if size is not None and size > MAX_FILE_BYTES:
        raise ImportFileError(_("文件超过10 MB，请拆分后分批导入"))
    data = _file_bytes(file)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_("文件超过10 MB，请拆分后分批导入"))
    if not data.strip():
        raise ImportFileError(_("文件为空"))
    suffix = PurePath(file_name).suffix.lower()
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix == ".xlsx" or (suffix == "" and is_zip):
        if not is_zip:
            raise ImportFileError(_("该文件不是有效的 Excel（.xlsx）文件"))
        rows: Iterable[tuple] = _xlsx_rows(data)
    elif suffix == ".csv":
        if is_zip:
            raise ImportFileError(_("该文件不是 CSV 文本文件，Excel 文件请保存为 .xlsx 扩展名"))
        rows = _csv_rows(data)
    elif suffix in (".xls", ".et", ".wps"):
        raise ImportFileError(_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入"))
    else:
        raise ImportFileError(_("只能导入 Excel（.xlsx）或 CSV 文件"))

    iterator = iter(rows)
    header = next(iterator, None)
    if header is None or all(_is_blank(v) for v in header):
        raise ImportFileError(_("文件为空或第1行没有列名"))
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        name = _normalise_header(value)
        if name:
            positions.setdefault(name, index)
    found: dict[str, tuple[int, str]] = {}
    missing: list[str] = []
    for column in columns:
        hit = next((h for h in column.headers if h in positions), None)
        if hit is not None:
            found[column.key] = (positions[hit], hit)
        elif column.required:
            missing.append("/".join(column.headers))
    if missing:
        raise ImportFileError(
            _("缺少必需的列：%(columns)s（第1行应为列名，请使用导入模板）") % {"columns": "、".join(missing)}
        )

    max_rows = max_rows or MAX_ROWS
    data_rows: list[tuple[int, tuple]] = []
    for number, cells in enumerate(iterator, start=2):
        if all(_is_blank(v) for v in cells):
            continue
        if len(data_rows) >= max_rows:
            raise ImportFileError(_("文件超过%(max)s行数据，请拆分后分批导入") % {"max": f"{max_rows:,}"})
        data_rows.append((number, tuple(cells)))
    if not data_rows:
        raise ImportFileError(_("文件中没有数据行（第1行为列名，数据从第2行开始）"))
    return Table(
        file_name=file_name[:200] or "upload",
        sha256=hashlib.sha256(data).hexdigest(),
        columns=found,
        rows=data_rows,
        content=data,
    )


# ---- cell values ------------------------------------------------------------------------------------


class CellError(ValueError):
    """A cell's value is unusable; the message is shown to ops."""


def cell_text(value) -> str:
    """A cell as trimmed text; whole numbers without ".0" (Excel stores typed digits as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").replace("\x00", "").strip()  # PostgreSQL text holds no NUL


def cell_date(value) -> date | None:
    """A real spreadsheet date, or text YYYY-MM-DD (also / or .) or YYYYMMDD; None when blank."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if match:
        try:
            return date(*(int(part) for part in match.groups()))
        except ValueError:
            raise CellError(_("“%(value)s”不是有效日期") % {"value": text}) from None
    raise CellError(_("日期格式应为 YYYY-MM-DD 或 YYYYMMDD，当前为“%(value)s”") % {"value": text[:40]})


def cell_citizen_id(value) -> str:
    """A citizen ID number, validated (GB 11643); raises CellError with the reason."""
    if isinstance(value, float) and value >= 1e15:
        # Excel keeps 15 significant digits: an 18-digit number typed as a number has lost its end.
        raise CellError(_("身份证号单元格为数字格式，末几位已丢失；请将该列设置为文本格式后重新填写"))
    text = normalize_citizen_id(cell_text(value).lstrip("'"))
    if not text:
        raise CellError(_("请填写身份证号"))
    try:
        validate_citizen_id(text)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None
    return text


# ---- row errors -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """Counts and errors of one import while it runs."""

    created: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    error_rows: int = 0

    def fail(self, row: int, problems: list[tuple[str, str]]) -> None:
        self.error_rows += 1
        for column, message in problems:
            self.errors.append({"row": row, "field": column, "message": str(message)})


def _new_batch(*, kind: str, table: Table, user, office: Office) -> ImportBatch:
    return ImportBatch.objects.create(
        kind=kind, file_name=table.file_name, sha256=table.sha256, office=office, uploaded_by=user
    )


def _finish_batch(batch: ImportBatch, table: Table, outcome: Outcome) -> ImportBatch:
    batch.total_rows = len(table.rows)
    batch.created_rows = outcome.created
    batch.skipped_rows = outcome.skipped
    batch.error_rows = outcome.error_rows
    batch.errors = sorted(outcome.errors, key=lambda e: e["row"])  # stable: a row's errors keep their order
    batch.save(
        update_fields=["total_rows", "created_rows", "skipped_rows", "error_rows", "errors", "updated_at"]
    )
    return batch


def _office_of(user) -> Office:
    office = getattr(user, "office", None)
    if office is None or not office.is_active:
        raise ImportFileError(_("您的账号未分配经办机构，不能导入数据"))
    return office


def _text(table: Table, cells: tuple, key: str, problems: list, *, required: bool, max_length: int) -> str:
    text = cell_text(table.value(cells, key))
    if key not in table.columns:
        return ""
    if required and not text:
        problems.append((table.header(key), _("请填写%(column)s") % {"column": table.header(key)}))
    elif len(text) > max_length:
        problems.append((table.header(key), _("不能超过%(n)d个字") % {"n": max_length}))
    return text


def _date(table: Table, cells: tuple, key: str, problems: list, *, required: bool) -> date | None:
    if key not in table.columns:
        return None
    try:
        value = cell_date(table.value(cells, key))
    except CellError as exc:
        problems.append((table.header(key), str(exc)))
        return None
    if value is None and required:
        problems.append((table.header(key), _("请填写%(column)s") % {"column": table.header(key)}))
    return value


def _citizen_id(table: Table, cells: tuple, problems: list) -> str:
    try:
        return cell_citizen_id(table.value(cells, "id_number"))
    except CellError as exc:
        problems.append((table.header("id_number"), str(exc)))
        return ""


# ---- comparison records -------------------------------------------------------------------------------


def _comparison_rows(table: Table, outcome: Outcome) -> Iterator[tuple[int, dict]]:
    """The valid rows of a comparison file as (row number, field values); bad rows go to ``outcome``."""
    for number, cells in table.rows:
        problems: list[tuple[str, str]] = []
        values = {
            "id_number": _citizen_id(table, cells, problems),
            "name": _text(table, cells, "name", problems, required=True, max_length=50),
            "organisation": _text(table, cells, "organisation", problems, required=True, max_length=200),
            "start_date": _date(table, cells, "start_date", problems, required=True),
            "end_date": _date(table, cells, "end_date", problems, required=False),
        }
        if values["start_date"] and values["end_date"] and values["end_date"] < values["start_date"]:
            problems.append((table.header("end_date"), _("结束日期不能早于开始日期")))
        if problems:
            outcome.fail(number, problems)
        else:
            yield number, values


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


CHUNK_ROWS = 1000
UNSAVABLE = gettext_lazy("数据无法保存，请检查各列内容")


def comparison_import(*, file, kind: str, user) -> ImportBatch:
    """Import social-insurance or business-registration records for 信息比对; returns the batch.

    Raises ImportFileError (nothing created) for a file that cannot be used. A record already held (same
    source, ID number, organisation, start date) is skipped, or takes the file's end date if that changed
    (a contribution period that has since ended): such updates are counted with the created rows.

    Rows are checked in Python first; the new records of each chunk of 1,000 rows are then inserted in one
    statement inside a savepoint, and should that fail, row by row, each in its own savepoint, so that a row
    the database refuses never takes the good rows with it.
    """
    if kind not in COMPARISON_KINDS:
        raise ValueError(f"not a comparison import kind: {kind!r}")
    office = _office_of(user)
    table = read_table(file, comparison_columns(kind))
    source = (
        ComparisonRecord.Source.SOCIAL_INSURANCE
        if kind == ImportBatch.Kind.SOCIAL_INSURANCE
        else ComparisonRecord.Source.BUSINESS
    )
    outcome = Outcome()
    with history_context(actor=user, source=f"import:{kind}"), transaction.atomic():
        batch = _new_batch(kind=kind, table=table, user=user, office=office)
        pending: dict[tuple, ComparisonRecord] = {}  # key → record of this file, not yet inserted

        def flush() -> None:
            records = list(pending.values())
            pending.clear()
            if not records:
                return
            try:
                with transaction.atomic():
                    ComparisonRecord.objects.bulk_create(records)
                outcome.created += len(records)
                return
            except (IntegrityError, DataError):
                pass  # find the row at fault: one savepoint per row
            for record in records:
                record.pk = None
                try:
                    with transaction.atomic():
                        record.save(force_insert=True)
                    outcome.created += 1
                except IntegrityError:  # imported concurrently by someone else meanwhile
                    outcome.skipped += 1
                except DataError:
                    outcome.fail(record._import_row, [("", str(UNSAVABLE))])

        for chunk in _chunks(_comparison_rows(table, outcome), CHUNK_ROWS):
            held = {
                (r.id_number, r.organisation, r.start_date): r
                for r in ComparisonRecord.objects.filter(
                    source=source, id_number__in={values["id_number"] for _n, values in chunk}
                )
            }
            for number, values in chunk:
                key = (values["id_number"], values["organisation"], values["start_date"])
                record = pending.get(key) or held.get(key)
                if record is None:
                    record = ComparisonRecord(source=source, batch=batch, **values)
                    record._import_row = number
                    pending[key] = record
                elif record.end_date == values["end_date"]:
                    outcome.skipped += 1
                elif record.pk is None:  # the file says it twice, the later row wins
                    record.end_date, record.name = values["end_date"], values["name"]
                    outcome.created += 1
                else:  # a newer end date for a record already held
                    record.end_date, record.name, record.batch = values["end_date"], values["name"], batch
                    try:
                        with transaction.atomic():
                            record.save(update_fields=["end_date", "name", "batch"])
                        outcome.created += 1
                    except DataError:
                        outcome.fail(number, [("", str(UNSAVABLE))])
            flush()
        return _finish_batch(batch, table, outcome)


# ---- graduates ---------------------------------------------------------------------------------------

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


def _region(table: Table, cells: tuple, key: str, regions: _Regions, problems: list) -> Region | None:
    code = cell_text(table.value(cells, key))
    if not code:
        return None
    region = regions.get(code)
    if region is None:
        problems.append(
            (
                table.header(key),
                _("行政区划代码“%(code)s”不存在，请填写6位行政区划代码") % {"code": code[:20]},
            )
        )
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
    id_number: str
    name: str
    school: str
    graduated: date | None
    phone: str
    hukou: Region | None
    region: Region | None


def _graduate_rows(table: Table, outcome: Outcome, regions: _Regions) -> Iterator[_GraduateRow]:
    """The valid rows of a graduate list; bad rows go to ``outcome``."""
    today = timezone.localdate()
    for number, cells in table.rows:
        problems: list[tuple[str, str]] = []
        id_number = _citizen_id(table, cells, problems)
        name = _text(table, cells, "name", problems, required=True, max_length=50)
        school = _text(table, cells, "school", problems, required=False, max_length=100)
        graduated = _date(table, cells, "graduation_date", problems, required=False)
        if graduated and graduated > today:
            problems.append((table.header("graduation_date"), _("毕业时间不能晚于今天（须为已离校毕业生）")))
        phone = re.sub(
            r"[\s()（）]", "", _text(table, cells, "phone", problems, required=False, max_length=40)
        )
        if phone and (len(phone) > 20 or not PHONE_RE.fullmatch(phone)):
            problems.append((table.header("phone"), _("联系电话格式不正确：只能包含数字和“-”，不超过20位")))
        hukou = _region(table, cells, "hukou_region", regions, problems)
        region = _region(table, cells, "region", regions, problems)
        if problems:
            outcome.fail(number, problems)
        else:
            yield _GraduateRow(number, id_number, name, school, graduated, phone, hukou, region)


def graduates_import(*, file, user, run_now: bool = True) -> ImportBatch:
    """Take the education department's graduate list (channel 教育部门移交); returns its batch.

    The file is checked at once (type, size, columns, row count: ImportFileError, nothing created) and stored
    on a queued batch. With ``run_now`` the rows are processed here (commands, tests); otherwise a Celery job
    does it (task ``registration.process_import_batch``, queued after commit) and the batch page follows it.
    """
    office = _office_of(user)
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
    that region, else 常住地. A person with a pending application or an active registration is skipped. Each
    chunk commits with the batch's counters, so an interrupted job resumes after the last chunk and importing a
    list again creates nothing twice. When the working-day calendar does not cover the deadline, the batch fails
    with that message (ops load the new year and upload again).
    """
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.QUEUED).update(
        status=ImportBatch.Status.RUNNING, updated_at=timezone.now()
    )
    if claimed != 1:
        return False
    batch = ImportBatch.objects.select_related("office__region", "uploaded_by").get(pk=batch_id)
    table = read_table(_StoredFile(batch.file_name, bytes(batch.content)), GRADUATE_COLUMNS)
    regions = _Regions()
    try:
        for raw in _chunks(table.rows[batch.processed_rows :], CHUNK_ROWS):
            _graduate_chunk(batch, replace(table, rows=raw), regions)
    except ImportFileError as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.FAILED, failure=str(exc)[:500], content=None, updated_at=timezone.now()
        )
        return True
    batch.refresh_from_db()
    batch.errors = sorted(batch.errors, key=lambda e: e["row"])  # stable: a row's errors keep their order
    batch.status = ImportBatch.Status.DONE
    batch.content = None  # the rows are in the database now; the file's sha256 stays
    batch.save(update_fields=["errors", "status", "content", "updated_at"])
    return True


def _graduate_chunk(batch: ImportBatch, table: Table, regions: _Regions) -> None:
    """One chunk of rows in one transaction, together with the batch's counters."""
    office, user = batch.office, batch.uploaded_by
    outcome = Outcome()
    with history_context(actor=user, source=f"import:{ImportBatch.Kind.GRADUATES}"), transaction.atomic():
        chunk = list(_graduate_rows(table, outcome, regions))
        ids = {row.id_number for row in chunk}
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
            if row.id_number in blocked:
                outcome.skipped += 1
                continue
            try:
                with transaction.atomic():
                    application_submit(
                        person=_person_data(row),
                        channel=Application.Channel.EDUCATION,
                        basis=_basis(row, known.get(row.id_number), office),
                        region=row.region or office.region,
                        commitment_accepted=True,
                        received_by=user,
                        is_graduate=True,
                        graduate_school=row.school,
                        graduation_date=row.graduated,
                        import_batch=batch,
                    )
                outcome.created += 1
                blocked.add(row.id_number)  # the same person further down the list
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


class _StoredFile(io.BytesIO):
    """A stored upload read back like an uploaded file (``name`` and ``size`` for read_table)."""

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name = name
        self.size = len(data)


def import_batches_resume(*, stale_after: timedelta = timedelta(minutes=30)) -> int:
    """Queue again what a lost message or a dead worker left behind; returns how many batches were queued.

    A batch still RUNNING after ``stale_after`` without progress is put back to QUEUED: it resumes after its
    last committed chunk. Run every few minutes by beat (registration.tasks.resume_import_batches).
    """
    now = timezone.now()
    ImportBatch.objects.filter(status=ImportBatch.Status.RUNNING, updated_at__lt=now - stale_after).update(
        status=ImportBatch.Status.QUEUED, updated_at=now
    )
    ids = list(
        ImportBatch.objects.filter(
            status=ImportBatch.Status.QUEUED, created_at__lt=now - timedelta(minutes=2)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        enqueue_on_commit("registration.process_import_batch", pk)
    return len(ids)


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


# ---- templates -----------------------------------------------------------------------------------------

TEMPLATE_TITLES = {
    ImportBatch.Kind.SOCIAL_INSURANCE: gettext_lazy("社会保险参保缴费记录导入模板"),
    ImportBatch.Kind.BUSINESS: gettext_lazy("市场主体登记记录导入模板"),
    ImportBatch.Kind.GRADUATES: gettext_lazy("离校未就业高校毕业生名单导入模板"),
}
TEXT_KEYS = {"id_number", "phone", "hukou_region", "region"}
DATE_KEYS = {"start_date", "end_date", "graduation_date"}


def template_workbook(kind: str) -> bytes:
    """An empty xlsx with the headers of ``kind`` (ID and code columns as text) and an instructions sheet."""
    columns = columns_for(kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("数据")
    sheet.append([column.header for column in columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = (
            24 if column.key in TEXT_KEYS | {"organisation", "school"} else 16
        )
        if column.key in TEXT_KEYS:
            sheet.column_dimensions[letter].number_format = "@"
        elif column.key in DATE_KEYS:
            sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
    notes = workbook.create_sheet(_("填写说明"))
    notes.append([str(TEMPLATE_TITLES[kind])])
    notes.append(
        [
            _(
                "在“数据”工作表第1行列名下逐行填写，从第2行开始；不要修改列名。也可另存为 CSV（UTF-8 或 GBK 编码）。"
            )
        ]
    )
    notes.append(
        [
            _(
                "单个文件不超过10 MB、50,000行。出错的行会按行号列出，其余行正常导入；同一文件重复导入不会重复新增。"
            )
        ]
    )
    notes.append([])
    notes.append([_("列名"), _("是否必有此列"), _("说明")])
    for column in columns:
        also = (
            "；" + _("也可用列名：%(names)s") % {"names": "、".join(column.headers[1:])}
            if column.headers[1:]
            else ""
        )
        notes.append([column.header, _("是") if column.required else _("否"), f"{column.hint}{also}"])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 14
    notes.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
