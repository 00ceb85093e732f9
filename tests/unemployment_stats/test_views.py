"""The statistics pages: who may see them (anonymous → login, caseworker → 403, another region → 404), the report
page with its actions, the workbooks opened with openpyxl."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from offices.models import Region
from offices.roles import Role
from tests.conftest import make_staff
from unemployment_stats.models import MonthlyReport, UrbanEmployed
from unemployment_stats.periods import Period
from unemployment_stats.services import report_compute, report_finalise

from .factories import fixture_city, person, registration

pytestmark = pytest.mark.django_db
NOV = {"code": "410800", "year": 2026, "month": 11}


@pytest.fixture
def city(ops_jiaozuo):
    fixture_city(ops_jiaozuo)
    UrbanEmployed.objects.create(
        region_id="410802", year=2026, month=11, employed=994, entered_by=ops_jiaozuo
    )
    UrbanEmployed.objects.create(
        region_id="410825", year=2025, month=12, employed=199, entered_by=ops_jiaozuo
    )
    UrbanEmployed.objects.create(
        region_id="410800", year=2026, month=11, employed=9993, entered_by=ops_jiaozuo
    )
    return Region.objects.get(code="410800")


@pytest.fixture
def report(city):
    return report_compute(region=city, period=Period(2026, 11))


@pytest.fixture
def supervisor_wenxian(office_wenxian):
    return make_staff("sup_wenxian", office_wenxian, Role.SUPERVISOR, handler_name="吴主管")


GET_PAGES = [
    ("unemployment_stats:index", {}),
    ("unemployment_stats:cleaning", {}),
    ("unemployment_stats:report", NOV),
    ("unemployment_stats:report_xlsx", NOV),
    ("unemployment_stats:detail_xlsx", NOV),
    ("unemployment_stats:business_xlsx", NOV),
]
POST_PAGES = [
    ("unemployment_stats:compute", NOV),
    ("unemployment_stats:finalise", NOV),
    ("unemployment_stats:replace", NOV),
]
REGION_PAGES = [name for name, kwargs in GET_PAGES + POST_PAGES if kwargs]


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        *GET_PAGES,
        *POST_PAGES,
        ("unemployment_stats:urban_employed", {}),
        ("unemployment_stats:callback", {}),
    ],
)
def test_anonymous_users_are_sent_to_sign_in(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        *GET_PAGES,
        *POST_PAGES,
        ("unemployment_stats:urban_employed", {}),
        ("unemployment_stats:callback", {}),
    ],
)
def test_caseworkers_may_not_see_the_statistics(client, caseworker_jiefang, report, name, kwargs):
    client.force_login(caseworker_jiefang)
    response = (
        client.post(reverse(name, kwargs=kwargs))
        if (name, kwargs) in POST_PAGES
        else client.get(reverse(name, kwargs=kwargs))
    )
    assert response.status_code == 403


def test_ops_may_not_take_the_callback_sample_and_supervisors_may_not_enter_urban_employed(
    client, ops_jiaozuo, supervisor_jiaozuo
):
    client.force_login(ops_jiaozuo)
    assert client.get(reverse("unemployment_stats:callback")).status_code == 403
    client.force_login(supervisor_jiaozuo)
    assert client.get(reverse("unemployment_stats:urban_employed")).status_code == 403


@pytest.mark.parametrize("name", REGION_PAGES)
def test_another_regions_report_answers_404(client, supervisor_wenxian, report, name):
    client.force_login(supervisor_wenxian)
    url = reverse(name, kwargs=NOV)
    response = (
        client.post(url) if "xlsx" not in name and name != "unemployment_stats:report" else client.get(url)
    )
    assert response.status_code == 404


def test_the_index_refuses_another_region(client, supervisor_wenxian):
    client.force_login(supervisor_wenxian)
    assert client.get(reverse("unemployment_stats:index"), {"region": "410802"}).status_code == 404


def test_a_post_page_refuses_get(client, supervisor_jiaozuo, report):
    client.force_login(supervisor_jiaozuo)
    assert client.get(reverse("unemployment_stats:finalise", kwargs=NOV)).status_code == 405


def test_the_report_page_shows_the_rows_totals_and_rural_apart(client, supervisor_jiaozuo, report):
    client.force_login(supervisor_jiaozuo)
    page = client.get(reverse("unemployment_stats:report", kwargs=NOV)).content.decode()
    assert 'id="row-410802"' in page and 'id="row-total"' in page and 'id="rural"' in page
    assert "0.60" in page and "0.07" in page
    assert "全国平台转办：1" in page and "大学本科：" in page
    assert 'id="year-end-note"' in page


def test_the_index_shows_the_trend_as_inline_svg(client, supervisor_jiaozuo, report):
    client.force_login(supervisor_jiaozuo)
    page = client.get(reverse("unemployment_stats:index")).content.decode()
    assert page.count("<svg") == 4
    assert "11月：7人" in page  # the chart's text alternative
    assert "http://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace("http://www.w3.org", "")


def test_supervisor_finalises_then_a_recompute_shows_differences_and_replacing_is_recorded(
    client, supervisor_jiaozuo, ops_jiaozuo, report
):
    client.force_login(ops_jiaozuo)
    client.post(reverse("unemployment_stats:finalise", kwargs=NOV))
    assert MonthlyReport.objects.get(pk=report.pk).status == MonthlyReport.Status.FINAL
    registration(person("补", born=date(1990, 1, 1)), ops_jiaozuo, on=date(2026, 11, 3))
    client.post(reverse("unemployment_stats:compute", kwargs=NOV))
    page = client.get(reverse("unemployment_stats:report", kwargs=NOV)).content.decode()
    assert 'id="pending"' in page and "合计 · 期末登记失业人数" in page
    assert client.post(reverse("unemployment_stats:replace", kwargs=NOV), {"reason": "x"}).status_code == 403
    client.force_login(supervisor_jiaozuo)
    response = client.post(reverse("unemployment_stats:replace", kwargs=NOV), {"reason": ""})
    assert response.status_code == 400
    assert "替换原因" in response.content.decode()
    response = client.post(reverse("unemployment_stats:replace", kwargs=NOV), {"reason": "补录漏登记"})
    assert response.status_code == 302
    assert MonthlyReport.objects.get(pk=report.pk).figures["total"]["registered"] == 8


def test_computing_an_open_period_says_why_not(client, supervisor_jiaozuo, city):
    client.force_login(supervisor_jiaozuo)
    url = reverse("unemployment_stats:compute", kwargs={**NOV, "month": 12})
    response = client.post(url, follow=True)
    assert "尚未结束" in response.content.decode()
    assert not MonthlyReport.objects.exists()


def _book(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_the_report_workbook_is_the_official_form_with_headers_totals_and_a_region_row(
    client, supervisor_jiaozuo, ops_jiaozuo, report
):
    report_finalise(report=report, user=ops_jiaozuo)
    client.force_login(supervisor_jiaozuo)
    book = _book(client.get(reverse("unemployment_stats:report_xlsx", kwargs=NOV)))
    sheet = book["月报表"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "登记失业人员情况月报表"
    assert (
        rows[1][0] == "填报单位：焦作市"
        and "2026-10-21至2026-11-20" in rows[1][2]
        and rows[1][6] == "计量单位：人"
    )
    header = rows[3]
    assert header[:4] == ("行政区划代码", "地区", "期末登记失业人数", "其中：女性")
    jiefang = next(r for r in rows if r[0] == "410802")
    col = {name: i for i, name in enumerate(header)}
    assert jiefang[col["期末登记失业人数"]] == 6
    assert jiefang[col["其中：女性"]] == 3
    assert jiefang[col["本期注销人数"]] == 2
    assert jiefang[col["登记失业率（%）"]] == "0.60"
    total = next(r for r in rows if r[1] == "合计")
    assert (total[col["期末登记失业人数"]], total[col["本期新登记人数"]], total[col["登记失业率（%）"]]) == (
        7,
        1,
        "0.07",
    )
    assert any(r[0] == "填表人：孙运维" for r in rows)
    assert any(r[0] == "410821" and r[2] == 1 for r in rows)  # the rural region apart
    assert book["注销原因"]["A1"].value == "地区"


def test_the_detail_workbook_lists_the_people_behind_the_numbers_masked(client, supervisor_jiaozuo, report):
    client.force_login(supervisor_jiaozuo)
    book = _book(client.get(reverse("unemployment_stats:detail_xlsx", kwargs=NOV)))
    stock = list(book["期末登记失业人员"].iter_rows(values_only=True))
    assert stock[0][:3] == ("登记编号", "姓名", "证件号码")
    # 7 urban + 1 rural (marked), one row for the person with two registrations.
    assert len(stock) - 1 == 8
    assert all("*" in row[2] for row in stock[1:])
    assert [row[1] for row in stock[1:]].count("子") == 1
    assert len(list(book["本期新登记"].iter_rows())) - 1 == 1
    exits = list(book["本期注销"].iter_rows(values_only=True))
    assert sorted(row[6] for row in exits[1:]) == ["11", "21"]


def test_the_business_workbook_has_a_row_per_region_and_the_total(client, supervisor_jiaozuo, report):
    client.force_login(supervisor_jiaozuo)
    book = _book(client.get(reverse("unemployment_stats:business_xlsx", kwargs=NOV)))
    rows = list(book["业务报表"].iter_rows(values_only=True))
    assert rows[0][0] == "失业登记业务月报表"
    assert rows[2][:3] == ("行政区划代码", "地区", "受理申请")
    total = next(r for r in rows if r[1] == "合计")
    assert total[rows[2].index("注销合计")] == 1  # E's effective exit (L was imported, not a business act)
    assert any(r[0] == "410825" for r in rows)


def test_ops_enter_urban_employed_with_a_clear_message_for_bad_input(client, ops_jiaozuo):
    client.force_login(ops_jiaozuo)
    url = reverse("unemployment_stats:urban_employed")
    response = client.post(url, {"region": "410802", "period": "2026-13", "employed": "-1"})
    page = response.content.decode()
    assert response.status_code == 200 and "报告月份应为" in page
    assert not UrbanEmployed.objects.exists()
    response = client.post(url, {"region": "410802", "period": "2026-11", "employed": "994"})
    assert response.status_code == 302
    assert UrbanEmployed.objects.get().employed == 994
    response = client.post(
        url, {"region": "410101", "period": "2026-11", "employed": "5"}
    )  # 郑州: not in scope
    assert response.status_code == 200 and UrbanEmployed.objects.count() == 1


def test_the_callback_sample_is_reproducible_with_its_seed_and_masked(client, supervisor_jiaozuo, city):
    client.force_login(supervisor_jiaozuo)
    url = reverse("unemployment_stats:callback")

    def draw(seed):
        sheet = _book(client.post(url, {"size": "4", "seed": str(seed)}))["回访样本"]
        return list(sheet.iter_rows(values_only=True))

    first, again, other = draw(7), draw(7), draw(8)
    assert first[0] == ("序号", "姓名", "证件号码", "联系电话", "经办机构", "登记地", "登记日期")
    assert len(first) == 5 and first == again
    assert all("*" in row[2] for row in first[1:])
    assert [r[1] for r in first[1:]] != [r[1] for r in other[1:]] or len(first) < 5
    response = client.post(url, {"size": "0", "seed": "x"})
    assert response.status_code == 200 and "样本量" in response.content.decode()


def test_the_index_reads_a_fixed_number_of_queries_however_many_reports(
    client, supervisor_jiaozuo, city, django_assert_max_num_queries
):
    from unemployment_stats.models import DueDate

    client.force_login(supervisor_jiaozuo)
    report_compute(region=city, period=Period(2026, 11))
    client.get(reverse("unemployment_stats:index"))  # warm the session and caches
    with django_assert_max_num_queries(15) as one:
        client.get(reverse("unemployment_stats:index"))
    for month in range(1, 11):
        report_compute(region=city, period=Period(2026, month))
    DueDate.objects.create(year=2026, month=9, due_on=date(2026, 10, 9))
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("unemployment_stats:index")).content.decode()
    assert "2026-10-09" in page


def test_a_superuser_without_an_office_sees_the_province(client, office_jiaozuo, report):
    from offices.models import User

    admin = User.objects.create_superuser("root", password="x-12345-long")
    client.force_login(admin)
    page = client.get(reverse("unemployment_stats:index")).content.decode()
    assert "河南省" in page
