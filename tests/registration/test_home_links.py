"""Home pages are no dead ends: every number of the intake panel links to the list it counts, and the role
cards link to the pages of that role."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from registration.models import Application

from .factories import person_data, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(caseworker_jiefang, caseworker_wenxian, office_jiefang, office_wenxian):
    """Two applications in 解放区 (one overdue), one in 温县."""
    late = submit(user=caseworker_jiefang, person=person_data(name="逾期人"))
    Application.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    submit(user=caseworker_jiefang, person=person_data(name="按时人"))
    submit(user=caseworker_wenxian, region="410825", person=person_data(name="温县人"))
    return late


def test_each_number_of_the_supervisors_panel_links_to_its_list(
    client, supervisor_jiaozuo, office_jiefang, pending
):
    client.force_login(supervisor_jiaozuo)
    html = client.get(reverse("home")).content.decode()
    worklist = reverse("registration:worklist")
    assert f'href="{worklist}?due=overdue"' in html and f'href="{worklist}?due=today"' in html
    office_link = f'href="{worklist}?office={office_jiefang.pk}&amp;due=overdue"'
    assert office_link in html

    listed = client.get(worklist, {"office": office_jiefang.pk, "due": "overdue"}).content.decode()
    assert "逾期人" in listed and "按时人" not in listed and "温县人" not in listed
    assert "解放区公共就业服务中心</span>" in listed  # the filter is named on the page
    everything = client.get(worklist).content.decode()
    assert "逾期人" in everything and "按时人" in everything and "温县人" in everything


def test_a_caseworker_cannot_list_another_countys_office_through_the_filter(
    client, caseworker_jiefang, office_wenxian, pending
):
    client.force_login(caseworker_jiefang)
    listed = client.get(reverse("registration:worklist"), {"office": office_wenxian.pk}).content.decode()
    assert "温县人" not in listed


def test_the_caseworker_card_links_to_the_caseworkers_pages(client, caseworker_jiefang):
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("home")).content.decode()
    card = html[html.index('id="panel-caseworker"') :]
    assert f'<a href="{reverse("registration:application_new")}">窗口受理</a>' in card
