"""Reading uploaded tables: an ``.xlsx`` workbook (first sheet) or a CSV (UTF-8 with or without BOM, else GB18030)
whose first row holds the column headers. Any stage that takes a list from ops uses it; the flow that turns the
rows into records stays in the stage.

    COLUMNS = [Column("name", ("姓名",)), Column("start_date", ("开始日期", "起始日期"), number_format=DATE)]
    head = check_table(upload, COLUMNS)          # cheap, in the web request: ImportFileError if unusable
    ...                                          # store head.content; a Celery job then does:
    table = read_table(StoredFile(name, content), COLUMNS)   # the whole file, ImportFileError if unusable
    outcome = Outcome()
    for row in table.each_row():
        name = row.text("name", required=True, max_length=50)
        start = row.date("start_date", required=True)
        if row.problems:
            outcome.fail(row.number, row.problems)  # row number as in the spreadsheet, column header, message
        else:
            ...
    for chunk in chunks(good_rows, 1000): ...

Bad *files* raise ``ImportFileError`` and nothing is imported; bad *rows* are collected with their row number,
column and reason, so the good rows can still be kept. Nothing is lost silently: a CSV whose quote never closes is
refused as a whole (it would swallow the rest of the file into one cell), and a record whose quoted cell runs over
several lines of the file is a bad row naming those lines.

**Limits.** Uploaded files come from other departments' systems and from anyone with the ops role; they are
checked before they are parsed, so that a small file cannot cost minutes of CPU or gigabytes of memory:

- ``MAX_FILE_BYTES`` (10 MB): the upload itself.
- ``MAX_XLSX_UNCOMPRESSED_BYTES`` (100 MB), ``MAX_XLSX_MEMBERS`` (1,000) and ``MAX_XLSX_COMPRESSION_RATIO``
  (100, for members over 1 MB): read from the zip's directory before anything is inflated. Python's zipfile never
  inflates a member beyond the size its directory declares, so the declared sizes are a real bound. A sheet of
  3 million empty rows (432 KB zipped) or a 150 MB cell (157 KB zipped) compresses 200–1,000 fold; real lists
  compress 5–20 fold.
- ``MAX_SHEET_ROWS`` (100,000 rows read, header and blank rows included): the sheet's declared range
  (``<dimension ref="A1:G3000000"/>``) is checked first, and reading stops with an error when the limit is
  reached, so a sheet that claims little but holds (or skips to) row 3,000,000 costs at most that many rows.
- ``MAX_ROWS`` (50,000 data rows, blank rows not counted).
- ``MAX_COLUMNS`` (100 header columns): only the header's columns of each row are read.
- ``MAX_CELL_CHARS`` (2,000 characters in one cell): a longer data cell is a bad row naming its column (its
  text is not used); a longer header cell refuses the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, TypeVar, cast
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.xml.constants import SHARED_STRINGS
from openpyxl.xml.functions import iterparse

from .validators import INVISIBLE_CHARACTER_MESSAGE, invisible_character

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_SHEET_ROWS = 100_000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 2_000
MAX_XLSX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_XLSX_MEMBERS = 1_000
MAX_XLSX_COMPRESSION_RATIO = 100
XLSX_RATIO_CHECKED_FROM_BYTES = (
    1024 * 1024
)  # small members (styles, themes) may compress better; they are small

# Cell formats of a column in the template workbook (common/xlsx.py template_workbook).
TEXT = "@"  # ID numbers, codes, phone numbers: Excel must keep them as typed
DATE = "yyyy-mm-dd"

UNSAVABLE = gettext_lazy("数据无法保存，请检查各列内容")
UNREADABLE_XLSX = gettext_lazy("无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密")
XLSX_TOO_BIG = gettext_lazy(
    "该 Excel 文件解压后过大或压缩比异常（可能含有大量空行、空列或超长内容），不能导入。"
    "请删除数据以外的行、列后另存为新文件再导入"
)
TOO_MANY_SHEET_ROWS = gettext_lazy("文件超过%(max)s行（含空行），请删除数据下方的空行，或拆分后分批导入")
TOO_MANY_COLUMNS = gettext_lazy("第1行（列名）超过%(max)s列，请删除多余的列")
HEADER_CELL_TOO_LONG = gettext_lazy("第1行（列名）第%(column)d列超过%(max)s个字符，请使用导入模板的列名")
CELL_TOO_LONG = gettext_lazy("单元格内容超过%(max)s个字符")
CSV_UNCLOSED_QUOTE = gettext_lazy(
    "CSV 文件第%(row)d行的引号未闭合：从这一行起到文件末尾都被读成了一个单元格。请检查该行的引号是否成对"
)
CSV_QUOTE_SPANS_LINES = gettext_lazy(
    "该行的引号从文件第%(first)d行延续到第%(last)d行，其间各行被并入了同一个单元格，未导入。请检查引号是否成对"
)
CSV_MALFORMED = gettext_lazy("CSV 文件格式错误（第%(row)d行）：%(error)s")

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
class TableFile:
    """An upload checked by ``check_table``: usable type and size, the required columns, at least one data
    row. Its rows are read later (``read_table`` on ``content``)."""

    file_name: str
    sha256: str
    columns: dict[str, tuple[int, str]]  # key → (index, header as written in the file)
    content: bytes


@dataclass
class Table:
    """A parsed file: the column index of each key, the data rows (spreadsheet row number, cells), digest."""

    file_name: str
    sha256: str
    columns: dict[str, tuple[int, str]]  # key → (index, header as written in the file)
    rows: list[tuple[int, tuple]]
    content: bytes = b""  # the file itself (for a flow that stores it until a job has run)
    # Problems of a whole row found while reading the file (a CSV quote running over several lines).
    row_problems: dict[int, str] = field(default_factory=dict)

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
    (column header as in the file, message).

    A cell over ``MAX_CELL_CHARS`` is a problem of its column from the start and reads as blank, with no further
    problem reported for that column; a row the file itself spoiled (``Table.row_problems``) has that one
    problem and no other.
    """

    table: Table
    number: int
    cells: tuple
    problems: list[tuple[str, str]] = field(default_factory=list)
    _refused: set[str] = field(default_factory=set, repr=False)
    _spoiled: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        spoiled = self.table.row_problems.get(self.number)
        if spoiled:
            self.problems.append(("", spoiled))
            self._spoiled = True
            return
        for key, (index, header) in self.table.columns.items():
            value = self.cells[index] if index < len(self.cells) else None
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                self.problems.append((header, str(CELL_TOO_LONG % {"max": f"{MAX_CELL_CHARS:,}"})))
                self._refused.add(key)

    def raw(self, key: str):
        if self._spoiled or key in self._refused:
            return None
        return self.table.value(self.cells, key)

    def problem(self, key: str, message) -> None:
        """Record a problem with the column ``key`` (empty: the row as a whole)."""
        if self._spoiled or key in self._refused:
            return
        self.problems.append((self.table.header(key) if key else "", str(message)))

    def text(self, key: str, *, required: bool = False, max_length: int) -> str:
        """The cell as trimmed text ("" when the file lacks the optional column). Text with a control or
        invisible formatting character (zero-width, bidirectional: ``common.validators``) is a problem."""
        text = cell_text(self.raw(key))
        if key not in self.table.columns:
            return ""
        if required and not text:
            self.problem(key, _("请填写%(column)s") % {"column": self.table.header(key)})
        elif len(text) > max_length:
            self.problem(key, _("不能超过%(n)d个字") % {"n": max_length})
        else:
            found = invisible_character(text)
            if found is not None:
                self.problem(key, INVISIBLE_CHARACTER_MESSAGE % {"position": found[0], "code": found[1]})
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

