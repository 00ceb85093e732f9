"""What the imports of lists of people share (the graduates handed over, existing registrations): region codes,
a row the file repeats, and the service's errors and skips as the rows' report.

**A person the file names twice.** The first row with a document number in the file is the one imported; every
later row with that number is reported with the row it repeats: as skipped when it says the same (same name),
as a bad row when the names differ (someone has to check which is right). The first rows are found over the
whole file before its first chunk, so the rule holds across chunks and when a job resumes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.tables import CellError, Row, Table, cell_text
from offices.models import Region
from workdays.calendar import CalendarNotLoaded

REPEATED_ROW = gettext_lazy("与第%(row)d行为同一证件号码，已跳过（每人只导入第一次出现的行）")
REPEATED_ROW_SAME_DATE = gettext_lazy("与第%(row)d行为同一证件号码、同一登记日期，已跳过")
REPEATED_ROW_OTHER_NAME = gettext_lazy(
    "与第%(row)d行为同一证件号码，但姓名不同（第%(row)d行为“%(first)s”，本行为“%(name)s”），本行未导入，请核对"
)


class Regions:
    """Region lookups by code, cached for the file."""

    def __init__(self) -> None:
        self._cache: dict[str, Region | None] = {}

    def get(self, code: str) -> Region | None:
        if code not in self._cache:
            self._cache[code] = (
                Region.objects.filter(code=code).first() if re.fullmatch(r"\d{6}", code) else None
            )
        return self._cache[code]


def region_cell(row: Row, key: str, regions: Regions) -> Region | None:
    """The region of a 6-digit code column; a problem of the row when the code is unknown; None when blank."""
    code = cell_text(row.raw(key))
    if not code:
        return None
    region = regions.get(code)
    if region is None:
        row.problem(key, _("行政区划代码“%(code)s”不存在，请填写6位行政区划代码") % {"code": code[:20]})
    return region


@dataclass(frozen=True)
class FirstRow:
    number: int
    name: str


def first_rows(table: Table, key: Callable[[Row], Hashable | None]) -> dict[Hashable, FirstRow]:
    """The first row of the file (number, name as written) for each ``key(row)``; a row whose key cannot be
    read (None, or a CellError) is left out: it is a bad row anyway."""
    first: dict[Hashable, FirstRow] = {}
    for row in table.each_row():
        try:
            value = key(row)
        except CellError:
            continue
        if value is not None and value not in first:
            first[value] = FirstRow(row.number, cell_text(row.raw("name")))
    return first


def calendar_missing(exc: ValidationError) -> CalendarNotLoaded | None:
    """The calendar gap that stopped the service from setting a deadline, if that was the error."""
    cause = exc.__cause__
    return cause if isinstance(cause, CalendarNotLoaded) else None


def calendar_stops_the_file(gap: CalendarNotLoaded) -> bool:
    """A gap after today (next year's calendar not loaded yet) stops every later row alike: the file is refused
    and ops load the year first. A gap in the past (a date before the calendar's first year) is that row's."""
    return gap.day > timezone.localdate()


def service_problems(exc: ValidationError, columns: Callable[[str], str]) -> list[tuple[str, str]]:
    """A service's ValidationError as the row's problems: (column header via ``columns(field)``, message)."""
    if hasattr(exc, "error_dict"):
        return [(columns(key), message) for key, messages in exc.message_dict.items() for message in messages]
    return [("", message) for message in exc.messages]
