from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.history import history_context
from workdays.services import calendar_load_year
from workdays.yeardata import parse_date_lines


class Command(BaseCommand):
    help = (
        "Load a year of the working-day calendar from the State Council's schedule. "
        "Files hold one 'YYYY-MM-DD [name]' per line: the days off (--holidays) and the worked weekend days "
        "(--adjusted). Other days follow Monday–Friday. Same as the admin's 载入年度工作日历 page."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--holidays", type=Path, required=True, help="file of holiday dates")
        parser.add_argument("--adjusted", type=Path, help="file of adjusted weekend workdays (调休上班)")
        parser.add_argument("--replace", action="store_true", help="overwrite a year that is already loaded")

    def handle(self, *args, year: int, holidays: Path, adjusted: Path | None, replace: bool, **options):
        try:
            holiday_days = parse_date_lines(holidays.read_text(encoding="utf-8"))
            adjusted_days = parse_date_lines(adjusted.read_text(encoding="utf-8")) if adjusted else {}
            with history_context(source="command:calendar_load_year"):
                count = calendar_load_year(
                    year=year, holidays=holiday_days, adjusted_workdays=adjusted_days, replace=replace
                )
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"loaded {count} days of {year}")