# One row of a file as read: its cells and, when the file itself spoiled the row, why.
_RawRow = tuple[tuple, str | None]


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


def _check_xlsx_archive(data: bytes) -> None:
    """Refuse a zip bomb from the zip's directory alone, before anything is inflated (see the limits above)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportFileError(str(UNREADABLE_XLSX)) from exc
    if len(members) > MAX_XLSX_MEMBERS:
        raise ImportFileError(str(XLSX_TOO_BIG))
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > XLSX_RATIO_CHECKED_FROM_BYTES and (
            member.file_size > MAX_XLSX_COMPRESSION_RATIO * max(member.compress_size, 1)
        ):
            raise ImportFileError(str(XLSX_TOO_BIG))
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise ImportFileError(str(XLSX_TOO_BIG))


# What a damaged or hostile workbook makes openpyxl, zipfile or the XML parser raise.
_XLSX_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    OSError,
    EOFError,
)

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_HEAD_BYTES = 64 * 1024  # <dimension> comes right after <sheetPr>, long before <sheetData>
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref=\"([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)\"")
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData\b")


class _SharedStrings(Sequence[str]):
    """A workbook's shared strings, parsed only as far as the cells read so far need them (the header row at
    upload needs the first few), with the text openpyxl gives them (plain text and rich-text runs, no phonetic
    guides)."""

    def __init__(self, archive: zipfile.ZipFile, path: str):
        self._source = archive.open(path)
        self._events: Iterator | None = iter(iterparse(self._source))
        self._strings: list[str] = []

    def _more(self, index: int) -> None:
        while self._events is not None and index >= len(self._strings):
            try:
                _event, node = next(self._events)
            except StopIteration:
                self.close()
                return
            if node.tag == f"{_MAIN}si":
                parts = []
                for child in node:
                    if child.tag == f"{_MAIN}t":
                        parts.append(child.text or "")
                    elif child.tag == f"{_MAIN}r":
                        run = child.find(f"{_MAIN}t")
                        parts.append(run.text or "" if run is not None else "")
                self._strings.append("".join(parts).replace("x005F_", ""))
                node.clear()

    def __getitem__(self, index):
        if not isinstance(index, int) or index < 0:
            raise IndexError(index)
        self._more(index)
        return self._strings[index]

    def __len__(self) -> int:
        self._more(2**62)
        return len(self._strings)

    def close(self) -> None:
        self._events = None
        self._source.close()


class _HeadSizedSheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, but its declared range is looked for only in the head of the sheet's XML:
    openpyxl scans a sheet without a <dimension> to its end when the workbook is opened (seconds for a large
    sheet, before a single row is read)."""

    _min_column: int
    _min_row: int
    _max_column: int | None
    _max_row: int | None

    def _get_size(self) -> None:
        with self._get_source() as source:  # type: ignore[attr-defined]  # openpyxl's own, not in its stubs
            head = source.read(_SHEET_HEAD_BYTES)
        data = _SHEET_DATA.search(head)
        match = _DIMENSION.search(head, 0, data.start() if data else len(head))
        if match:
            ref = match.group(1).decode("ascii")
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            self._min_column, self._min_row = min_col or 1, min_row or 1
            self._max_column, self._max_row = max_col, max_row


