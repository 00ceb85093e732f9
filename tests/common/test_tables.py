"""The shared table reader (common/tables.py): rows, cells and per-row problems. The import flows that use it are
tested in tests/registration/test_imports.py."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.tables import (
    CellError,
    Column,
    ImportFileError,
    Outcome,
    StoredFile,
    cell_date,
    cell_text,
    chunks,
    read_table,
)

COLUMNS = [
    Column("name", ("姓名",)),
    Column("day", ("日期", "日子")),
    Column("note", ("备注",), required=False),
]


def csv_upload(text: str, name: str = "t.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def test_it_reads_rows_with_their_spreadsheet_numbers_and_collects_problems_per_row():
    table = read_table(csv_upload("姓名,日子\r\n张三,2026-11-23\r\n\r\n,20261301\r\n"), COLUMNS)
    outcome = Outcome()
    good = []

    for row in table.each_row():
        values = (row.text("name", required=True, max_length=10), row.date("day", required=True))
        note = row.text("note", max_length=10)  # a column the file lacks reads as blank
        if row.problems:
            outcome.fail(row.number, row.problems)
        else:
            good.append((row.number, values, note))

    assert good == [(2, ("张三", date(2026, 11, 23)), "")]
    assert outcome.error_rows == 1
    assert outcome.errors == [
        {"row": 4, "field": "姓名", "message": "请填写姓名"},
        {"row": 4, "field": "日子", "message": "“20261301”不是有效日期"},
    ]


def test_it_reads_a_gb18030_csv_and_a_stored_file():
    data = "姓名,日期\r\n李四,2026/1/2\r\n".encode("gb18030")

    table = read_table(StoredFile("名单.csv", data), COLUMNS)

    assert table.file_name == "名单.csv" and table.rows == [(2, ("李四", "2026/1/2"))]


def test_it_refuses_a_file_without_a_required_column():
    with pytest.raises(ImportFileError, match="缺少必需的列：日期/日子"):
        read_table(csv_upload("姓名\r\n张三\r\n"), COLUMNS)


def test_it_turns_cells_into_text_and_dates():
    assert cell_text(13800000000.0) == "13800000000"
    assert cell_text("\u3000甲\x00 ") == "甲"
    assert cell_date("2026年11月23日") == date(2026, 11, 23)
    assert cell_date("") is None
    with pytest.raises(CellError):
        cell_date("明天")


def test_it_cuts_items_into_chunks():
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
