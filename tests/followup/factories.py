"""Registrations and follow-up records for the follow-up tests, made through the services.

registered(user)                                   # a new active registration (today), by ``user``
registered(user, at=datetime(2026, 9, 29, 10, tzinfo=SH))   # registered then (time travels there and back)
first_contact(case, user)                          # a valid reached first contact
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from followup.models import Case, Channel, ListDelivery, SkillLevel, Tier, WorkTime
from followup.services import ContactData, case_for, contact_record
from registration.models import Registration
from registration.services import application_register
from tests.registration.factories import person_data, submit

SH = ZoneInfo("Asia/Shanghai")


def registered(user, *, region: str = "410802", at: datetime | None = None, **application) -> Registration:
    """A registration made by ``user`` (a caseworker of ``region``), now or at ``at``."""
    name = application.pop("name", "张三")
    phone = application.pop("phone", "13800000001")

    def make() -> Registration:
        app = submit(user=user, region=region, person=person_data(name=name, phone=phone), **application)
        return application_register(application=app, user=user)

    if at is None:
        return make()
    with time_machine.travel(at, tick=False):
        return make()


def case_of(registration: Registration) -> Case:
    return case_for(registration)


def reached(**overrides) -> ContactData:
    """A reached first contact with everything the notice asks for."""
    fields = {
        "channel": Channel.PHONE,
        "reached": True,
        "unemployment_reason": "20",
        "skill_level": SkillLevel.LEVEL_4,
        "wanted_occupation": "电工",
        "wanted_place": "解放区",
        "pay_min": 3000,
        "pay_max": 4500,
        "work_time": WorkTime.FULL,
        "service_list_given": ListDelivery.HANDED,
        "policy_list_given": ListDelivery.WECHAT,
        "tier": Tier.READY,
    }
    fields.update(overrides)
    return ContactData(**fields)


def failed(reason: str = "no_answer", **overrides) -> ContactData:
    return ContactData(
        channel=overrides.pop("channel", Channel.PHONE), reached=False, not_reached_reason=reason, **overrides
    )


def first_contact(case: Case, user, **overrides):
    return contact_record(case=case, user=user, data=reached(**overrides))