class _FirstSheetReader(ExcelReader):
    """openpyxl's workbook reader (read-only, values only) that opens the first worksheet and nothing else, with
    lazy shared strings and the cell styles (which tell dates from numbers) only when ``styles`` is set."""

    def __init__(self, data: bytes, *, styles: bool):
        super().__init__(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        self.styles = styles
        self.sheet: _HeadSizedSheet | None = None
        self.lazy_strings: _SharedStrings | None = None

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            self.lazy_strings = _SharedStrings(self.archive, part.PartName[1:])
            # openpyxl only ever indexes the table, which the lazy one allows
            self.shared_strings = cast(list[str], self.lazy_strings)

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                self.sheet = _HeadSizedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
                self.wb._sheets.append(self.sheet)  # type: ignore[attr-defined]  # as openpyxl's own reader does
                return

    def first_sheet(self) -> _HeadSizedSheet | None:
        self.read_manifest()
        self.read_strings()
        self.read_workbook()
        if self.styles:
            apply_stylesheet(self.archive, self.wb)
        self.read_worksheets()
        return self.sheet

    def close(self) -> None:
        if self.lazy_strings is not None:
            self.lazy_strings.close()
        self.archive.close()


def _too_many_sheet_rows() -> ImportFileError:
    return ImportFileError(str(TOO_MANY_SHEET_ROWS % {"max": f"{MAX_SHEET_ROWS:,}"}))


def _xlsx_rows(data: bytes, *, styles: bool = True) -> Iterator[_RawRow]:
    """The header row (trailing blank cells cut), then each further row, up to the header's width. Without
    ``styles`` dates read as numbers (enough to check the header)."""
    _check_xlsx_archive(data)
    try:
        reader = _FirstSheetReader(data, styles=styles)
    except _XLSX_ERRORS as exc:
        raise ImportFileError(str(UNREADABLE_XLSX)) from exc
    try:
        sheet = reader.first_sheet()
        if sheet is None:
            return
        # The range the sheet declares (<dimension ref="A1:G3000000"/>): a sheet that says it is too long is.
        if (sheet.max_row or 0) > MAX_SHEET_ROWS:
            raise _too_many_sheet_rows()
        sheet.reset_dimensions()  # do not trust a short range either: read what is there (up to the limit)
        rows: Any = sheet  # openpyxl's stubs give iter_rows the type of a writable Worksheet's
        header = next(rows.iter_rows(min_row=1, max_row=1, values_only=True), None)
        if header is None:
            return
        header = tuple(header)
        while header and _is_blank(header[-1]):
            header = header[:-1]
        if len(header) > MAX_COLUMNS:
            raise ImportFileError(str(TOO_MANY_COLUMNS % {"max": MAX_COLUMNS}))
        yield header, None
        # Only the header's columns are read, whatever else the sheet holds.
        for cells in rows.iter_rows(min_row=2, max_col=max(len(header), 1), values_only=True):
            yield cells, None
    except _XLSX_ERRORS as exc:
        raise ImportFileError(str(UNREADABLE_XLSX)) from exc
    finally:
        reader.close()


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("无法识别 CSV 文件的编码，请以 UTF-8 或 GB18030（GBK）编码保存"))


