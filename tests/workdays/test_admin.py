"""The calendar in the admin opens at the current year and says 工作日 / 休息日, not True / False."""

import pytest
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_the_calendar_opens_at_the_current_year(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    url = reverse("admin:workdays_calendarday_changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{url}?date__year={timezone.localdate().year}"


def test_the_calendar_says_workday_or_rest_day(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    url = reverse("admin:workdays_calendarday_changelist")
    html = client.get(url, {"date__year": 2026, "date__month": 10}).content.decode()
    assert "休息日" in html and "工作日" in html  # the National Day week and the workdays around it
    assert "icon-yes.svg" not in html and "icon-no.svg" not in html
    rest = client.get(url, {"date__year": 2026, "date__month": 10, "workday": "0"}).content.decode()
    assert "2026年10月1日" in rest and "2026年10月9日" not in rest  # a holiday listed, a Friday at work not
