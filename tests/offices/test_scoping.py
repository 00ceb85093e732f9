"""Region scoping: an office sees its region and below; a city supervisor sees all its counties."""

import pytest
from django.http import Http404

from offices.models import Office, Region, User
from offices.scoping import can_see_region, get_in_scope_or_404, scope_by_region, visible_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices(office_jiefang, office_wenxian, office_jiaozuo):
    return office_jiefang, office_wenxian, office_jiaozuo


def test_it_lets_a_jiefang_caseworker_see_jiefang_but_not_wenxian(offices, caseworker_jiefang):
    jiefang, wenxian, _ = offices
    visible = scope_by_region(Office.objects.all(), caseworker_jiefang)
    assert jiefang in visible
    assert wenxian not in visible
    with pytest.raises(Http404):
        get_in_scope_or_404(Office.objects.all(), caseworker_jiefang, pk=wenxian.pk)
    assert get_in_scope_or_404(Office.objects.all(), caseworker_jiefang, pk=jiefang.pk) == jiefang


def test_it_does_not_let_a_county_caseworker_see_the_city_office(offices, caseworker_jiefang):
    _, _, city = offices
    assert city not in scope_by_region(Office.objects.all(), caseworker_jiefang)


def test_it_lets_the_jiaozuo_supervisor_see_every_county_of_the_city(offices, supervisor_jiaozuo):
    jiefang, wenxian, city = offices
    visible = set(scope_by_region(Office.objects.all(), supervisor_jiaozuo))
    assert {jiefang, wenxian, city} <= visible
    regions = set(visible_regions(supervisor_jiaozuo).values_list("code", flat=True))
    assert {"410800", "410802", "410825", "410883"} <= regions
    assert "410100" not in regions  # 郑州市 is another city


def test_it_keeps_the_supervisor_out_of_other_cities(offices, supervisor_jiaozuo):
    zhengzhou = Office.objects.create(code="T410102", name="中原区公共就业服务中心", region_id="410102")
    assert zhengzhou not in scope_by_region(Office.objects.all(), supervisor_jiaozuo)
    assert not can_see_region(supervisor_jiaozuo, Region.objects.get(code="410102"))
    assert can_see_region(supervisor_jiaozuo, Region.objects.get(code="410825"))


def test_it_scopes_through_a_related_region_field(offices, caseworker_jiefang, caseworker_wenxian):
    staff = scope_by_region(User.objects.all(), caseworker_jiefang, field="office__region")
    assert caseworker_jiefang in staff
    assert caseworker_wenxian not in staff


def test_it_shows_nothing_to_a_user_without_an_office(offices):
    nobody = User.objects.create_user(username="nobody", password="x-12345678")
    assert not scope_by_region(Office.objects.all(), nobody).exists()
    assert not visible_regions(nobody).exists()


def test_it_shows_nothing_once_the_office_is_deactivated(offices, caseworker_jiefang):
    jiefang = offices[0]
    jiefang.is_active = False
    jiefang.save()
    caseworker_jiefang.refresh_from_db()
    assert not scope_by_region(Office.objects.all(), caseworker_jiefang).exists()


def test_it_shows_everything_to_a_superuser(offices):
    root = User.objects.create_superuser(username="root", password="x-12345678")
    assert scope_by_region(Office.objects.all(), root).count() == Office.objects.count()
