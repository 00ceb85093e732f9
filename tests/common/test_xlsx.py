"""The shared xlsx writer (common/xlsx.py): formula injection, types, the import template, the download."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook

from common.tables import DATE, TEXT, Column
from common.xlsx import XLSX_CONTENT_TYPE, XlsxWriter, template_workbook, xlsx_response

HOSTILE = ['=HYPERLINK("http://x",A1)', "=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "#N/A"]


def written(*rows: list) -> bytes:
    book = XlsxWriter()
    sheet = book.sheet("数据", header=["甲", "乙"])
    for row in rows:
        sheet.append(row)
    return book.to_bytes()


def test_it_writes_text_that_looks_like_a_formula_as_literal_text():
    content = written(HOSTILE)

    cells = load_workbook(io.BytesIO(content)).active[2]

    assert [cell.data_type for cell in cells] == ["s"] * len(HOSTILE)
    assert cells[0].value == '=HYPERLINK("http://x",A1)'  # the text as given, no quote added
    assert [cell.value for cell in cells[:5]] == HOSTILE[:5]
    assert all(cell.quotePrefix for cell in cells)  # Excel keeps it text even when the cell is edited
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_it_keeps_numbers_dates_and_plain_text_as_they_are():
    content = written(["张三", 3, date(2026, 11, 23), None, "a-b", "有效"])

    row = next(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))

    assert row[:2] == ("张三", 3)
    assert row[2].date() == date(2026, 11, 23)
    assert row[3:] == (None, "a-b", "有效")


def test_it_drops_control_characters_excel_cannot_hold():
    content = written(["甲\x01乙", "x\x00"])

    row = next(load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True))

    assert row == ("甲乙", "x")


def test_it_makes_a_template_with_headers_text_columns_and_instructions():
    columns = [
        Column("id_number", ("身份证号", "证件号码"), hint="18位", number_format=TEXT, width=24),
        Column("name", ("姓名",)),
        Column("day", ("日期",), required=False, number_format=DATE),
    ]

    book = load_workbook(io.BytesIO(template_workbook("测试模板", columns, notes=["另一条说明"])))

    data, notes = book.worksheets
    assert [c.value for c in data[1]] == ["身份证号", "姓名", "日期"]
    assert data.freeze_panes == "A2"
    assert data.column_dimensions["A"].number_format == "@"
    assert data.column_dimensions["A"].width == 24
    assert data.column_dimensions["C"].number_format == "yyyy-mm-dd"
    texts = [row[0] for row in notes.iter_rows(values_only=True)]
    assert texts[0] == "测试模板" and "另一条说明" in texts
    assert ("身份证号", "是", "18位；也可用列名：证件号码") in list(notes.iter_rows(values_only=True))


@pytest.mark.parametrize("as_bytes", [True, False])
def test_it_answers_a_download_with_the_file_name(as_bytes):
    book = XlsxWriter()
    book.sheet("数据").append(["x"])

    response = xlsx_response(book.to_bytes() if as_bytes else book, "低保转介.xlsx")

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E4%BD%8E%E4%BF%9D" in response["Content-Disposition"]
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "x"


def test_it_keeps_markup_characters_and_booleans_and_names_sheets_apart():
    book = XlsxWriter()
    sheet = book.sheet("数据", header=["甲"])
    sheet.append(['<b>张三 & "李四"</b>', True, 1.5, None, 7])
    book.sheet("数据").append(["x"])  # the same title twice: a second sheet, renamed

    workbook = load_workbook(io.BytesIO(book.to_bytes()))

    assert workbook.sheetnames == ["数据", "数据1"]
    assert next(workbook["数据"].iter_rows(min_row=2, values_only=True)) == (
        '<b>张三 & "李四"</b>',
        True,
        1.5,
        None,
        7,
    )
    assert workbook["数据"]["A1"].font.b is True
