"""Must-show 2 of issue #10, the parts not covered beside their rule: the 31/32/90 safeguard holds from every entry
point (the page, imports, approval, any code that would create an exit), approval needs AAE011 too, and an
approval rolls back with its registration_end."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from deregistration import services
from deregistration.models import Exit
from deregistration.services import exit_approve, exit_propose
from offices.models import Region
from offices.roles import Role
from registration.models import ImportBatch, Registration
from registration.services import NO_HANDLER_NAME, registration_import_existing
from tests.conftest import make_staff
from tests.registration.factories import person_data

from .factories import registered

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# Any way of writing an exit row outside the ORM's one create in services.exit_propose.
CREATES_AN_EXIT = re.compile(
    r"Exit\.objects\.(create|bulk_create|get_or_create|update_or_create)|(?<!class )\bExit\("
)


def test_only_exit_propose_creates_an_exit_row():
    writers = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "var", "node_modules"} or "migrations" in relative.parts:
            continue
        if CREATES_AN_EXIT.search(path.read_text(encoding="utf-8")):
            writers.append(str(relative))
    assert writers == ["deregistration/services.py"]
    source = (ROOT / "deregistration/services.py").read_text(encoding="utf-8")
    assert len(CREATES_AN_EXIT.findall(source)) == 1  # the one in exit_propose, after every check


def test_the_page_refuses_a_31_posted_without_the_streak(client, caseworker_jiefang):
    registration = registered(caseworker_jiefang)
    client.force_login(caseworker_jiefang)
    response = client.post(
        reverse("deregistration:exit", args=[registration.code]),
        {"code": "31", "deregistered_on": "2026-11-18", "further_checks": "入户走访未见本人"},
    )
    assert response.status_code == 200  # the form again, with the error; nothing saved
    assert not Exit.objects.exists()
    registration.refresh_from_db()
    assert registration.status == Registration.Status.ACTIVE


def test_an_imported_ended_registration_makes_no_exit(ops_jiaozuo):
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.REGISTRATIONS,
        status=ImportBatch.Status.DONE,
        file_name="既有登记.xlsx",
        sha256="1" * 64,
        office=ops_jiaozuo.office,
        uploaded_by=ops_jiaozuo,
    )
    registration = registration_import_existing(
        person=person_data(),
        region=Region.objects.get(code="410802"),
        registered_on=date(2026, 4, 1),
        recorded_by=ops_jiaozuo,
        import_batch=batch,
        status=Registration.Status.ENDED,
        ended_on=date(2026, 6, 1),
        ended_reason="32",  # history as it was: no streak, no approval, and so no exit row to upload
    )
    assert registration.status == Registration.Status.ENDED
    assert not Exit.objects.exists()


def test_a_supervisor_without_a_handler_name_cannot_approve(caseworker_jiefang, office_jiaozuo):
    exit = exit_propose(
        registration=registered(caseworker_jiefang),
        user=caseworker_jiefang,
        code="90",
        deregistered_on=date(2026, 11, 18),
        remark="本人书面申请注销",
    )
    nameless = make_staff("sup_nameless", office_jiaozuo, Role.SUPERVISOR, handler_name="")
    with pytest.raises(ValidationError) as exc:
        exit_approve(exit=exit, user=nameless)
    assert exc.value.messages == [str(NO_HANDLER_NAME)]
    exit.refresh_from_db()
    assert exit.status == Exit.Status.PROPOSED


def test_an_approval_rolls_back_with_its_registration_end(
    caseworker_jiefang, supervisor_jiaozuo, monkeypatch
):
    registration = registered(caseworker_jiefang)
    exit = exit_propose(
        registration=registration,
        user=caseworker_jiefang,
        code="90",
        deregistered_on=date(2026, 11, 18),
        remark="本人书面申请注销",
    )

    def broken(exit):
        raise RuntimeError("SMS table unavailable")

    monkeypatch.setattr(services, "_tell", broken)
    with pytest.raises(RuntimeError):
        exit_approve(exit=exit, user=supervisor_jiaozuo)
    exit.refresh_from_db()
    registration.refresh_from_db()
    assert exit.status == Exit.Status.PROPOSED and exit.effective_on is None
    assert registration.status == Registration.Status.ACTIVE and registration.ended_on is None
