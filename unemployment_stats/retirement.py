"""The statutory retirement age under the 2025 reform (全国人大常委会《关于实施渐进式延迟法定退休年龄的决定》,
from 2025-01-01): men 60 → 63 and women cadres 55 → 58, one month later for every 4 months of birth; women workers
50 → 55, one month later for every 2 months of birth.

    men born before 1965-01: 60; born 1965-01…04: 60 + 1 month; … born 1976-09 or later: 63
    women (55 track) born before 1970-01: 55; from 1970-01, +1 month per 4 months of birth, at most 58
    women (50 track) born before 1975-01: 50; from 1975-01, +1 month per 2 months of birth, at most 55

The cleaning report only *flags* people past it to check (十 ends working age at drawing a pension, not at an
age), so it is never a reason to remove anyone by itself.
"""

from __future__ import annotations

from datetime import date

# (base age in years, first birth month of the reform (year, month), birth months per month of delay, max delay)
MEN = (60, (1965, 1), 4, 36)
WOMEN_55 = (55, (1970, 1), 4, 36)
WOMEN_50 = (50, (1975, 1), 2, 60)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    # The retirement month: the day of birth, or the month's last day when that month is shorter.
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # unreachable


def delay_months(born: date, track: tuple[int, tuple[int, int], int, int]) -> int:
    _base, (year, month), per, cap = track
    elapsed = (born.year - year) * 12 + born.month - month
    if elapsed < 0:
        return 0
    return min(cap, elapsed // per + 1)


def retirement_date(born: date, track: tuple[int, tuple[int, int], int, int]) -> date:
    """The day the statutory retirement age is reached on ``track`` (MEN, WOMEN_55, WOMEN_50)."""
    return _add_months(born, track[0] * 12 + delay_months(born, track))


def earliest_retirement_date(sex: str, born: date) -> date:
    """Men: the men's schedule. Women (and an unknown sex): the earlier, workers' (50) schedule, since the record
    does not say whether a woman is a worker or a cadre: the report asks to check."""
    return retirement_date(born, MEN if sex == "1" else WOMEN_50)
