"""The counter's step 1 in a real browser (issue #8): a number typed with spaces and a lowercase x is cleaned
and accepted, a mistyped one is reported at step 1 and corrected there, and an applicant under 16 is warned
about at once (the application is still taken)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from playwright.sync_api import Page, expect

from registration.models import Application
from tests.registration.factories import citizen_id
from workdays.calendar import SHANGHAI

ENDS_IN_X = next(n for seq in range(1000) if (n := citizen_id(date(1990, 1, 1), seq=seq)).endswith("X"))


@pytest.fixture(autouse=True)
def monday_morning(time_machine):
    """Monday 2026-11-23 10:00 Beijing time, inside the loaded working-day calendar (time keeps ticking)."""
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))


def open_counter(page: Page, log_in, user) -> None:
    log_in(page, user)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="窗口受理").click()
    expect(page.get_by_label("证件号码")).to_be_focused()


def take_application(page: Page, name: str) -> None:
    page.get_by_label("姓名").fill(name)
    page.get_by_label("常住地", exact=True).check()
    page.get_by_label("申请人已阅读并签署告知承诺书").check()
    page.get_by_role("button", name="受理申请").click()


def test_the_counter_accepts_a_number_typed_with_spaces_and_a_lowercase_x(
    page: Page, log_in, caseworker_jiefang, office_jiefang, page_problems, screenshot
):
    open_counter(page, log_in, caseworker_jiefang)

    page.keyboard.type(f"{ENDS_IN_X[:6]} {ENDS_IN_X[6:14]} {ENDS_IN_X[14:17]}x")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="第二步：填写申请")).to_be_visible()
    expect(page.get_by_label("证件号码")).to_have_value(ENDS_IN_X)
    expect(page.get_by_label("姓名")).to_be_focused()
    screenshot(page, "normalised")
    take_application(page, "郑十")

    application = Application.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"失业登记申请 {application.number}")
    assert application.person.id_number == ENDS_IN_X
    assert page_problems == []


def test_the_counter_reports_a_mistyped_number_at_step_one_and_goes_on_once_corrected(
    page: Page, log_in, caseworker_jiefang, office_jiefang, page_problems, screenshot
):
    number = citizen_id()
    mistyped = number[:17] + ("0" if number[17] != "0" else "1")
    open_counter(page, log_in, caseworker_jiefang)

    page.keyboard.type(mistyped)
    page.keyboard.press("Enter")

    # Still step 1: the real problem, next to the number, which has the focus for correcting it.
    expect(page.get_by_role("heading", name="第一步：核对身份证件")).to_be_visible()
    expect(page.get_by_role("heading", name="第二步：填写申请")).to_have_count(0)
    expect(page.locator("#id_id_number_error")).to_have_text("公民身份号码第18位校验码不正确")
    expect(page.get_by_role("alert")).to_contain_text("公民身份号码第18位校验码不正确")
    expect(page.get_by_label("证件号码")).to_be_focused()
    expect(page.get_by_label("证件号码")).to_have_value(mistyped)
    screenshot(page, "mistyped")

    page.get_by_label("证件号码").fill(number)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="第二步：填写申请")).to_be_visible()
    take_application(page, "王十一")
    expect(page.get_by_role("status")).to_contain_text("已受理失业登记申请")
    assert Application.objects.get().person.id_number == number
    assert page_problems == []


def test_the_counter_warns_about_an_applicant_under_16_and_still_takes_the_application(
    page: Page, log_in, caseworker_jiefang, office_jiefang, page_problems, screenshot
):
    number = citizen_id(date(2011, 6, 1))  # 15 on 2026-11-23
    open_counter(page, log_in, caseworker_jiefang)

    page.keyboard.type(number)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="第二步：填写申请")).to_be_visible()
    warning = page.locator("#age-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("申请人未满16周岁（按出生日期，现年15岁）")
    expect(warning).to_contain_text("请当面告知申请人")
    screenshot(page, "under-16")
    take_application(page, "李小")

    expect(page.locator(".msg-warning")).to_contain_text("申请人未满16周岁")
    assert Application.objects.get().status == Application.Status.PENDING
    assert page_problems == []
