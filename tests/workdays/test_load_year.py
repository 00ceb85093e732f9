"""Ops enter a new year of the calendar when the State Council publishes it (admin page and command)."""

from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from workdays.calendar import add_workdays
from workdays.models import CalendarDay

pytestmark = pytest.mark.django_db
URL = reverse("admin:workdays_calendarday_load_year")


def test_it_lets_ops_load_2027_from_the_admin(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    response = client.post(
        URL,
        {
            "year": 2027,
            "holidays": "2027-01-01 元旦\n2027-01-02 元旦\n\n2027-01-03 元旦",
            "adjusted_workdays": "",
        },
    )
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date__year=2027).count() == 365
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).note == "元旦"
    assert add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_it_names_the_field_and_line_of_a_bad_date_and_saves_nothing(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    response = client.post(URL, {"year": 2027, "holidays": "2027-01-01 元旦\n2027-13-01 坏日期"})
    assert response.status_code == 200
    label = response.context["form"].fields["holidays"].label
    assert response.context["form"].errors["holidays"][0].startswith(f"{label}：第2行")
    assert f'<ul class="errorlist" id="id_holidays_error"><li>{label}：第2行' in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_it_refuses_dates_outside_the_year(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    response = client.post(URL, {"year": 2027, "holidays": "2028-01-01 元旦"})
    assert response.status_code == 200
    assert "不在 2027 年" in response.content.decode()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_it_refuses_to_overwrite_a_loaded_year_from_the_admin(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    response = client.post(URL, {"year": 2026, "holidays": "2026-01-01 元旦"})
    assert response.status_code == 200
    assert "已存在" in response.content.decode()
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).kind == CalendarDay.Kind.HOLIDAY


def test_it_keeps_caseworkers_out_of_the_load_page(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    response = client.get(URL)
    assert response.status_code in (302, 403)
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_it_loads_a_year_from_files_with_the_command(tmp_path):
    holidays = tmp_path / "holidays.txt"
    holidays.write_text("2027-01-01 元旦\n", encoding="utf-8")
    adjusted = tmp_path / "adjusted.txt"
    adjusted.write_text("2027-01-09 元旦\n", encoding="utf-8")
    call_command("calendar_load_year", "2027", "--holidays", str(holidays), "--adjusted", str(adjusted))
    assert CalendarDay.objects.get(date=date(2027, 1, 9)).is_workday
    with pytest.raises(CommandError):
        call_command("calendar_load_year", "2027", "--holidays", str(holidays))  # already loaded
    bad = tmp_path / "bad.txt"
    bad.write_text("tomorrow\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第1行"):
        call_command("calendar_load_year", "2028", "--holidays", str(bad))
