"""The table reader's defences (common/tables.py): a malformed CSV never loses rows silently, and a small hostile
file (xlsx bombs, huge cells, sheets that skip to row 3,000,000) is refused before it costs minutes or gigabytes.
The bomb files are built here, small zips of huge repetitive XML; the tests assert what the reader answers and how
many rows it went through, never how long it took."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from common import tables
from common.tables import (
    MAX_CELL_CHARS,
    MAX_SHEET_ROWS,
    Column,
    ImportFileError,
    Outcome,
    StoredFile,
    check_table,
    read_table,
)

COLUMNS = [Column("name", ("姓名",)), Column("day", ("日期",))]

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def csv_upload(text: str, name: str = "t.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode())


def cell(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_and_one_row() -> bytes:
    return (
        b'<row r="1">'
        + cell("A1", "姓名")
        + cell("B1", "日期")
        + b'</row><row r="2">'
        + cell("A2", "张三")
        + cell("B2", "2026-01-02")
        + b"</row>"
    )


def xlsx_with_sheet(parts: Iterable[bytes], *, shared_strings: bytes | None = None) -> bytes:
    """A real workbook whose first sheet's XML is ``parts``, streamed into the zip (so a 150 MB sheet never sits in
    memory), optionally with a shared-string table (as Excel writes text; openpyxl writes it inline)."""
    template = io.BytesIO()
    Workbook().save(template)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                with target.open(item.filename, "w") as sheet:
                    for part in parts:
                        sheet.write(part)
                continue
            if item.filename == "[Content_Types].xml" and shared_strings is not None:
                content = content.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            target.writestr(item, content)
        if shared_strings is not None:
            target.writestr("xl/sharedStrings.xml", shared_strings)
    return out.getvalue()


def sheet(rows: Iterable[bytes], dimension: str | None = None) -> Iterator[bytes]:
    yield SHEET_HEAD
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    yield from rows
    yield b"</sheetData></worksheet>"


@pytest.fixture
def rows_read(monkeypatch) -> list[int]:
    """How many rows openpyxl handed to the reader (one counter for every sheet read in the test)."""
    count = [0]
    real = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for row in real(self, *args, **kwargs):
            count[0] += 1
            yield row

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return count


# ---- CSV: nothing swallowed ------------------------------------------------------------------------------


SIX_ROWS = ["张三,2026-01-01", "李四,2026-01-02", '"王五,2026-01-03', "赵六,2026-01-04", "钱七,2026-01-05"]


def test_it_refuses_a_csv_whose_quote_never_closes_instead_of_swallowing_the_rest_of_the_file():
    text = "姓名,日期\r\n" + "\r\n".join(SIX_ROWS + ["孙八,2026-01-06"]) + "\r\n"  # the quote opens in row 4

    with pytest.raises(ImportFileError, match="第4行的引号未闭合"):
        read_table(csv_upload(text), COLUMNS)


def test_it_refuses_an_unclosed_quote_in_the_first_data_row_already_at_upload():
    text = '姓名,日期\r\n"张三,2026-01-01\r\n李四,2026-01-02\r\n'

    with pytest.raises(ImportFileError, match="第2行的引号未闭合"):
        check_table(csv_upload(text), COLUMNS)


def test_it_makes_a_row_whose_quoted_cell_runs_over_several_lines_a_bad_row_and_keeps_the_others():
    text = '姓名,日期\r\n张三,2026-01-01\r\n"李四\r\n王五",2026-01-02\r\n赵六,2026-01-03\r\n'

    table = read_table(csv_upload(text), COLUMNS)
    outcome, good = Outcome(), []
    for row in table.each_row():
        name = row.text("name", required=True, max_length=20)
        row.date("day", required=True)
        if row.problems:
            outcome.fail(row.number, row.problems)
        else:
            good.append(name)

    assert good == ["张三", "赵六"]
    assert outcome.errors == [
        {
            "row": 3,
            "field": "",
            "message": "该行的引号从文件第3行延续到第4行，其间各行被并入了同一个单元格，未导入。请检查引号是否成对",
        }
    ]


def test_it_refuses_a_csv_with_text_after_a_closing_quote_naming_the_row():
    text = '姓名,日期\r\n张三,2026-01-01\r\n"李四"x,2026-01-02\r\n'

    with pytest.raises(ImportFileError, match="第3行.*引号后应紧跟分隔符"):
        read_table(csv_upload(text), COLUMNS)


# ---- xlsx: refused before it is read ---------------------------------------------------------------------


def test_it_refuses_a_150_mb_cell_in_a_small_xlsx_before_reading_it(monkeypatch):
    def huge_cell() -> Iterator[bytes]:
        yield (
            b'<row r="1">'
            + cell("A1", "姓名")
            + cell("B1", "日期")
            + b'</row><row r="2"><c r="A2" t="inlineStr"><is><t>'
        )
        for _ in range(150):
            yield b"A" * (1024 * 1024)
        yield b"</t></is></c></row>"

    data = xlsx_with_sheet(sheet(huge_cell(), "A1:B2"))
    assert len(data) < 1024 * 1024
    monkeypatch.setattr(tables, "_FirstSheetReader", None)  # nothing may be parsed

    for read in (check_table, read_table):
        with pytest.raises(ImportFileError, match="解压后过大或压缩比异常"):
            read(StoredFile("bomb.xlsx", data), COLUMNS)


def test_it_refuses_an_xlsx_member_that_unzips_to_a_hundred_times_its_size(monkeypatch):
    monkeypatch.setattr(tables, "MAX_XLSX_UNCOMPRESSED_BYTES", 10**12)  # only the compression ratio can tell
    padding = b"<!--" + b" " * (3 * 1024 * 1024) + b"-->"  # 3 MB that zips to a few KB

    data = xlsx_with_sheet(sheet([padding, header_and_one_row()], "A1:B2"))

    with pytest.raises(ImportFileError, match="解压后过大或压缩比异常"):
        check_table(StoredFile("bomb.xlsx", data), COLUMNS)


def test_it_refuses_a_sheet_whose_declared_range_runs_to_row_three_million_without_reading_its_rows(
    rows_read,
):
    data = xlsx_with_sheet(sheet([header_and_one_row()], "A1:G3000000"))

    for read in (check_table, read_table):
        with pytest.raises(ImportFileError, match="超过100,000行（含空行）"):
            read(StoredFile("a.xlsx", data), COLUMNS)
    assert rows_read[0] == 0


def test_it_stops_at_the_row_limit_in_a_sheet_that_skips_to_row_three_million(rows_read):
    # Declares two rows, holds one more at row 3,000,000: openpyxl would hand over every empty row in between.
    data = xlsx_with_sheet(
        sheet([header_and_one_row(), b'<row r="3000000">' + cell("A3000000", "x") + b"</row>"], "A1:B2")
    )

    with pytest.raises(ImportFileError, match="超过100,000行（含空行）"):
        read_table(StoredFile("a.xlsx", data), COLUMNS)
    assert rows_read[0] <= MAX_SHEET_ROWS + 1


def test_it_stops_at_the_row_limit_in_a_sheet_of_millions_of_empty_rows_without_a_declared_range(
    rows_read, monkeypatch
):
    monkeypatch.setattr(tables, "MAX_SHEET_ROWS", 1_000)  # the same path as 100,000, with a smaller file

    def empty_rows() -> Iterator[bytes]:
        yield header_and_one_row()
        for start in range(3, 200_000, 10_000):
            yield "".join(f'<row r="{i}" spans="1:7"/>' for i in range(start, start + 10_000)).encode()

    data = xlsx_with_sheet(sheet(empty_rows()))  # no <dimension>: openpyxl would scan it all when opening

    head = check_table(StoredFile("a.xlsx", data), COLUMNS)  # the header and the first data row only
    assert head.columns == {"name": (0, "姓名"), "day": (1, "日期")}
    assert rows_read[0] <= 2
    with pytest.raises(ImportFileError, match="超过1,000行（含空行）"):
        read_table(StoredFile("a.xlsx", data), COLUMNS)
    assert rows_read[0] <= 2 + 1_001


def test_it_reads_blank_rows_below_the_data_within_the_limit():
    data = xlsx_with_sheet(
        sheet([header_and_one_row(), *(f'<row r="{i}"/>'.encode() for i in range(3, 5_000))])
    )

    table = read_table(StoredFile("a.xlsx", data), COLUMNS)

    assert [number for number, _cells in table.rows] == [2]


def test_it_refuses_a_header_row_wider_than_the_column_limit():
    header = b'<row r="1">' + cell("A1", "姓名") + cell("B1", "日期") + cell("XFD1", "备注") + b"</row>"

    with pytest.raises(ImportFileError, match="超过100列"):
        check_table(StoredFile("a.xlsx", xlsx_with_sheet(sheet([header]))), COLUMNS)


def test_it_refuses_a_damaged_sheet_as_unreadable_instead_of_failing():
    data = xlsx_with_sheet([SHEET_HEAD, "<sheetData><row r='1'><c r='A1' t='inlineStr'><is><t>姓名".encode()])

    with pytest.raises(ImportFileError, match="无法读取该 Excel 文件"):
        read_table(StoredFile("a.xlsx", data), COLUMNS)


# ---- cells ------------------------------------------------------------------------------------------------


def test_it_makes_a_cell_over_the_length_limit_a_bad_row_naming_its_column():
    long_name = "张" * (MAX_CELL_CHARS + 1)
    text = f"姓名,日期\r\n张三,2026-01-01\r\n{long_name},2026-01-02\r\n"

    table = read_table(csv_upload(text), COLUMNS)
    rows = list(table.each_row())
    for row in rows:
        row.text("name", required=True, max_length=50)
        row.date("day", required=True)

    assert rows[0].problems == []
    assert rows[1].problems == [("姓名", "单元格内容超过2,000个字符")]  # once, not also "over 50 characters"


def test_it_refuses_a_file_whose_column_name_is_over_the_length_limit():
    text = "姓名,日期," + "备" * (MAX_CELL_CHARS + 1) + "\r\n张三,2026-01-01,\r\n"

    with pytest.raises(ImportFileError, match="第1行（列名）第3列超过2,000个字符"):
        check_table(csv_upload(text), COLUMNS)


def test_it_reads_the_shared_strings_of_an_excel_workbook_as_far_as_the_cells_need_them():
    sst = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>姓名</t></si><si><t>日期</t></si>"
        '<si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r><rPh sb="0" eb="1"><t>ZHANG</t></rPh></si>'
        "<si><t>2026-01-02</t></si>" + "".join(f"<si><t>unused {i}</t></si>" for i in range(1000)) + "</sst>"
    ).encode()
    rows = (
        b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        b'<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>'
    )
    data = xlsx_with_sheet(sheet([rows], "A1:B2"), shared_strings=sst)

    assert check_table(StoredFile("a.xlsx", data), COLUMNS).columns["day"] == (1, "日期")
    table = read_table(StoredFile("a.xlsx", data), COLUMNS)
    assert table.rows == [(2, ("张三", "2026-01-02"))]  # rich-text runs joined, the phonetic guide left out

    bad = xlsx_with_sheet(sheet([rows.replace(b"<v>3</v>", b"<v>5000</v>")], "A1:B2"), shared_strings=sst)
    with pytest.raises(ImportFileError, match="无法读取该 Excel 文件"):
        read_table(StoredFile("a.xlsx", bad), COLUMNS)
