"""Personas shared by every test (HC-style alice/bob/charlie): staff of the Jiaozuo demo offices.

The test database is real PostgreSQL (scripts/devstack.py starts it); regions, code tables and the
working-day calendar come from the data migrations, exactly as in production.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from offices.models import Office, User
from offices.roles import Role

PASSWORD = "s3cret-pass-123"


def make_staff(username: str, office: Office | None, *roles: str, **extra) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        office=office,
        handler_name=extra.pop("handler_name", username[:20]),
        **extra,
    )
    user.groups.set(Group.objects.filter(name__in=[str(r) for r in roles]))
    return user


@pytest.fixture
def office_jiefang(db) -> Office:
    return Office.objects.create(code="T410802", name="解放区公共就业服务中心", region_id="410802")


@pytest.fixture
def office_wenxian(db) -> Office:
    return Office.objects.create(code="T410825", name="温县公共就业服务中心", region_id="410825")


@pytest.fixture
def office_jiaozuo(db) -> Office:
    return Office.objects.create(code="T410800", name="焦作市公共就业服务中心", region_id="410800")


@pytest.fixture
def caseworker_jiefang(office_jiefang) -> User:
    return make_staff("cw_jiefang", office_jiefang, Role.CASEWORKER, handler_name="李经办")


@pytest.fixture
def caseworker_wenxian(office_wenxian) -> User:
    return make_staff("cw_wenxian", office_wenxian, Role.CASEWORKER, handler_name="王经办")


@pytest.fixture
def supervisor_jiaozuo(office_jiaozuo) -> User:
    return make_staff("sup_jiaozuo", office_jiaozuo, Role.SUPERVISOR, handler_name="赵主管")


@pytest.fixture
def ops_jiaozuo(office_jiaozuo) -> User:
    return make_staff("ops_jiaozuo", office_jiaozuo, Role.OPS, handler_name="孙运维", is_staff=True)
