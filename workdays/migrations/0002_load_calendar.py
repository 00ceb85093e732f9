"""Load every year the chinesecalendar package knows (2004–2026 with version 1.11): weekends, public
holidays and 调休 workdays. Later years are entered by ops (admin "载入年度工作日历" or
`manage.py calendar_load_year`) when the State Council publishes them."""

from django.db import migrations


def load(apps, schema_editor):
    from workdays.yeardata import chinesecalendar_year, chinesecalendar_years

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    loaded = {d.year for d in CalendarDay.objects.dates("date", "year")}
    for year in chinesecalendar_years():
        if year in loaded:
            continue
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=d, kind=k, note=n) for d, k, n in chinesecalendar_year(year)], batch_size=1000
        )


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
