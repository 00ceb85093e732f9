"""Deregistration in a real browser (notice 四, issue #10 must-show 1): a caseworker exits a person who found a job
and the SMS is queued (the timeline shows it); a code-32 exit proposed by a caseworker for a person with six
unreachable months is approved by a supervisor; 31 is not offered for a person without the refusal streak."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from playwright.sync_api import Page, expect

from common.models import Notification
from deregistration.models import Exit
from followup.models import Channel, NotReachedReason
from followup.services import ContactData, case_for, contact_record
from registration.models import Registration
from tests.followup.factories import SH, registered


def months_back(n: int) -> list[date]:
    """The first days of the ``n`` complete months before this one, oldest first."""
    months, month = [], timezone.localdate().replace(day=1)
    for _ in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
        months.append(month)
    return list(reversed(months))


def with_six_unreachable_months(registration: Registration, user) -> None:
    """A failed attempt in each of the last six complete months, never reached (the follow-up stage's streak)."""
    case = case_for(registration)
    for month in months_back(6):
        at = datetime.combine(month + timedelta(days=7), time(10), tzinfo=SH)
        data = ContactData(
            channel=Channel.PHONE, reached=False, not_reached_reason=NotReachedReason.SWITCHED_OFF, at=at
        )
        contact_record(case=case, user=user, data=data)


def person_page(page: Page, registration: Registration) -> None:
    page.goto(f"/people/{registration.person.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(registration.person.name)


def test_a_caseworker_exits_a_person_who_found_a_job_and_the_sms_is_queued(
    page: Page, log_in, caseworker_jiefang, page_problems, screenshot
):
    registration = registered(caseworker_jiefang, name="钱十二")
    log_in(page, caseworker_jiefang)
    person_page(page, registration)
    section = page.locator("#person-deregistration")
    expect(section.get_by_label("注销原因")).to_contain_text("11 被各类用人单位录用或招聘")
    section.get_by_label("注销原因").select_option("11")
    expect(section.get_by_label("注销日期")).to_have_value(f"{timezone.localdate():%Y-%m-%d}")
    screenshot(page, "exit-form")
    section.get_by_role("button", name="注销登记").click()
    expect(page.get_by_role("status")).to_contain_text("已注销失业登记，并已通知本人。")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("已注销失业登记：11 被各类用人单位录用或招聘")
    expect(timeline).to_contain_text("短信通知（待发送）")
    expect(timeline).to_contain_text("注销原因：被各类用人单位录用或招聘")
    exit = Exit.objects.get(registration=registration)
    assert exit.status == Exit.Status.EFFECTIVE
    sms = Notification.objects.get(ref=f"deregistration:{exit.serial}")
    assert sms.status == Notification.Status.QUEUED and sms.phone == "13800000001"
    assert page_problems == []


def test_a_code_32_exit_proposed_by_a_caseworker_is_approved_by_a_supervisor(
    page: Page, log_in, caseworker_jiefang, supervisor_jiaozuo, page_problems, screenshot
):
    seven_months_ago = months_back(7)[0]
    registration = registered(
        caseworker_jiefang, name="孙十三", at=datetime.combine(seven_months_ago, time(10), tzinfo=SH)
    )
    with_six_unreachable_months(registration, caseworker_jiefang)

    log_in(page, caseworker_jiefang)
    person_page(page, registration)
    section = page.locator("#person-deregistration")
    section.get_by_label("注销原因").select_option("32")
    section.get_by_label("进一步核实情况").fill("两次入户走访未遇，社区确认本人已长期外出")
    section.get_by_role("button", name="注销登记").click()
    expect(page.get_by_role("status")).to_contain_text("已提交注销申请，待主管审批")
    expect(page.locator("#person-deregistration")).to_contain_text("待主管审批")
    exit = Exit.objects.get(registration=registration)
    assert exit.status == Exit.Status.PROPOSED
    page.get_by_role("button", name="退出登录").click()

    log_in(page, supervisor_jiaozuo)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="注销审批").click()
    row = page.locator(f"#exit-{exit.pk}")
    expect(row).to_contain_text("32 连续6个月无法取得联系")
    expect(row).to_contain_text("两次入户走访未遇")
    screenshot(page, "approval-queue")
    row.get_by_role("button", name="批准注销").click()
    expect(page.get_by_role("status")).to_contain_text("已批准注销 孙十三 的失业登记")
    exit.refresh_from_db()
    registration.refresh_from_db()
    assert (exit.status, exit.decided_by) == (Exit.Status.EFFECTIVE, supervisor_jiaozuo)
    assert registration.status == Registration.Status.ENDED
    assert page_problems == []


def test_31_is_not_offered_without_three_refusals_in_a_row(
    page: Page, log_in, caseworker_jiefang, page_problems
):
    registration = registered(caseworker_jiefang, name="李十四")
    log_in(page, caseworker_jiefang)
    person_page(page, registration)
    section = page.locator("#person-deregistration")
    codes = section.get_by_label("注销原因").locator("option").evaluate_all("os => os.map(o => o.value)")
    assert "31" not in codes and "32" not in codes and "11" in codes and "90" in codes
    expect(section.locator("#exit-not-offered")).to_contain_text("“31 连续3次拒绝接受公共就业服务”不可选")
    assert page_problems == []


def test_a_supervisor_prints_the_notice_and_cancels_the_exit_before_upload(
    page: Page, log_in, caseworker_jiefang, supervisor_jiaozuo, page_problems, screenshot
):
    from deregistration.services import exit_propose

    registration = registered(caseworker_jiefang, name="周十五", phone="")
    exit = exit_propose(
        registration=registration, user=caseworker_jiefang, code="21", deregistered_on=timezone.localdate()
    )
    log_in(page, supervisor_jiaozuo)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="注销名单").click()
    row = page.locator(f"#exit-{exit.pk}")
    expect(row).to_contain_text("21 已依法享受基本养老保险待遇")
    screenshot(page, "exits-list")
    row.get_by_role("link", name="打印告知书").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("注销失业登记告知书")
    expect(page.locator("body")).to_contain_text("周十五")
    screenshot(page, "notice")
    page.get_by_role("link", name="返回人员页面").click()
    section = page.locator("#person-deregistration")
    section.get_by_label("撤销原因").fill("经核实本人尚未领取养老保险待遇")
    section.get_by_role("button", name="撤销注销（上报前）").click()
    expect(page.get_by_role("status")).to_contain_text("已撤销 周十五 的注销，失业登记恢复有效")
    expect(page.locator("ol.timeline")).to_contain_text("撤销注销，失业登记恢复有效")
    exit.refresh_from_db()
    registration.refresh_from_db()
    assert exit.status == Exit.Status.CANCELLED and registration.status == Registration.Status.ACTIVE
    assert page_problems == []
