"""Registrations, exits and people with exact dates for the statistics tests, written directly (the statistics read
what the stages stored; the stages' own tests prove how they store it). ``fixture_city`` is the hand-computed
report of README "Monthly statistics": see test_figures.py for every expected number and why."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from deregistration.models import Exit
from offices.models import Office, Region, User
from registration.idnumbers import check_character
from registration.models import ImportBatch, Person, Registration

SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def citizen_id(region: str, born: date, sex: str) -> str:
    n = next(_seq)
    serial = f"{n % 100:02d}{1 if sex == '1' else 2}"
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + check_character(first17)


def person(
    name: str, *, born: date, sex: str = "1", region: str = "410802", education: str = "20", **extra
) -> Person:
    return Person.objects.create(
        id_number=extra.pop("id_number", None) or citizen_id(region, born, sex),
        name=name,
        sex=sex,
        birth_date=born,
        education=education,
        region_id=region,
        phone=extra.pop("phone", "13800000000"),
        **extra,
    )


def _batch(user: User) -> ImportBatch:
    batch = ImportBatch.objects.filter(uploaded_by=user).first()
    if batch is None:
        batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.REGISTRATIONS,
            status=ImportBatch.Status.DONE,
            file_name="t.xlsx",
            sha256="0" * 64,
            office=user.office,
            uploaded_by=user,
        )
    return batch


def registration(
    who: Person,
    user: User,
    *,
    on: date,
    region: str = "410802",
    channel: str = "counter",
    ended_on: date | None = None,
    ended_reason: str = "",
    **categories,
) -> Registration:
    """An imported registration (source ``imported``) of ``who`` made ``on``; ended when ``ended_on`` is given."""
    office = Office.objects.filter(region_id=region).first() or user.office
    number = f"DJT{next(_seq):012d}"
    return Registration.objects.create(
        number=number,
        person=who,
        source=Registration.Source.IMPORTED,
        channel=channel,
        office=office,
        region_id=region,
        registered_on=on,
        recorded_by=user,
        import_batch=_batch(user),
        first_contact_due_at=datetime(on.year, on.month, on.day, 17, tzinfo=SH),
        status=Registration.Status.ENDED if ended_on else Registration.Status.ACTIVE,
        ended_on=ended_on,
        ended_reason=ended_reason or ("11" if ended_on else ""),
        **categories,
    )


def exit_row(reg: Registration, user: User, *, on: date, code: str = "11", status: str = "effective") -> Exit:
    """An exit of ``reg`` (effective: the registration is ended that day, as ``registration_end`` does)."""
    if status == Exit.Status.EFFECTIVE and reg.status == Registration.Status.ACTIVE:
        Registration.objects.filter(pk=reg.pk).update(
            status=Registration.Status.ENDED, ended_on=on, ended_reason=code
        )
    return Exit.objects.create(
        registration=reg,
        region_id=reg.region_id,
        status=status,
        reason=code,
        deregistered_on=on,
        further_checks="入户走访" if code in ("31", "32") else "",
        remark="其他" if code == "90" else "",
        proposed_by=user,
        proposed_at=datetime(on.year, on.month, on.day, 10, tzinfo=SH),
        region_code=reg.region_id,
        serial=f"TC{next(_seq):016d}",
        handler_name="李经办",
        effective_on=on if status == Exit.Status.EFFECTIVE else None,
        name=reg.person.name,
        id_type=reg.person.id_type,
        id_number=reg.person.id_number,
    )


def fixture_city(user: User) -> dict[str, Registration]:
    """The hand-computed fixture for report month 2026-11 (2026-10-21 … 2026-11-20) of 焦作市 (410800):
    解放区 410802 and 温县 410825 urban, 修武县 410821 rural."""
    Region.objects.filter(code="410821").update(area=Region.Area.RURAL)
    r: dict[str, Registration] = {}
    a = person("甲", born=date(1990, 3, 1), sex="1", education="20")
    r["A"] = registration(a, user, on=date(2026, 5, 10), is_graduate=True)
    b = person("乙", born=date(2000, 1, 1), sex="2", education="30")
    r["B"] = registration(b, user, on=date(2026, 10, 21), channel="online", draws_unemployment_subsidy=True)
    c = person("丙", born=date(1970, 6, 1), sex="2", education="70")
    r["C"] = registration(c, user, on=date(2026, 10, 20), channel="national", migrant_allowance="one_time")
    d = person("丁", born=date(1985, 1, 1))
    r["D"] = registration(d, user, on=date(2026, 11, 21))
    e = person("戊", born=date(1980, 1, 1))
    r["E"] = registration(e, user, on=date(2026, 3, 1))
    exit_row(r["E"], user, on=date(2026, 11, 20), code="11")  # exit on the end day
    f = person("己", born=date(1980, 2, 1), sex="1", education="20")
    r["F"] = registration(f, user, on=date(2026, 3, 1))
    exit_row(r["F"], user, on=date(2026, 11, 21), code="12")  # exit the day after the end
    g = person("庚", born=date(1980, 3, 1))
    r["G"] = registration(g, user, on=date(2026, 1, 5))
    exit_row(r["G"], user, on=date(2026, 10, 20), code="11")  # exit before the period
    h = person("辛", born=date(1988, 4, 1), sex="1", education="60")
    r["H"] = registration(h, user, on=date(2026, 4, 1))
    exit_row(r["H"], user, on=date(2026, 11, 10), code="31", status="proposed")  # proposed only
    i = person("壬", born=date(1975, 5, 5), sex="1", education="40", region="410825")
    r["I"] = registration(i, user, on=date(2025, 10, 1), region="410825", difficulty_category="A1")
    j = person("癸", born=date(1995, 5, 5), region="410821")
    r["J"] = registration(j, user, on=date(2026, 6, 1), region="410821")
    k = person("子", born=date(1992, 7, 7), sex="2", education="20")
    # Two registrations of one person both active on the end day (an imported history): counted once.
    r["K1"] = registration(k, user, on=date(2026, 2, 1), ended_on=date(2026, 12, 1), ended_reason="11")
    r["K2"] = registration(k, user, on=date(2026, 6, 1))
    m = person("丑", born=date(1983, 8, 8))
    r["L"] = registration(m, user, on=date(2026, 1, 10), ended_on=date(2026, 11, 1), ended_reason="21")
    return r
