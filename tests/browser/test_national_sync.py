"""Ops watch the daily upload in a real browser: a record the platform rejected shows with its reason, is resent
after the fix and then shows as received with its receipt."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from national_sync.models import ExitUpload
from national_sync.services import upload_exits
from tests.national_sync.conftest import simulator, simulator_process  # noqa: F401  (fixtures)
from tests.national_sync.factories import effective_exits


def test_ops_see_a_rejected_record_with_the_platforms_reason_and_resend_it_after_the_fix(
    page: Page,
    log_in,
    ops_jiaozuo,
    caseworker_jiefang,
    simulator,  # noqa: F811  (the fixture imported above)
    page_problems,
):
    (exit,) = effective_exits(caseworker_jiefang, 1)
    simulator.arm(reject={exit.serial: "平台：该人员信息与全国库不一致"})
    upload_exits()
    log_in(page, ops_jiaozuo)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="部级平台上传").click()
    expect(page.locator("#platform-health")).to_contain_text("部级平台连接正常")
    page.locator("#status-tabs").get_by_role("link", name="平台退回（1）").click()
    row = page.get_by_role("row").filter(has_text=exit.serial)
    expect(row).to_contain_text("平台：该人员信息与全国库不一致")
    expect(row).not_to_contain_text(exit.id_number)

    simulator.arm(unreject=[exit.serial])  # the source was fixed
    row.get_by_role("button", name="修改后重新上传").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("已重新排队")
    expect(page.get_by_role("row").filter(has_text=exit.serial)).to_be_visible()

    upload_exits()
    page.reload()
    page.locator("#status-tabs").get_by_role("link", name="已接收（1）").click()
    receipt = ExitUpload.objects.get().receipt
    expect(page.get_by_role("row").filter(has_text=exit.serial)).to_contain_text(receipt)
    assert page_problems == []
