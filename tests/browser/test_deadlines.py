"""The deadline dashboard and the ops page in a real browser, at 1366×768: a city supervisor opens the dashboard,
drills into the overdue first contacts of one office and exports them; an ops user runs a job now and sees the run
recorded under their name."""

from __future__ import annotations

import io
import time
from datetime import timedelta

from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from common.models import JobRun
from deadlines.services import clock_loads_refresh
from tests.followup.factories import case_of, registered


def test_a_supervisor_drills_into_the_overdue_first_contacts_of_one_office_and_exports_them(
    page: Page,
    log_in,
    supervisor_jiaozuo,
    caseworker_jiefang,
    caseworker_wenxian,
    office_jiefang,
    office_wenxian,
    page_problems,
    screenshot,
):
    page.set_viewport_size({"width": 1366, "height": 768})
    long_ago = timezone.now() - timedelta(days=20)
    jiefang = registered(caseworker_jiefang, name="王逾期", at=long_ago)
    wenxian = registered(caseworker_wenxian, region="410825", name="李温县", at=long_ago)
    for registration in (jiefang, wenxian):
        case_of(registration)
    clock_loads_refresh()  # the job deadlines.load (every 5 minutes)
    log_in(page, supervisor_jiaozuo)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="时限看板").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("时限看板 · 焦作市")
    offices = page.locator("#by-office")
    expect(offices).to_contain_text("解放区公共就业服务中心")
    expect(offices).to_contain_text("温县公共就业服务中心")
    screenshot(page, "dashboard")
    # The table fits the 1366-pixel screen: no horizontal scrolling of the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366

    overdue = page.locator(f"#office-{office_jiefang.pk} a[data-clock='followup.first_contact'][data-state='overdue']")
    expect(overdue).to_have_text("1")
    overdue.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("首次联系 · 焦作市")
    expect(page.locator("#filter-office")).to_have_text("解放区公共就业服务中心")
    items = page.locator("#clock-items")
    expect(items).to_contain_text("王逾期")
    expect(items).not_to_contain_text("李温县")
    expect(items).not_to_contain_text(jiefang.person.id_number)  # masked in the list

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 xlsx").click()
    content = open(download.value.path(), "rb").read()
    rows = list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["王逾期"]
    assert jiefang.person.id_number not in str(rows)
    assert page_problems == []


def test_an_ops_user_runs_a_job_now_and_sees_the_run(
    page: Page, log_in, ops_jiaozuo, page_problems, screenshot, celery_worker
):
    """"Run now" queues the job for a real Celery worker; the run appears on the page as the ops user's."""
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, ops_jiaozuo)
    page.locator("#panel-ops").get_by_role("link", name="定时任务", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("定时任务")
    job = page.locator("#job-deadlinesrates")
    expect(job).to_contain_text("每小时")
    expect(job).to_contain_text("尚无运行记录")
    job.get_by_role("link", name="立即运行").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("立即运行定时任务")
    confirm = page.get_by_role("button", name="确认运行")
    expect(confirm).to_be_focused()
    confirm.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("任务 deadlines.rates 已提交后台运行")
    deadline = time.monotonic() + 30
    while not JobRun.objects.filter(job="deadlines.rates", finished_at__isnull=False).exists():
        assert time.monotonic() < deadline, "the worker did not run the job"
        time.sleep(0.3)
    page.reload()
    run_row = page.locator("#job-deadlinesrates table tbody tr").first
    expect(run_row).to_contain_text("成功")
    expect(run_row).to_contain_text("工作人员：孙运维")
    screenshot(page, "ops-jobs")
    run = JobRun.objects.get(job="deadlines.rates")
    assert run.triggered_by == ops_jiaozuo and run.trigger == JobRun.Trigger.USER
    assert page_problems == []
