"""The national platform exchange's ops page in a real browser: a parked national application with its reason,
retried by keyboard after the cause is fixed, becoming one application."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from national_sync.applications import national_application_take
from national_sync.exchange_models import NationalApplication
from registration.models import Application
from tests.registration.factories import citizen_id


def test_ops_find_a_parked_national_application_and_retry_it(
    page: Page, log_in, ops_jiaozuo, office_jiefang, page_problems
):
    item = {
        "QGSQBH": "QG-BROWSER-1",
        "SQSJ": "2026-11-20T09:15:00+08:00",
        "AAB301": "410802",
        "DJDLX": "2",
        "AAC058": "01",
        "AAC044": citizen_id(seq=555),
        "AAC003": "钱多",
        "CNBZ": "0",
    }
    assert national_application_take(item=item) == "parked"
    row = NationalApplication.objects.get(number="QG-BROWSER-1")

    log_in(page, ops_jiaozuo)
    page.get_by_role("link", name="全国平台数据交换").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("全国平台数据交换")
    parked = page.locator(f"#parked-{row.pk}")
    expect(parked).to_contain_text("QG-BROWSER-1")
    expect(parked).to_contain_text("CNBZ")  # the reason names the field
    expect(parked).not_to_contain_text(item["AAC044"])  # masked

    # The platform corrected the record (the applicant accepted the commitment): retry by keyboard.
    NationalApplication.objects.filter(pk=row.pk).update(payload={**item, "CNBZ": "1"})
    parked.get_by_role("button", name="重新处理").focus()
    page.keyboard.press("Enter")

    expect(page.locator("body")).to_contain_text("已转为失业登记申请")
    application = Application.objects.get(national_application_number="QG-BROWSER-1")
    expect(page.locator("body")).to_contain_text(application.number)
    expect(page.locator(f"#parked-{row.pk}")).to_have_count(0)
    assert application.channel == Application.Channel.NATIONAL
    assert page_problems == []
