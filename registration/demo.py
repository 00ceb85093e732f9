"""Demo people at every stage of intake for `make run` (only with DEBUG or DEMO_DATA on).

Made through the services, so every rule holds: pending applications (some overdue, some due today),
registrations with bundle requests, rejections. Deterministic (fixed random seed) and idempotent: people
marked with the demo address are counted and only the missing ones are added.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from offices.models import Office, Region, User

from .idnumbers import check_character
from .models import Application, BundleRequest, Person, RejectionReason, Verification
from .services import (
    PersonData,
    application_register,
    application_reject,
    application_submit,
    application_verify_manually,
    bundle_request_open,
)

DEMO_ADDRESS = "演示数据"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _citizen_id(rng: random.Random, region: str, serial: int) -> tuple[str, date]:
    born = date(1966, 1, 1) + timedelta(days=rng.randrange(0, 365 * 38))
    first17 = f"{region}{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + check_character(first17), born


# Reasons a demo refusal may give, with the evidence each needs (services.application_reject): under 16 cannot
# apply to the adults made here.
DEMO_NOTES: dict[str, str] = {
    RejectionReason.DRAWING_PENSION: "社保系统查询：已按月领取基本养老金",
    RejectionReason.ALREADY_REGISTERED: "省集中系统查询：已在郑州市金水区登记且有效",
}


def _reject_with_evidence(application: Application, user: User, rng: random.Random) -> None:
    reason = rng.choice([r for r in RejectionReason.values if r != RejectionReason.OUT_OF_WORKING_AGE])
    if reason == RejectionReason.EMPLOYED:
        application_verify_manually(
            application=application,
            user=user,
            outcome=Verification.Outcome.DISCREPANCY,
            detail="电话联系原单位：仍在职",
        )
    application_reject(application=application, user=user, reason=reason, note=DEMO_NOTES.get(reason, ""))


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
    added = 0
    for i in range(existing, count):
        office = offices[i % len(offices)]
        user = caseworkers.get(office.pk, fallback)
        id_number, _born = _citizen_id(rng, office.region_id, 500 + i)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        submitted = timezone.now() - timedelta(days=rng.randrange(0, 9), hours=rng.randrange(0, 8))
        with transaction.atomic():
            if Person.objects.filter(id_type="01", id_number=id_number).exists():
                continue
            application = application_submit(
                person=PersonData(
                    id_type="01",
                    id_number=id_number,
                    name=name,
                    phone=f"1990000{i:04d}",
                    address=DEMO_ADDRESS,
                    education=rng.choice(["20", "30", "60", "70"]),
                ),
                channel=rng.choice(
                    [Application.Channel.COUNTER, Application.Channel.ONLINE, Application.Channel.COUNTER]
                ),
                basis=rng.choice(Application.Basis.values),
                region=office.region,
                commitment_accepted=True,
                received_by=None,
                submitted_at=submitted,
                is_graduate=rng.random() < 0.15,
                unemployment_reason=rng.choice(["10", "20", "20", "80", "90"]),
            )
            stage = rng.random()
            if stage < 0.55 and user is not None:
                registration = application_register(application=application, user=user)
                if rng.random() < 0.3:
                    bundle_request_open(
                        registration=registration, kind=rng.choice(BundleRequest.Kind.values), user=user
                    )
            elif stage < 0.65 and user is not None:
                _reject_with_evidence(application, user, rng)
        added += 1
    return added
