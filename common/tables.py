"""Reading uploaded tables: an ``.xlsx`` workbook (first sheet) or a CSV (UTF-8 with or without BOM, else GB18030)
whose first row holds the column headers. Any stage that takes a list from ops uses it; the flow that turns the
rows into records stays in the stage.

    COLUMNS = [Column("name", ("姓名",)), Column("start_date", ("开始日期", "起始日期"), number_format=DATE)]
    table = read_table(upload, COLUMNS)          # ImportFileError: the file as a whole cannot be used
    outcome = Outcome()
    for row in table.each_row():
        name = row.text("name", required=True, max_length=50)
        start = row.date("start_date", required=True)
        if row.problems:
            outcome.fail(row.number, row.problems)  # row number as in the spreadsheet, column header, message
        else:
            ...
    for chunk in chunks(good_rows, 1000): ...

Bad *files* (wrong type, missing columns, empty, over 10 MB or 50,000 rows) raise ``ImportFileError``; bad *rows*
are collected with their row number, column and reason, so the good rows can still be kept.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000

# Cell formats of a column in the template workbook (common/xlsx.py template_workbook).
TEXT = "@"  # ID numbers, codes, phone numbers: Excel must keep them as typed
DATE = "yyyy-mm-dd"

UNSAVABLE = gettext_lazy("数据无法保存，请检查各列内容")

T = TypeVar("T")


class ImportFileError(Exception):
    """The file as a whole cannot be imported (the message, in Chinese, says why). Nothing was created."""


class CellError(ValueError):
    """A cell's value is unusable; the message is shown to ops."""


# ---- columns --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import format: ``headers`` are the accepted header texts, the first one canonical.

    ``number_format`` (TEXT, DATE or empty) and ``width`` shape the column in the template workbook.
    """

    key: str
    headers: tuple[str, ...]
    required: bool = True  # the header must be present (a value may still be optional)
    hint: StrOrPromise = ""  # shown on the instructions sheet of the template
    number_format: str = ""
    width: int = 16

    @property
    def header(self) -> str:
        return self.headers[0]


# ---- the table --------------------------------------------------------------------------------------


@dataclass
class Table:
    """A parsed file: the column index of each key, the data rows (spreadsheet row number, cells), digest."""

    file_name: str
    sha256: str
    columns: dict[str, tuple[int, str]]  # key → (index, header as written in the file)
    rows: list[tuple[int, tuple]]
    content: bytes = b""  # the file itself (for a flow that stores it until a job has run)

    def value(self, cells: tuple, key: str):
        if key not in self.columns:
            return None
        index = self.columns[key][0]
        return cells[index] if index < len(cells) else None

    def header(self, key: str) -> str:
        return self.columns[key][1]

    def each_row(self) -> Iterator[Row]:
        for number, cells in self.rows:
            yield Row(self, number, cells)


@dataclass
class Row:
    """One data row being read: its number in the spreadsheet, its cells and the problems found so far
    (column header as in the file, message)."""

    table: Table
    number: int
    cells: tuple
    problems: list[tuple[str, str]] = field(default_factory=list)

    def raw(self, key: str):
        return self.table.value(self.cells, key)

    def problem(self, key: str, message) -> None:
        """Record a problem with the column ``key`` (empty: the row as a whole)."""
        self.problems.append((self.table.header(key) if key else "", str(message)))

    def text(self, key: str, *, required: bool = False, max_length: int) -> str:
        """The cell as trimmed text ("" when the file lacks the optional column)."""
        text = cell_text(self.raw(key))
        if key not in self.table.columns:
            return ""
        if required and not text:
            self.problem(key, _("请填写%(column)s") % {"column": self.table.header(key)})
        elif len(text) > max_length:
            self.problem(key, _("不能超过%(n)d个字") % {"n": max_length})
        return text

    def date(self, key: str, *, required: bool = False) -> date | None:
        if key not in self.table.columns:
            return None
        try:
            value = cell_date(self.raw(key))
        except CellError as exc:
            self.problem(key, exc)
            return None
        if value is None and required:
            self.problem(key, _("请填写%(column)s") % {"column": self.table.header(key)})
        return value

    def parse(self, key: str, parser: Callable[[Any], T]) -> T | None:
        """``parser(cell value)``; a CellError it raises becomes a problem of the column and None is returned."""
        try:
            return parser(self.raw(key))
        except CellError as exc:
            self.problem(key, exc)
            return None


# ---- reading a file -------------------------------------------------------------------------------


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
    """Parse an uploaded xlsx or CSV file into a Table; raises ImportFileError for a file that cannot be used.

    ``file`` is an upload (or anything with ``name``, ``size`` and ``read``/``chunks``, such as a StoredFile).
    Blank rows are left out; row numbers stay those of the spreadsheet (the header is row 1).
    """
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


class StoredFile(io.BytesIO):
    """A stored upload read back like an uploaded file (``name`` and ``size`` for read_table).

    table = read_table(StoredFile(batch.file_name, bytes(batch.content)), COLUMNS)
    """

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name = name
        self.size = len(data)


# ---- cell values ------------------------------------------------------------------------------------


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


# ---- processing -------------------------------------------------------------------------------------


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter): one query or one transaction per chunk."""
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class Outcome:
    """Counts and errors of one import while it runs; ``errors`` are dicts (row, field, message), the shape an
    import batch stores and its page lists."""

    created: int = 0
    skipped: int = 0
    errors: list[dict] = field(default_factory=list)
    error_rows: int = 0

    def fail(self, row: int, problems: list[tuple[str, str]]) -> None:
        self.error_rows += 1
        for column, message in problems:
            self.errors.append({"row": row, "field": column, "message": str(message)})

    def sorted_errors(self) -> list[dict]:
        return sort_errors(self.errors)


def sort_errors(errors: list[dict]) -> list[dict]:
    """By row number; stable, so a row's errors keep their order."""
    return sorted(errors, key=lambda e: e["row"])
