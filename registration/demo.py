"""Demo people at every stage of intake for `make run` (only with DEBUG or DEMO_DATA on).

Made through the services, so every rule holds: pending applications (some overdue, some due today),
registrations decided over the past months (``application_register(decided_at=...)``: realistic past
registration dates and first-contact deadlines), graduates handed over by the education department in the past
weeks (``registration_hand_over``), registrations from before the system, some of them ended
(``registration_import_existing``), bundle requests, rejections. The handed-over and imported ones hang on one
demo batch per kind, recorded by the demo ops user. Deterministic (fixed random seed) and idempotent: people
marked with the demo address are counted and only the missing ones are added.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from offices.models import Office, Region, User
from offices.roles import Role

from .idnumbers import check_character
from .models import Application, BundleRequest, ImportBatch, Person, Registration, RejectionReason
from .services import (
    PersonData,
    application_register,
    application_reject,
    application_submit,
    bundle_request_open,
    registration_hand_over,
    registration_import_existing,
)

DEMO_ADDRESS = "演示数据"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
SCHOOLS = ("河南理工大学", "焦作大学", "河南工学院", "郑州大学")
EXIT_REASONS = ("11", "11", "12", "13", "14", "21", "24")  # AJC00A
REJECTIONS = (
    RejectionReason.NO_JOB_SEEKING,
    RejectionReason.NO_WORKING_CAPACITY,
    RejectionReason.ALREADY_REGISTERED,
)
DEMO_FILES = {
    ImportBatch.Kind.GRADUATES: "演示数据-教育部门移交毕业生名单.xlsx",
    ImportBatch.Kind.REGISTRATIONS: "演示数据-既有失业登记.xlsx",
}


def _citizen_id(rng: random.Random, region: str, serial: int) -> tuple[str, date]:
    born = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 365 * 38))
    first17 = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_character(first17), born


def _demo_batch(kind: ImportBatch.Kind, user: User | None) -> ImportBatch | None:
    """The demo batch the handed-over or imported demo registrations of ``kind`` hang on (one per kind)."""
    if user is None or user.office is None:
        return None
    name = DEMO_FILES[kind]
    batch, _created = ImportBatch.objects.get_or_create(
        kind=kind,
        file_name=name,
        defaults={
            "status": ImportBatch.Status.DONE,
            "sha256": hashlib.sha256(name.encode()).hexdigest(),
            "office": user.office,
            "uploaded_by": user,
        },
    )
    return batch


def load_demo_people(count: int = 300) -> int:
    """Add demo people until ``count`` exist; returns how many were added."""
    existing = Person.objects.filter(address=DEMO_ADDRESS).count()
    if existing >= count:
        return 0
    rng = random.Random(20201120 + existing)
    offices = list(
        Office.objects.filter(code__startswith="JZ", region__level=Region.Level.COUNTY).select_related(
            "region"
        )
    )
    caseworkers = {
        u.office_id: u for u in User.objects.filter(groups__name="caseworker", office__isnull=False)
    }
    fallback = User.objects.filter(is_superuser=True).first()
    ops = (
        User.objects.filter(groups__name=str(Role.OPS), office__isnull=False).select_related("office").first()
        or fallback
    )
    batches = {kind: _demo_batch(kind, ops) for kind in DEMO_FILES}
    today = timezone.localdate()
    added = 0
    for i in range(existing, count):
        office = offices[i % len(offices)]
        user = caseworkers.get(office.pk, fallback)
        id_number, _born = _citizen_id(rng, office.region_id, 500 + i)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        person = PersonData(
            id_type="01",
            id_number=id_number,
            name=name,
            phone=f"1990000{i:04d}",
            address=DEMO_ADDRESS,
            education=rng.choice(["20", "30", "60", "70"]),
        )
        kind = i % 10
        with transaction.atomic():
            if Person.objects.filter(id_type="01", id_number=id_number).exists():
                continue
            graduates, imported = batches[ImportBatch.Kind.GRADUATES], batches[ImportBatch.Kind.REGISTRATIONS]
            if kind == 7 and graduates is not None and ops is not None:
                registration_hand_over(
                    person=person,
                    region=office.region,
                    handed_over_on=today - timedelta(days=rng.randrange(0, 21)),
                    recorded_by=ops,
                    import_batch=graduates,
                    graduate_school=rng.choice(SCHOOLS),
                    graduation_date=date(today.year if today.month > 7 else today.year - 1, 6, 30),
                )
            elif kind == 8 and imported is not None and ops is not None:
                _import_existing(rng, person, office, ops, imported, today)
            else:
                _apply(rng, person, office, user)
        added += 1
    for batch in batches.values():
        if batch is not None:
            rows = Registration.objects.filter(import_batch=batch).count()
            ImportBatch.objects.filter(pk=batch.pk).update(
                total_rows=rows, processed_rows=rows, created_rows=rows
            )
    return added


def _import_existing(
    rng: random.Random, person: PersonData, office: Office, ops: User, batch: ImportBatch, today: date
) -> None:
    """A registration from before the system: registered months ago, ended since for about half of them."""
    registered_on = today - timedelta(days=rng.randrange(30, 400))
    ended = rng.random() < 0.5
    ended_on = min(registered_on + timedelta(days=rng.randrange(10, 200)), today - timedelta(days=1))
    allowance = rng.choice(["", "", "", Application.MigrantAllowance.ONE_TIME])
    registration_import_existing(
        person=person,
        region=office.region,
        registered_on=registered_on,
        recorded_by=ops,
        import_batch=batch,
        channel=rng.choice([Application.Channel.COUNTER, Application.Channel.ONLINE, ""]),
        draws_unemployment_subsidy=rng.random() < 0.2,
        migrant_allowance=allowance,
        status=Registration.Status.ENDED if ended else Registration.Status.ACTIVE,
        ended_on=ended_on if ended else None,
        ended_reason=rng.choice(EXIT_REASONS) if ended else "",
    )


def _apply(rng: random.Random, person: PersonData, office: Office, user: User | None) -> None:
    """An application: registered at its real time in the past months, rejected or pending (submitted in the
    last days, some overdue, some due today)."""
    stage = rng.random() if user is not None else 1.0
    now = timezone.now()
    if stage < 0.55:
        submitted = now - timedelta(days=rng.randrange(3, 235), hours=rng.randrange(0, 8))  # up to 7½ months
    else:
        submitted = now - timedelta(days=rng.randrange(0, 9), hours=rng.randrange(0, 8))
    channel = rng.choice(
        [Application.Channel.COUNTER, Application.Channel.ONLINE, Application.Channel.COUNTER]
    )
    application = application_submit(
        person=person,
        channel=channel,
        basis=rng.choice(Application.Basis.values),
        region=office.region,
        commitment_accepted=True,
        received_by=user if channel == Application.Channel.COUNTER else None,  # online: the applicant alone
        submitted_at=submitted,
        is_graduate=rng.random() < 0.15,
        unemployment_reason=rng.choice(["10", "20", "20", "80", "90"]),
    )
    if user is None or stage >= 0.65:
        return
    if stage < 0.55:
        decided_at = min(submitted + timedelta(hours=rng.randrange(1, 70)), now)
        registration = application_register(application=application, user=user, decided_at=decided_at)
        if rng.random() < 0.3:
            bundle_request_open(
                registration=registration, kind=rng.choice(BundleRequest.Kind.values), user=user
            )
    else:  # reasons that need no evidence beyond the caseworker's note
        reason = rng.choice(REJECTIONS)
        application_reject(application=application, user=user, reason=reason, note="电话核实")
