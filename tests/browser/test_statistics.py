"""A supervisor produces, checks and submits the month's statistics in a real browser (notice 三 十): the
statistics page, the report computed by hand, the hand-computed numbers of the fixture, the submission; then a
correction only shows as a difference that the supervisor decides to take."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from tests.unemployment_stats.factories import fixture_city, person, registration
from unemployment_stats.models import MonthlyReport, UrbanEmployed


def test_a_supervisor_computes_checks_finalises_and_replaces_a_monthly_report(
    page: Page, log_in, supervisor_jiaozuo, ops_jiaozuo, page_problems, screenshot
):
    fixture_city(ops_jiaozuo)
    UrbanEmployed.objects.create(
        region_id="410800", year=2026, month=11, employed=9993, entered_by=ops_jiaozuo
    )
    log_in(page, supervisor_jiaozuo)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="统计月报").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("统计月报")
    expect(page.locator("svg.trend")).to_have_count(4)

    page.goto("/statistics/410800/2026-11/")
    expect(page.locator("#not-computed")).to_be_visible()
    page.get_by_role("button", name="计算暂定数据").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("已计算暂定数据")
    registered = page.locator("#row-total td").first
    expect(registered).to_have_text("7")
    expect(page.locator("#row-total")).to_contain_text("0.07")
    expect(page.locator("#row-410802 td").first).to_have_text("6")
    expect(page.locator("#rural")).to_contain_text("修武县")
    screenshot(page, "provisional")

    page.get_by_role("button", name="定稿上报").click()
    expect(page.locator("#status")).to_contain_text("已定稿上报")

    registration(person("补", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 11, 3))  # a late correction
    page.get_by_role("button", name="重新计算").click()
    expect(page.get_by_role("status")).to_contain_text("已上报的数据不变")
    expect(registered).to_have_text("7")  # what was submitted
    expect(page.locator("#pending")).to_contain_text("合计 · 期末登记失业人数")
    page.get_by_label("替换原因").fill("补录漏登记的人员")
    page.get_by_role("button", name="用重新计算的结果替换").click()
    expect(page.get_by_role("status")).to_contain_text("已用重新计算的结果替换")
    expect(registered).to_have_text("8")
    report = MonthlyReport.objects.get(region_id="410800", year=2026, month=11)
    assert report.replacements.get().reason == "补录漏登记的人员"
    assert page_problems == []
