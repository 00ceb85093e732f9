"""Writing xlsx: every workbook the system hands out (exports, import templates) is built here.

    book = XlsxWriter()
    sheet = book.sheet(_("低保转介"), header=COLUMNS, widths=[20, 10, 22])
    for row in rows:
        sheet.append([row.number, row.name, row.id_number])
    return xlsx_response(book, "dibao-referrals.xlsx")

Rows are streamed (openpyxl write-only mode: constant memory, fast enough for the 20,000 rows/s target), and no
text can turn into a formula: people type their own names and notes on the public pages, and a cell such as
``=HYPERLINK("http://…",A1)`` must reach civil affairs as the text it is (CSV/formula injection). A text that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as a string cell with Excel's quote prefix,
so Excel shows it as typed and does not evaluate it, not even after the cell is edited (an error code such
as ``#N/A`` stays text too). The value itself is not
changed (no ``'`` is added to it), so reading the file back gives the text exactly.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from .tables import Column

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


class SheetWriter:
    """One worksheet of an XlsxWriter; ``append`` writes the next row."""

    def __init__(self, worksheet: WriteOnlyWorksheet):
        self.worksheet = worksheet

    def append(self, values: Iterable) -> None:
        """Write one row. Dates and numbers keep their type; text never becomes a formula."""
        self.worksheet.append([self._cell(value) for value in values])

    def append_header(self, values: Iterable) -> None:
        """Write a header row: bold on a light fill."""
        cells = []
        for value in values:
            cell = self._cell(value, always_cell=True)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            cells.append(cell)
        self.worksheet.append(cells)

    def _cell(self, value, *, always_cell: bool = False):
        if isinstance(value, Promise):  # a lazy translation
            value = str(value)
        if isinstance(value, str):
            if ILLEGAL_CHARACTERS_RE.search(value):  # control characters openpyxl refuses to write
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith(FORMULA_PREFIXES) or value in ERROR_CODES:
                cell = WriteOnlyCell(self.worksheet, value=value)
                cell.data_type = "s"  # openpyxl makes "=…" a formula, "#N/A" an error; a string is neither
                cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
                return cell
        if always_cell:
            return WriteOnlyCell(self.worksheet, value=value)
        return value


class XlsxWriter:
    """A workbook written sheet by sheet, row by row; ``to_bytes()`` (or ``xlsx_response``) when done."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)

    def sheet(
        self,
        title: str,
        *,
        header: Sequence | None = None,
        widths: Sequence[int | None] = (),
        number_formats: Sequence[str] = (),
    ) -> SheetWriter:
        """A new worksheet; with ``header`` its first row, styled and frozen. ``widths`` and ``number_formats``
        apply per column (a number format such as "@" for text is what Excel uses for what people type in)."""
        worksheet = self.workbook.create_sheet(str(title)[:31])  # Excel's limit for a sheet name
        for index, width in enumerate(widths, start=1):
            if width:
                worksheet.column_dimensions[get_column_letter(index)].width = width
        for index, number_format in enumerate(number_formats, start=1):
            if number_format:
                worksheet.column_dimensions[get_column_letter(index)].number_format = number_format
        sheet = SheetWriter(worksheet)
        if header is not None:
            worksheet.freeze_panes = "A2"
            sheet.append_header(header)
        return sheet

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def template_workbook(title: StrOrPromise, columns: Sequence[Column], *, notes: Iterable[str] = ()) -> bytes:
    """An empty import template: a data sheet with the columns' headers (text and date columns formatted so that
    Excel keeps what is typed) and an instructions sheet (``title``, how to fill it in, ``notes``, and each column
    with whether it is required and its hint)."""
    book = XlsxWriter()
    book.sheet(
        _("数据"),
        header=[column.header for column in columns],
        widths=[column.width for column in columns],
        number_formats=[column.number_format for column in columns],
    )
    instructions = book.sheet(_("填写说明"), widths=[24, 14, 60])
    instructions.append([str(title)])
    instructions.append(
        [
            _(
                "在“数据”工作表第1行列名下逐行填写，从第2行开始；不要修改列名。也可另存为 CSV（UTF-8 或 GBK 编码）。"
            )
        ]
    )
    for note in notes:
        instructions.append([str(note)])
    instructions.append([])
    instructions.append([_("列名"), _("是否必有此列"), _("说明")])
    for column in columns:
        also = (
            "；" + _("也可用列名：%(names)s") % {"names": "、".join(column.headers[1:])}
            if column.headers[1:]
            else ""
        )
        instructions.append([column.header, _("是") if column.required else _("否"), f"{column.hint}{also}"])
    return book.to_bytes()


def xlsx_response(content: bytes | XlsxWriter, filename: str) -> HttpResponse:
    """A download of ``content`` (bytes or an XlsxWriter) named ``filename`` (Chinese names work too)."""
    data = content.to_bytes() if isinstance(content, XlsxWriter) else content
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
