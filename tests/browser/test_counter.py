"""A caseworker at the counter in a real browser: a walk-in person from ID check to registration, and the
decision on an application that arrived online."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from registration.models import Application, Registration
from tests.registration.factories import citizen_id, person_data, submit


def test_it_registers_a_walk_in_person_end_to_end(
    page: Page, log_in, caseworker_jiefang, office_jiefang, page_problems, screenshot
):
    number = citizen_id()
    log_in(page, caseworker_jiefang)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="窗口受理").click()

    # Step 1: the identity document, by keyboard.
    expect(page.get_by_label("证件号码")).to_be_focused()
    page.keyboard.type(number)
    page.keyboard.press("Enter")

    # Step 2: the application; only name, basis, region and the commitment are needed.
    expect(page.get_by_role("heading", name="第二步：填写申请")).to_be_visible()
    expect(page.locator("input[type=file]")).to_have_count(0)
    page.get_by_label("姓名").fill("周八")
    page.get_by_label("联系电话").fill("13600000008")
    page.get_by_label("常住地", exact=True).check()
    page.get_by_label("申请人已阅读并签署告知承诺书").check()
    screenshot(page, "form")
    page.get_by_role("button", name="受理申请").click()

    application = Application.objects.get(person__id_number=number)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"失业登记申请 {application.number}")
    expect(page.get_by_role("status")).to_contain_text("已受理失业登记申请")
    expect(page.locator(".facts")).to_contain_text(application.person.masked_id_number)

    page.get_by_role("button", name="办理失业登记").click()
    registration = Registration.objects.get(person__id_number=number)
    expect(page.get_by_role("status")).to_contain_text(f"登记编号 {registration.number}")
    expect(page.locator(".status")).to_have_text("已登记")
    screenshot(page, "registered")

    page.get_by_role("link", name="周八").click()
    expect(page.locator(".timeline")).to_contain_text(f"登记失业 {registration.number}")
    assert page_problems == []


def test_it_decides_an_online_application_from_the_worklist(
    page: Page, log_in, caseworker_jiefang, office_jiefang, page_problems
):
    application = submit(channel=Application.Channel.ONLINE, person=person_data(name="吴九"))
    log_in(page, caseworker_jiefang)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="待办申请").click()
    row = page.get_by_role("row").filter(has_text="吴九")
    expect(row).to_contain_text("网上申请")
    row.get_by_role("link", name=application.number).click()

    page.get_by_label("不予登记原因").select_option(label="本人表示暂无就业需求")
    page.get_by_role("button", name="确认不予登记", exact=True).click()

    expect(page.locator(".status")).to_have_text("不予登记")
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert application.decided_by == caseworker_jiefang
    assert page_problems == []
