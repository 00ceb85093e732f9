"""An applicant applies online in Chromium and then queries the progress of the application."""

from __future__ import annotations

import re
from datetime import date, datetime

from playwright.sync_api import Page, expect

from offices.models import Office
from registration.models import Application
from tests.registration.factories import citizen_id
from workdays.calendar import SHANGHAI

ID_NUMBER = citizen_id(date(1990, 1, 1), seq=123)


def test_an_applicant_applies_online_queries_progress_and_a_caseworker_decides_it(
    page: Page, browser, page_problems, screenshot, time_machine, log_in, caseworker_jiefang
):
    # Monday 10:00 in the loaded calendar: due at the end of Thursday. The clock keeps ticking.
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
    Office.objects.filter(pk=caseworker_jiefang.office_id).update(phone="0391-1234567")

    page.goto("/login/")
    page.get_by_role("link", name="网上申请失业登记").click()

    expect(page).to_have_url("/apply/")
    expect(page.get_by_role("heading", level=1)).to_have_text("网上申请失业登记")
    expect(page.get_by_label("证件类型")).to_be_focused()
    expect(page.get_by_label("证件类型")).to_have_value("01")
    expect(page.locator("input[type=file]")).to_have_count(0)
    expect(page.get_by_text("办理失业登记只需本人有效身份证件。")).to_be_visible()

    # Submitting without the commitment: the error is next to the checkbox and named.
    page.get_by_label("证件号码").fill(ID_NUMBER.lower())
    page.get_by_label("姓名").fill("张三")
    page.get_by_label("联系电话").fill("13812345678")
    page.get_by_label("居住地址").fill("焦作市解放区民主路1号")
    page.get_by_role("radio", name="常住地").check()
    page.get_by_label("登记地", exact=True).select_option(label="焦作市 · 解放区")
    page.get_by_label("离校未就业高校毕业生").check()
    page.get_by_label("毕业院校").fill("河南理工大学")
    page.get_by_label("毕业时间").fill("2026-06-30")
    page.get_by_role("button", name="提交申请").click()

    expect(page.get_by_role("alert")).to_contain_text("告知承诺")
    expect(page.locator("#id_commitment_accepted_error")).to_contain_text("告知承诺")
    expect(page.get_by_label("我已阅读并同意以上告知承诺")).to_be_focused()
    expect(page.get_by_label("姓名")).to_have_value("张三")  # nothing typed is lost
    screenshot(page, "commitment-missing")
    assert not Application.objects.exists()

    page.get_by_label("我已阅读并同意以上告知承诺").check()
    page.get_by_role("button", name="提交申请").click()

    expect(page).to_have_url("/apply/submitted/")
    application = Application.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("您的失业登记申请已提交")
    expect(page.locator("#application-number")).to_have_text(application.number)
    expect(page.locator("#due")).to_have_text("将于 2026年11月26日 前办结")
    expect(page.get_by_text("解放区公共就业服务中心")).to_be_visible()
    expect(page.get_by_text(ID_NUMBER)).to_have_count(0)
    assert application.channel == Application.Channel.ONLINE
    assert application.is_graduate and application.graduate_school == "河南理工大学"
    screenshot(page, "submitted")

    page.get_by_role("link", name="查询办理进度").click()

    expect(page).to_have_url(re.compile(r"/apply/status/\?number=SQ\d+$"))
    expect(page.get_by_label("申请编号")).to_have_value(application.number)
    expect(page.get_by_label("证件号码")).to_be_focused()
    page.get_by_label("证件号码").fill(ID_NUMBER)
    page.keyboard.press("Enter")

    expect(page.locator("#status")).to_have_text("待办理")
    progress = page.locator("#progress")
    expect(progress).to_contain_text(application.number)
    expect(progress).to_contain_text("将于 2026年11月26日 前办结")
    expect(progress).to_contain_text("解放区公共就业服务中心")
    expect(progress).to_contain_text("0391-1234567")
    screenshot(page, "progress")

    # A wrong ID number: the one generic answer, nothing about the application.
    page.get_by_label("证件号码").fill("410802197001010010")
    page.get_by_role("button", name="查询").click()

    expect(page.get_by_role("alert")).to_contain_text("未找到与申请编号和证件号码相符的申请")
    expect(page.locator("#progress")).to_have_count(0)
    expect(page.get_by_text("张三")).to_have_count(0)
    assert page_problems == []

    # The caseworker of 解放区 finds it in the worklist and registers it; the applicant then sees the result.
    staff = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", base_url=page.url.split("/apply")[0]
    )
    desk = staff.new_page()
    log_in(desk, caseworker_jiefang)
    desk.get_by_role("navigation", name="主导航").get_by_role("link", name="待办申请").click()
    desk.get_by_role("row").filter(has_text="张三").get_by_role("link", name=application.number).click()
    expect(desk.locator(".facts")).to_contain_text("网上申请")
    desk.get_by_role("button", name="办理失业登记").click()
    expect(desk.locator(".status")).to_have_text("已登记")
    staff.close()

    page.get_by_label("证件号码").fill(ID_NUMBER)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#status")).to_have_text("已登记")
    expect(page.locator("#progress")).to_contain_text(application.registration.number)
    assert page_problems == []
