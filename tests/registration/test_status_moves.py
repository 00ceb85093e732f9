"""The allowed moves of each status of stage 1 (STYLE.md §4), and the services that move them along their map."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CheckConstraint, Q
from django.urls import reverse
from django.utils import timezone

from common.transitions import Transitions
from registration import services
from registration.models import Application, BundleRequest, ImportBatch, Registration, RejectionReason

from .factories import submit

pytestmark = pytest.mark.django_db

MODELS = [Application, Registration, BundleRequest, ImportBatch]
B = BundleRequest.Status


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_status_has_its_map_and_groups_covering_every_state_once(model):
    assert isinstance(model.STATUS_MOVES, Transitions)
    assert model.STATUS_MOVES.states == tuple(model.Status.values)
    assert not set(model.OPEN_STATES) & set(model.TERMINAL_STATES)
    assert set(model.OPEN_STATES) | set(model.TERMINAL_STATES) == set(model.Status.values)


def test_the_maps_say_what_the_services_do():
    A, R, I = Application.Status, Registration.Status, ImportBatch.Status  # noqa: E741
    assert Application.STATUS_MOVES.targets(A.PENDING) == (A.REGISTERED, A.REJECTED, A.WITHDRAWN)
    assert Application.TERMINAL_STATES == (A.REGISTERED, A.REJECTED, A.WITHDRAWN)
    assert Registration.STATUS_MOVES.targets(R.ACTIVE) == (R.ENDED,)
    assert Registration.STATUS_MOVES.targets(R.ENDED) == (R.ACTIVE,)  # registration_reopen (exit cancelled)
    assert ImportBatch.STATUS_MOVES.targets(I.QUEUED) == (I.RUNNING,)
    assert ImportBatch.STATUS_MOVES.targets(I.RUNNING) == (I.QUEUED, I.DONE, I.FAILED)
    assert BundleRequest.STATUS_MOVES.targets(B.OPEN) == (B.IN_PROGRESS, B.DONE, B.DECLINED, B.CANCELLED)
    assert BundleRequest.STATUS_MOVES.targets(B.IN_PROGRESS) == (B.DONE, B.DECLINED, B.CANCELLED)
    assert BundleRequest.TERMINAL_STATES == (B.DONE, B.DECLINED, B.CANCELLED)


def _in_lists(model) -> dict[str, list]:
    """``{constraint name: the list of each ``field__in`` lookup in its condition}``."""

    def lists(q: Q):
        for child in q.children:
            if isinstance(child, Q):
                yield from lists(child)
            elif child[0].endswith("__in"):
                yield child[0], list(child[1])

    return {
        c.name: dict(lists(c.condition)) for c in model._meta.constraints if isinstance(c, CheckConstraint)
    }


def test_the_check_constraints_take_their_lists_from_the_enums():
    assert _in_lists(Application)["registration_application_status_valid"] == {
        "status__in": Application.Status.values
    }
    assert _in_lists(Application)["registration_application_rejection_reason_closed_list"] == {
        "rejection_reason__in": ["", *RejectionReason.values]
    }
    assert _in_lists(BundleRequest)["registration_bundlerequest_status_valid"] == {
        "status__in": BundleRequest.Status.values
    }
    assert _in_lists(ImportBatch)["registration_importbatch_status_valid"] == {
        "status__in": ImportBatch.Status.values
    }


def _bundle(caseworker, status: str = B.OPEN) -> BundleRequest:
    registration = services.application_register(application=submit(user=caseworker), user=caseworker)
    request = services.bundle_request_open(registration=registration, kind="dibao", user=caseworker)
    if status != B.OPEN:
        BundleRequest.objects.filter(pk=request.pk).update(status=status)
        request.refresh_from_db()
    return request


def test_a_status_outside_the_list_is_refused_by_the_database(caseworker_jiefang, office_jiefang):
    request = _bundle(caseworker_jiefang)
    with pytest.raises(IntegrityError), transaction.atomic():
        BundleRequest.objects.filter(pk=request.pk).update(status="reopened")


# ---- the bundle moves along its map -------------------------------------------------------------------
def test_a_bundle_request_moves_forward_with_its_note(caseworker_jiefang, office_jiefang):
    request = _bundle(caseworker_jiefang)
    request = services.bundle_request_set_status(
        request=request, user=caseworker_jiefang, status=B.IN_PROGRESS, note="已转民政"
    )
    assert (request.status, request.note) == (B.IN_PROGRESS, "已转民政")
    request = services.bundle_request_set_status(request=request, user=caseworker_jiefang, status=B.DONE)
    assert (request.status, request.note) == (B.DONE, "已转民政")  # no note given: the note stays


def test_the_same_status_again_changes_only_the_note(caseworker_jiefang, office_jiefang):
    request = _bundle(caseworker_jiefang, B.IN_PROGRESS)
    request = services.bundle_request_set_status(
        request=request, user=caseworker_jiefang, status=B.IN_PROGRESS, note="等待审核"
    )
    assert (request.status, request.note) == (B.IN_PROGRESS, "等待审核")


def test_a_bundle_request_does_not_move_back(caseworker_jiefang, office_jiefang):
    request = _bundle(caseworker_jiefang, B.IN_PROGRESS)
    with pytest.raises(ValidationError) as exc:
        services.bundle_request_set_status(request=request, user=caseworker_jiefang, status=B.OPEN)
    assert exc.value.message_dict == {"status": ["该事项当前为“办理中”，不能改为“已发起”"]}
    assert BundleRequest.objects.get(pk=request.pk).status == B.IN_PROGRESS


@pytest.mark.parametrize("final", [B.DONE, B.DECLINED, B.CANCELLED])
def test_a_final_bundle_request_cannot_change(caseworker_jiefang, office_jiefang, final):
    request = _bundle(caseworker_jiefang, final)
    for status in B.values:
        with pytest.raises(ValidationError) as exc:
            services.bundle_request_set_status(
                request=request, user=caseworker_jiefang, status=status, note="x"
            )
        assert list(exc.value.message_dict) == ["status"]
        assert "最终状态" in exc.value.message_dict["status"][0]
    request.refresh_from_db()
    assert (request.status, request.note) == (final, "")


def test_a_bundle_request_someone_else_moved_meanwhile_is_not_overwritten(caseworker_jiefang, office_jiefang):
    request = _bundle(caseworker_jiefang)
    stale = BundleRequest.objects.get(pk=request.pk)
    services.bundle_request_set_status(request=request, user=caseworker_jiefang, status=B.DECLINED)
    with pytest.raises(ValidationError) as exc:
        services.bundle_request_set_status(request=stale, user=caseworker_jiefang, status=B.DONE)
    assert exc.value.message_dict == {"status": ["该事项已被他人更新为“未通过”，请刷新页面后再试"]}
    assert BundleRequest.objects.get(pk=request.pk).status == B.DECLINED


def test_the_bundle_page_tells_the_caseworker_why_a_move_is_refused(
    client, caseworker_jiefang, office_jiefang
):
    request = _bundle(caseworker_jiefang, B.DONE)
    client.force_login(caseworker_jiefang)
    response = client.post(
        reverse("registration:bundle_status", args=[request.pk]), {"status": B.OPEN}, follow=True
    )
    assert response.status_code == 200
    assert "该事项已是最终状态（已办结），不能再更改" in response.content.decode()
    assert BundleRequest.objects.get(pk=request.pk).status == B.DONE


# ---- registration_end ---------------------------------------------------------------------------------
def test_a_registration_ends_once(caseworker_jiefang, office_jiefang):
    registration = services.application_register(
        application=submit(user=caseworker_jiefang), user=caseworker_jiefang
    )
    today = timezone.localdate()
    registration = services.registration_end(registration=registration, ended_on=today)
    assert (registration.status, registration.ended_on) == (Registration.Status.ENDED, today)
    with pytest.raises(ValidationError) as exc:
        services.registration_end(registration=registration, ended_on=today)
    assert exc.value.code == "not_active"
