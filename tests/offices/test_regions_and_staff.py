"""Regions (GB/T 2260 tree), role groups and the staff handler name (AAE011)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from offices.models import Region, User
from offices.roles import Role

pytestmark = pytest.mark.django_db


def test_it_seeds_henan_jiaozuo_and_its_counties_as_a_tree():
    jiaozuo = Region.objects.get(code="410800")
    assert jiaozuo.name == "焦作市" and jiaozuo.level == Region.Level.CITY
    assert jiaozuo.parent.code == "410000"
    counties = set(jiaozuo.children.values_list("code", flat=True))
    assert {
        "410802",
        "410803",
        "410804",
        "410811",
        "410821",
        "410822",
        "410823",
        "410825",
        "410882",
        "410883",
    } <= counties
    assert Region.objects.get(code="410825").path == "410000/410800/410825/"


def test_it_knows_county_level_regions_all_over_china():
    assert Region.objects.filter(level=Region.Level.COUNTY).count() > 2800
    assert Region.objects.get(code="110105").name == "朝阳区"  # 户籍地 in Beijing
    assert Region.objects.get(code="440305").name == "南山区"
    assert Region.objects.get(code="440305").is_within(Region.objects.get(code="440000"))


def test_it_rejects_a_region_code_that_is_not_six_digits():
    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(code="4108", name="坏代码", level=Region.Level.COUNTY, parent_id="410800")


def test_it_gives_users_their_roles_through_groups(caseworker_jiefang, supervisor_jiaozuo):
    assert caseworker_jiefang.has_role(Role.CASEWORKER)
    assert not caseworker_jiefang.has_role(Role.SUPERVISOR)
    assert supervisor_jiaozuo.roles == {"supervisor"}
    assert caseworker_jiefang.role_labels == ["经办人"]


@pytest.mark.parametrize("name", ["李 经办", "李\u3000经办", "李\t经办"])
def test_it_refuses_a_handler_name_with_spaces(office_jiefang, name):
    user = User(username="x", office=office_jiefang, handler_name=name)
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "不能含有半角或全角空格" in exc.value.message_dict["handler_name"][0]
    user.set_password("x-pass-12345")
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()  # the database refuses it too, whoever writes


def test_it_limits_the_handler_name_to_twenty_characters(office_jiefang):
    user = User(username="y", office=office_jiefang, handler_name="经" * 21, password="x")
    with pytest.raises(ValidationError) as exc:
        user.full_clean()
    assert "handler_name" in exc.value.message_dict