_CSV_ERRORS = {  # a part of the csv module's message → what ops read
    "expected after '\"'": gettext_lazy("引号后应紧跟分隔符或换行（单元格中的引号应写成两个引号）"),
    "line contains NUL": gettext_lazy("含有空字符（NUL）"),
    "field larger than field limit": CELL_TOO_LONG,
}


def _csv_error(exc: csv.Error) -> str:
    text = str(exc)
    for part, message in _CSV_ERRORS.items():
        if part in text:
            return str(message % {"max": f"{MAX_CELL_CHARS:,}"} if message is CELL_TOO_LONG else message)
    return text


def _csv_rows(data: bytes) -> Iterator[_RawRow]:
    """Each record of the CSV, read strictly: a quote that never closes refuses the file (naming its row), a
    record whose quoted cell spans several lines of the file is a bad row (naming the lines)."""
    text = _decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    record = 0
    while True:
        first_line_of_record = reader.line_num + 1
        record += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if str(exc).startswith("unexpected end of data"):
                raise ImportFileError(str(CSV_UNCLOSED_QUOTE % {"row": record})) from exc
            raise ImportFileError(str(CSV_MALFORMED % {"row": record, "error": _csv_error(exc)})) from exc
        problem = None
        if reader.line_num > first_line_of_record:  # a quoted cell held line breaks
            problem = str(CSV_QUOTE_SPANS_LINES % {"first": first_line_of_record, "last": reader.line_num})
        yield tuple(cells), problem


@dataclass
class _Opened:
    file_name: str
    sha256: str
    content: bytes
    columns: dict[str, tuple[int, str]]
    width: int
    rows: Iterator[_RawRow]  # after the header


