"""Login, the Chinese base layout, the home page per role and the language switch."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_sends_a_logged_out_visitor_to_the_chinese_login_page(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "工作人员登录" in html
    assert "cdn" not in html.lower()


def test_it_logs_a_caseworker_in_and_shows_the_caseworker_home(client, caseworker_jiefang):
    response = client.post(reverse("login"), {"username": "cw_jiefang", "password": PASSWORD}, follow=True)
    html = response.content.decode()
    assert "经办工作台" in html
    assert "解放区公共就业服务中心" in html
    assert "时限监督" not in html  # the supervisor panel
    assert "系统管理" not in html


def test_it_shows_the_supervisor_their_panel_and_scope(client, supervisor_jiaozuo):
    client.force_login(supervisor_jiaozuo)
    html = client.get(reverse("home")).content.decode()
    assert "时限监督" in html
    assert "焦作市（410800）" in html
    assert "经办工作台" not in html


def test_it_links_ops_to_the_calendar_and_the_admin(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    html = client.get(reverse("home")).content.decode()
    assert reverse("admin:workdays_calendarday_changelist") in html
    assert reverse("admin:index") in html


def test_it_rejects_a_wrong_password_with_a_chinese_message(client, caseworker_jiefang):
    response = client.post(reverse("login"), {"username": "cw_jiefang", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_logs_out_only_by_post(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_switches_the_interface_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Staff sign-in" in html


def test_it_serves_the_stylesheet_from_the_app_itself(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200


def test_it_stays_in_chinese_for_a_browser_that_asks_for_english(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "工作人员登录" in html


def test_it_shows_the_caseworker_their_pending_overdue_and_due_today_counts(
    client, caseworker_jiefang, time_machine
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.registration.factories import person_data, submit

    sh = ZoneInfo("Asia/Shanghai")
    time_machine.move_to(datetime(2026, 11, 18, 10, 0, tzinfo=sh), tick=False)
    submit(user=caseworker_jiefang, person=person_data(name="甲"))  # due 11-23: overdue by 11-25
    time_machine.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=sh), tick=False)
    submit(user=caseworker_jiefang, person=person_data(name="乙"))  # due 11-25: today
    time_machine.move_to(datetime(2026, 11, 25, 9, 0, tzinfo=sh), tick=False)
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("home")).content.decode()
    assert '<strong id="intake-total">2</strong>' in html
    assert '<strong id="intake-overdue">1</strong>' in html
    assert '<strong id="intake-today">1</strong>' in html


def test_it_shows_the_supervisor_the_counts_by_office(
    client, supervisor_jiaozuo, caseworker_jiefang, caseworker_wenxian
):
    from tests.registration.factories import person_data, submit

    submit(user=caseworker_jiefang, person=person_data(name="甲"))
    submit(user=caseworker_wenxian, region="410825", person=person_data(name="乙"))
    client.force_login(supervisor_jiaozuo)
    html = client.get(reverse("home")).content.decode()
    assert '<strong id="intake-total">2</strong>' in html
    assert ">解放区公共就业服务中心</a></td>" in html and ">温县公共就业服务中心</a></td>" in html


def test_it_shows_no_intake_panel_to_ops(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    assert 'id="panel-intake"' not in client.get(reverse("home")).content.decode()
