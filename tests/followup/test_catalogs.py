"""The service list and the policy list are kept by administrators in the admin site, and by nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from followup.models import Policy, Service
from offices.roles import Role
from portal.roles import sync_roles
from tests.conftest import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(office_jiaozuo):
    sync_roles()
    return make_staff("admin_jz", office_jiaozuo, Role.ADMINISTRATOR, handler_name="钱管理", is_staff=True)


POLICY = {
    "name": "一次性创业补贴",
    "summary": "首次创办小微企业并正常经营1年以上的，给予一次性补贴",
    "provider": "人社局",
    "active": "on",
    "for_graduates": "on",
}


def test_an_administrator_adds_and_changes_a_policy_in_the_admin(client, administrator):
    client.force_login(administrator)
    response = client.post(reverse("admin:followup_policy_add"), POLICY)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = Policy.objects.get(name="一次性创业补贴")
    assert policy.for_graduates and not policy.requires_difficulty
    assert client.get(reverse("admin:followup_service_changelist")).status_code == 200
    service = Service.objects.get(name="职业指导")
    change = reverse("admin:followup_service_change", args=[service.pk])
    assert client.get(change).status_code == 200
    # Nobody deletes an entry that records point to: it is made inactive.
    assert client.get(reverse("admin:followup_service_delete", args=[service.pk])).status_code == 403


def test_other_staff_cannot_edit_the_lists(client, ops_jiaozuo, caseworker_jiefang, supervisor_jiaozuo):
    sync_roles()
    client.force_login(ops_jiaozuo)  # staff of the admin site, without the permission
    assert client.get(reverse("admin:followup_policy_add")).status_code == 403
    assert client.post(reverse("admin:followup_policy_add"), POLICY).status_code == 403
    for user in (caseworker_jiefang, supervisor_jiaozuo):  # no admin site at all
        client.force_login(user)
        response = client.post(reverse("admin:followup_policy_add"), POLICY)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert not user.has_perm("followup.add_policy") and not user.has_perm("followup.change_service")
    assert not Policy.objects.exists()