def _open(file, columns: list[Column], *, cheap: bool = False) -> _Opened:
    """Size, type, the archive and the header row of ``file``; ImportFileError for a file that cannot be used.
    ``cheap``: for the web request (an xlsx's cell styles are not read: its dates read as numbers)."""
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
        rows: Iterable[_RawRow] = _xlsx_rows(data, styles=not cheap)
    elif suffix == ".csv":
        if is_zip:
            raise ImportFileError(_("该文件不是 CSV 文本文件，Excel 文件请保存为 .xlsx 扩展名"))
        rows = _csv_rows(data)
    elif suffix in (".xls", ".et", ".wps"):
        raise ImportFileError(_("不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入"))
    else:
        raise ImportFileError(_("只能导入 Excel（.xlsx）或 CSV 文件"))

    iterator = iter(rows)
    first = next(iterator, None)
    header = first[0] if first is not None else None
    if header is None or all(_is_blank(v) for v in header):
        raise ImportFileError(_("文件为空或第1行没有列名"))
    while header and _is_blank(header[-1]):
        header = header[:-1]
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(str(TOO_MANY_COLUMNS % {"max": MAX_COLUMNS}))
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise ImportFileError(
                str(HEADER_CELL_TOO_LONG % {"column": index + 1, "max": f"{MAX_CELL_CHARS:,}"})
            )
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
    return _Opened(
        file_name=file_name[:200] or "upload",
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        columns=found,
        width=len(header),
        rows=iterator,
    )


def _data_rows(
    opened: _Opened, heartbeat: Callable[[], object] | None = None
) -> Iterator[tuple[int, tuple, str | None]]:
    """The non-blank rows after the header as (spreadsheet row number, cells cut to the header's width,
    problem); stops with ImportFileError at ``MAX_SHEET_ROWS`` rows read, blank ones included. ``heartbeat()``
    is called every 1,000 rows read."""
    for number, (cells, problem) in enumerate(opened.rows, start=2):
        if number > MAX_SHEET_ROWS:
            raise _too_many_sheet_rows()
        if heartbeat is not None and number % 1000 == 0:
            heartbeat()
        cells = tuple(cells[: opened.width])
        if problem is None and all(_is_blank(v) for v in cells):
            continue
        yield number, cells, problem


NO_DATA_ROWS = gettext_lazy("文件中没有数据行（第1行为列名，数据从第2行开始）")


def check_table(file, columns: list[Column]) -> TableFile:
    """The cheap checks of an upload, for the web request: size, type, the archive's declared sizes and the
    sheet's declared range, the header row with the required columns, and a first data row. The rows are left
    for ``read_table`` (in a job); ImportFileError for a file that cannot be used."""
    opened = _open(file, columns, cheap=True)
    try:
        if next(_data_rows(opened), None) is None:
            raise ImportFileError(str(NO_DATA_ROWS))
    finally:
        close = getattr(opened.rows, "close", None)
        if close is not None:
            close()  # the rest of the file is left unread
    return TableFile(
        file_name=opened.file_name, sha256=opened.sha256, columns=opened.columns, content=opened.content
    )


def read_table(
    file, columns: list[Column], max_rows: int | None = None, *, heartbeat: Callable[[], object] | None = None
) -> Table:
    """Parse an uploaded xlsx or CSV file into a Table; raises ImportFileError for a file that cannot be used.

    ``file`` is an upload (or anything with ``name``, ``size`` and ``read``/``chunks``, such as a StoredFile).
    Blank rows are left out; row numbers stay those of the spreadsheet (the header is row 1). The limits of the
    module docstring apply. ``heartbeat()`` is called every 1,000 rows read (a job shows it is alive).
    """
    opened = _open(file, columns)
    max_rows = max_rows or MAX_ROWS
    data_rows: list[tuple[int, tuple]] = []
    row_problems: dict[int, str] = {}
    for number, cells, problem in _data_rows(opened, heartbeat):
        if len(data_rows) >= max_rows:
            raise ImportFileError(_("文件超过%(max)s行数据，请拆分后分批导入") % {"max": f"{max_rows:,}"})
        data_rows.append((number, cells))
        if problem:
            row_problems[number] = problem
    if not data_rows:
        raise ImportFileError(str(NO_DATA_ROWS))
    return Table(
        file_name=opened.file_name,
        sha256=opened.sha256,
        columns=opened.columns,
        rows=data_rows,
        content=opened.content,
        row_problems=row_problems,
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
