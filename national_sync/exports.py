"""The day's exit records as xlsx for a manual upload when the line is down: the attachment's columns in its
order, full numbers (each person a logged reveal, ``IdReveal``), written by ``common/xlsx.py``."""

from __future__ import annotations

from django.utils import translation

from common.xlsx import XlsxWriter
from deregistration.models import Exit
from registration.models import IdReveal

from .records import FIELD_SPECS

COLUMNS = [f"{spec.name}（{spec.code}）" for spec in FIELD_SPECS]
WIDTHS = [14, 22, 12, 22, 10, 24, 14, 12, 12, 12, 30]


def exit_records_xlsx(rows: list[tuple[Exit, dict[str, str]]], *, user) -> bytes:
    """One sheet, one row per record in the attachment's column order; every value as text (the dates stay
    YYYYMMDD, the numbers keep their leading zeros). Each person exported counts as a reveal by ``user``."""
    with translation.override("zh-hans"):
        book = XlsxWriter()
        sheet = book.sheet(
            "失业登记退出信息", header=COLUMNS, widths=WIDTHS, number_formats=["@"] * len(COLUMNS)
        )
        for _exit, record in rows:
            sheet.append([record[spec.code] for spec in FIELD_SPECS])
    IdReveal.objects.bulk_create(
        [
            IdReveal(person=exit.registration.person, user=user, context=IdReveal.Context.EXIT_EXPORT)
            for exit, _record in rows
        ]
    )
    return book.to_bytes()
