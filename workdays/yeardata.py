"""Building a whole year of the calendar from the State Council's schedule.

Pure functions, used by the data migration (years the ``chinesecalendar`` package knows), by the admin's
"load a year" page and by ``manage.py calendar_load_year`` (years the package does not know yet).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils.translation import gettext as _

# chinesecalendar names its holidays in English; the calendar shows the Chinese names.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def build_year(
    year: int, holidays: dict[date, str], adjusted_workdays: dict[date, str]
) -> list[tuple[date, str, str]]:
    """Every day of ``year`` as (date, kind, note).

    ``holidays``: days off that would otherwise be workdays or weekends (法定节假日 and the days joined to them);
    ``adjusted_workdays``: weekend days that are worked (调休上班). A date in both is an error.
    """
    clash = set(holidays) & set(adjusted_workdays)
    if clash:
        raise ValueError(f"dates both holiday and adjusted workday: {sorted(clash)}")
    for d in [*holidays, *adjusted_workdays]:
        if d.year != year:
            raise ValueError(f"{d} is not in {year}")
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        if day in holidays:
            days.append((day, "holiday", holidays[day]))
        elif day in adjusted_workdays:
            days.append(
                (
                    day,
                    "adjusted",
                    f"{adjusted_workdays[day]}调休上班" if adjusted_workdays[day] else "调休上班",
                )
            )
        elif day.weekday() >= 5:
            days.append((day, "weekend", ""))
        else:
            days.append((day, "workday", ""))
        day += timedelta(days=1)
    return days


def parse_date_lines(text: str) -> dict[date, str]:
    """Lines of "YYYY-MM-DD [note]" → {date: note}; blank lines skipped.

    Raises ValueError("line N: ...") naming the first bad line.
    """
    out: dict[date, str] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day, _sep, note = line.partition(" ")
        try:
            out[date.fromisoformat(day)] = note.strip()
        except ValueError:
            raise ValueError(
                _("第%(n)d行“%(line)s”不是 YYYY-MM-DD 格式的日期") % {"n": n, "line": line}
            ) from None
    return out


def chinesecalendar_years() -> list[int]:
    """Years whose schedule the installed chinesecalendar package knows."""
    from chinese_calendar import constants

    return sorted({d.year for d in constants.holidays})


def chinesecalendar_year(year: int) -> list[tuple[date, str, str]]:
    from chinese_calendar import constants

    holidays = {d: HOLIDAY_NAMES_ZH.get(n, n) for d, n in constants.holidays.items() if d.year == year}
    adjusted = {d: HOLIDAY_NAMES_ZH.get(n, n) for d, n in constants.workdays.items() if d.year == year}
    return build_year(year, holidays, adjusted)
