"""A caseworker follows a newly registered person up in a real browser (notice 三, 四): a failed attempt from the
first-contact worklist, the reached first contact with the lists given and a tier, a service; then the next
month's job opens a follow-up that the caseworker completes from the month's list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from common.jobs import run_job
from followup.models import Case, ContactAttempt, MonthlyFollowUp
from followup.selectors import public_services
from tests.followup.factories import SH, registered
from workdays.calendar import add_workdays
from workdays.models import CalendarDay
from workdays.services import calendar_load_year


def first_workday_of_next_month() -> date:
    """The first working day of next month, loading that year's calendar if the test runs in December (only
    New Year's Day off is needed for the test: it is not a deadline anyone relies on)."""
    today = timezone.localdate()
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    if not CalendarDay.objects.filter(date__year=first.year).exists():
        calendar_load_year(year=first.year, holidays={date(first.year, 1, 1): "元旦"}, adjusted_workdays={})
    return add_workdays(first - timedelta(days=1), 1)


def test_a_caseworker_follows_a_new_registration_up_from_first_contact_to_the_next_months_follow_up(
    page: Page, log_in, caseworker_jiefang, office_jiefang, page_problems, screenshot
):
    registration = registered(caseworker_jiefang, name="郑十一", unemployment_reason="20")
    nav = page.get_by_role("navigation", name="主导航")
    log_in(page, caseworker_jiefang)

    # My first contacts: the new registration is there (the SMS sent at registration met nothing).
    nav.get_by_role("link", name="首次联系").click()
    row = page.get_by_role("row").filter(has_text="郑十一")
    expect(row).to_contain_text(registration.number)
    # A failed attempt from the row, by keyboard: the channel stays 电话, choose the result, Enter on the button.
    row.get_by_label("郑十一：结果").select_option(label="无人接听")
    row.get_by_role("button", name="记录").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("郑十一：已记录未联系上（无人接听）")
    expect(page.get_by_role("row").filter(has_text="郑十一")).to_contain_text("1 次")

    # The reached first contact on the follow-up page: reason (from the application), skill, intention, lists, tier.
    page.get_by_role("row").filter(has_text="郑十一").get_by_role("link", name="联系上，填写首次联系").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("郑十一 · 跟踪服务")
    contact = page.locator("#contact")
    expect(contact.get_by_label("联系方式")).to_be_focused()
    expect(contact.get_by_label("失业原因")).to_have_value("20")
    contact.get_by_label("技能水平").select_option(label="四级/中级工")
    contact.get_by_label("意向职业（工种）").fill("电工")
    contact.get_by_label("意向工作地点").fill("解放区")
    contact.get_by_label("用工形式").select_option(label="全日制")
    contact.get_by_label("有培训意愿").check()
    contact.get_by_label("服务清单").select_option(label="当面发放")
    contact.get_by_label("政策清单").select_option(label="微信链接")
    contact.get_by_label("服务类别").select_option(label="二类：需职业指导或技能培训")
    screenshot(page, "first-contact")
    contact.get_by_role("button", name="保存联系记录").click()
    expect(page.get_by_role("status")).to_contain_text("已记录首次联系")
    expect(page.locator("#first-contact")).to_contain_text("已完成")
    expect(page.locator("#tier")).to_have_text("二类：需职业指导或技能培训")
    expect(page.locator("#attempts")).to_contain_text("未联系上：无人接听")

    # A service, shown to the applicant without the internal note.
    services = page.locator("#services")
    services.get_by_label("服务项目").select_option(label="职业指导")
    services.get_by_label("服务结果").fill("已提供职业规划咨询")
    services.get_by_label("内部备注").fill("本人希望离家近")
    services.get_by_role("button", name="保存服务记录").click()
    expect(page.get_by_role("status")).to_contain_text("已记录服务：职业指导")
    shown = public_services(registration)  # what the progress page shows (registration's page reads it)
    assert [(s.name, s.detail) for s in shown] == [("职业指导", "已提供职业规划咨询")]
    case = Case.objects.get(pk=registration.pk)
    assert case.first_contact_at is not None and ContactAttempt.objects.filter(case=case).count() == 2

    # Next month: the job opens the follow-up; the caseworker completes it from the month's list.
    day = first_workday_of_next_month()
    with time_machine.travel(datetime.combine(day, time(9), tzinfo=SH), tick=True):
        run = run_job("followup.monthly")
        assert run.counts["followups_opened"] == 1
        log_in(page, caseworker_jiefang)  # a new day's session
        nav.get_by_role("link", name="月度跟踪").click()
        row = page.get_by_role("row").filter(has_text="郑十一")
        expect(row).to_contain_text("待跟踪")
        row.get_by_label("郑十一：结果").select_option(label="已联系，仍在求职")
        row.get_by_role("button", name="记录").click()
        expect(page.get_by_role("status")).to_contain_text("郑十一：已记录本月跟踪结果")
        expect(page.get_by_role("row").filter(has_text="郑十一")).to_contain_text("已联系，仍在求职")
        screenshot(page, "monthly-done")
        followup = MonthlyFollowUp.objects.get(case=case)
        assert (followup.status, followup.outcome, followup.done_by) == (
            "done",
            "still_looking",
            caseworker_jiefang,
        )
    assert page_problems == []
