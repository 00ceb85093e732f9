"""Demo follow-up data for `make run` (only with DEBUG or DEMO_DATA on), over whatever registrations exist.

Made through the services, so every rule holds. For each active registration that has no contact attempt yet
(so a second run adds nothing, and registrations added later get theirs), deterministically from its number:

- registered in the last days: left for the first-contact worklist, one or two failed attempts, or a reached
  first contact (lists given, a tier) with services and policy introductions;
- registered a month or more ago: the first contact (some only after failed attempts, a few never: overdue on
  the worklist), then every month's follow-up since, with outcomes of every kind, the current month's left open
  for most. The oldest one (at least seven months) gets an unreachable streak of six months, the next one
  (at least three months) a refusal streak of three.

Demo policies join the policy list (the service list comes with the migrations). Registrations with a past
registration date come from registration's own demo data or imports; with recent ones only, the monthly part
and the streaks have nothing to build on yet.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from registration.models import Registration
from workdays.calendar import CalendarNotLoaded

from .models import (
    Case,
    Channel,
    FollowUpOutcome,
    ListDelivery,
    MonthlyFollowUp,
    Policy,
    Service,
    SkillLevel,
)
from .selectors import policy_suggestions
from .services import (
    ContactData,
    case_for,
    contact_record,
    followup_close_unreachable,
    followup_open_month,
    policy_introduce,
    policy_introduction_set_status,
    service_record,
    suggested_tier,
)

DEMO_NOTE = "演示数据"
UNREACHABLE_NOTE = "演示数据：连续无法联系"
REFUSAL_NOTE = "演示数据：连续拒绝服务"

DEMO_POLICIES: list[dict[str, Any]] = [
    {
        "name": "职业培训补贴",
        "summary": "参加职业技能培训并取得证书的，按规定给予培训补贴",
        "provider": "人社局",
    },
    {
        "name": "求职创业补贴",
        "summary": "毕业年度内有求职创业意愿的高校毕业生，给予一次性求职创业补贴",
        "provider": "人社局",
        "for_graduates": True,
    },
    {
        "name": "灵活就业社会保险补贴",
        "summary": "就业困难人员灵活就业后缴纳社会保险费的，给予一定比例补贴",
        "provider": "人社局",
        "requires_difficulty": True,
    },
    {
        "name": "创业担保贷款",
        "summary": "登记失业人员自主创业的，可申请最高20万元创业担保贷款并享受贴息",
        "provider": "人社局、财政局",
        "min_age": 18,
        "max_age": 60,
    },
    {
        "name": "技能提升补贴",
        "summary": "参保职工取得职业资格证书或职业技能等级证书的，按规定给予补贴",
        "provider": "人社局",
        "requires_insured": True,
    },
    {
        "name": "失业保险金",
        "summary": "失业前参加失业保险满1年、非因本人意愿中断就业的，可申领失业保险金",
        "provider": "失业保险经办机构",
        "requires_insured": True,
    },
]

OCCUPATIONS = [
    "电工",
    "焊工",
    "仓库管理员",
    "收银员",
    "网约车司机",
    "会计",
    "保洁员",
    "厨师",
    "销售代表",
    "育婴员",
]
PLACES = ["解放区", "山阳区", "中站区", "马村区", "焦作市区", "温县", "武陟县", "郑州市"]
TRAININGS = ["电工证培训", "育婴员培训", "电子商务", "中式烹调师"]
EMPLOYERS = [("焦作某机械制造有限公司", "装配工"), ("某连锁超市", "收银员"), ("某物流公司", "分拣员")]
NOT_REACHED = ["no_answer", "switched_off", "no_answer", "not_at_home", "no_reply"]


def _at(day: date, hour: int) -> datetime:
    """``hour``:15 on ``day``, but never later than a little before now, nor earlier than ``day`` itself (just
    after midnight, "a little before now" is yesterday, another month perhaps)."""
    tz = timezone.get_current_timezone()
    now = timezone.now()
    moment = min(datetime.combine(day, time(hour, 15), tzinfo=tz), now - timedelta(minutes=20))
    start = datetime.combine(day, time(0, 0, 1), tzinfo=tz)
    return moment if moment >= start else min(start, now)


def _months_since(registered_on: date, today: date) -> list[date]:
    """The first days of the months after the month of registration, up to this month."""
    months: list[date] = []
    month = (registered_on.replace(day=1) + timedelta(days=32)).replace(day=1)
    while month <= today:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _reached(rng: random.Random, case: Case, at: datetime, *, first: bool, **extra) -> ContactData:
    skill = rng.choice(
        [SkillLevel.NONE, SkillLevel.LEVEL_5, SkillLevel.LEVEL_4, SkillLevel.LEVEL_3, SkillLevel.TITLE_JUNIOR]
    )
    application = case.registration.application
    data = ContactData(
        channel=rng.choice([Channel.PHONE, Channel.PHONE, Channel.COUNTER, Channel.VISIT]),
        reached=True,
        at=at,
        note=DEMO_NOTE,
        unemployment_reason=(application.unemployment_reason if application else "") or "20",
        skill_level=skill,
        wanted_occupation=rng.choice(OCCUPATIONS),
        wanted_place=rng.choice(PLACES),
        pay_min=rng.choice([2500, 3000, 3500]),
        pay_max=rng.choice([4000, 5000, 6000]),
        work_time=rng.choice(["full", "full", "part", "either"]),
        available_from=at.date() + timedelta(days=rng.choice([0, 7, 14])),
        wants_training=rng.random() < 0.3,
        training_interest=rng.choice(TRAININGS),
        wants_startup=rng.random() < 0.1,
        service_list_given=rng.choice(ListDelivery.values),
        policy_list_given=rng.choice(ListDelivery.values),
        **extra,
    )
    if first:
        data = replace(data, tier=suggested_tier(case, data))
    return data


def _failed(rng: random.Random, at: datetime | None, note: str = DEMO_NOTE) -> ContactData:
    reason = rng.choice(NOT_REACHED)
    channel = {"not_at_home": Channel.VISIT, "no_reply": Channel.SMS}.get(reason, Channel.PHONE)
    return ContactData(channel=channel, reached=False, not_reached_reason=reason, at=at, note=note)


def _serve(rng: random.Random, case: Case, user, day: date) -> None:
    """A service or two and the policies the record qualifies for."""
    services = {s.kind: s for s in Service.objects.filter(active=True)}
    if "job_referral" in services and rng.random() < 0.6:
        employer, position = rng.choice(EMPLOYERS)
        service_record(
            case=case,
            user=user,
            service=services["job_referral"],
            delivered_on=day,
            employer=employer,
            position=position,
            outcome=rng.choice(["已推荐，等待面试", "已面试，未录用", "已面试，待通知"]),
            internal_note="演示数据：本人希望离家近",
        )
    kind = rng.choice(["career_guidance", "training", "startup"])
    if kind in services:
        service_record(case=case, user=user, service=services[kind], delivered_on=day, outcome="已提供")
    for policy in policy_suggestions(case, day)[:2]:
        introduction = policy_introduce(case=case, user=user, policy=policy, note=DEMO_NOTE)
        step = rng.random()
        if step < 0.4:
            introduction = policy_introduction_set_status(
                introduction=introduction, user=user, status="applied"
            )
            if step < 0.15:
                policy_introduction_set_status(introduction=introduction, user=user, status="granted")
        elif step < 0.55:
            policy_introduction_set_status(introduction=introduction, user=user, status="not_wanted")


def _recent(rng: random.Random, case: Case, user) -> None:
    """Registered this month: the first-contact worklist's share (contacts made just now)."""
    roll = rng.random()
    if roll < 0.35:
        return  # waiting for the first contact
    if roll < 0.6:
        for _ in range(1 + (roll < 0.45)):
            contact_record(case=case, user=user, data=_failed(rng, None))
        return
    contact_record(case=case, user=user, data=_reached(rng, case, timezone.now(), first=True))
    _serve(rng, case, user, timezone.localdate())


def _monthly(rng: random.Random, case: Case, user, months: list[date], today: date, kind: str) -> None:
    """First contact soon after registration, then each month's follow-up: ``kind`` "unreachable" / "refusal"
    give the streaks, "usual" a mix."""
    registered_on = case.registration.registered_on
    first_day = min(registered_on + timedelta(days=rng.choice([1, 2, 3, 6])), today)
    if kind == "usual" and rng.random() < 0.25:
        contact_record(case=case, user=user, data=_failed(rng, _at(registered_on, 16)))
    if kind == "usual" and rng.random() < 0.08:
        contact_record(case=case, user=user, data=_failed(rng, _at(first_day, 10)))
        return  # never reached: overdue on the first-contact worklist
    contact_record(case=case, user=user, data=_reached(rng, case, _at(first_day, 10), first=True))
    _serve(rng, case, user, first_day)
    for month in months:
        followup = MonthlyFollowUp.objects.filter(case=case, month=month).first()
        if followup is None:  # beyond the working-day calendar
            return
        current = month == today.replace(day=1)
        day = min(month + timedelta(days=rng.randrange(3, 20)), today)
        if current and kind == "usual" and rng.random() < 0.7:
            if rng.random() < 0.4:
                contact_record(case=case, user=user, data=_failed(rng, _at(day, 10)))
            continue  # this month's follow-up left open
        at = _at(day, 10)
        if kind == "unreachable":
            if current:
                continue
            contact_record(case=case, user=user, data=_failed(rng, at, UNREACHABLE_NOTE))
            contact_record(case=case, user=user, data=_failed(rng, at + timedelta(days=7), UNREACHABLE_NOTE))
            followup_close_unreachable(followup=followup, user=user, note=UNREACHABLE_NOTE)
        elif kind == "refusal" and month in months[-3:]:
            data = ContactData(
                channel=Channel.PHONE, reached=True, at=at, note=REFUSAL_NOTE, outcome=FollowUpOutcome.REFUSED
            )
            contact_record(case=case, user=user, data=data)
        else:
            roll = rng.random()
            if roll < 0.12 and not _reached_in(case, month):
                contact_record(case=case, user=user, data=_failed(rng, at))
                followup_close_unreachable(followup=followup, user=user, note=DEMO_NOTE)
                continue
            earlier = at - timedelta(days=2)
            if roll < 0.3 and timezone.localdate(earlier) >= registered_on:  # early in a month: not before it
                contact_record(case=case, user=user, data=_failed(rng, earlier))
            outcome = FollowUpOutcome.STILL_LOOKING
            if kind == "usual":
                outcome = rng.choices(
                    [
                        FollowUpOutcome.STILL_LOOKING,
                        FollowUpOutcome.FOUND_WORK,
                        FollowUpOutcome.STARTED_BUSINESS,
                    ],
                    weights=[85, 10, 5],
                )[0]
            data = ContactData(channel=Channel.PHONE, reached=True, at=at, note=DEMO_NOTE, outcome=outcome)
            contact_record(case=case, user=user, data=data)
            if outcome != FollowUpOutcome.STILL_LOOKING:
                return  # proposed for exit: the deregistration stage's turn


def _reached_in(case: Case, month: date) -> bool:
    """Whether ``case`` already has a reached contact in ``month`` (its first contact may fall in it): such a
    month cannot be closed as "could not be reached"."""
    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return case.attempts.filter(reached=True, at__date__gte=month, at__date__lt=next_month).exists()


def _open_months(since: date, today: date) -> None:
    """The monthly job's work for every month since ``since`` (as if it had run then)."""
    for month in _months_since(since, today):
        try:
            followup_open_month(month.year, month.month)
        except CalendarNotLoaded:
            return


def load_demo_followup() -> int:
    """Add follow-up records to active registrations that have none; returns how many got some."""
    for fields in DEMO_POLICIES:
        Policy.objects.get_or_create(name=fields["name"], defaults=fields)
    today = timezone.localdate()
    touched = set(Case.objects.filter(attempts__isnull=False).values_list("pk", flat=True).distinct())
    registrations = list(
        Registration.objects.filter(status=Registration.Status.ACTIVE, registered_by__isnull=False)
        .exclude(pk__in=touched)
        .select_related("registered_by", "application")
        .order_by("registered_on", "number")
    )
    streaks_done = {
        note: Case.objects.filter(attempts__note=note).exists() for note in (UNREACHABLE_NOTE, REFUSAL_NOTE)
    }
    if registrations:
        _open_months(registrations[0].registered_on, today)
    added = 0
    for registration in registrations:
        rng = random.Random(registration.number)
        user = registration.registered_by
        months = _months_since(registration.registered_on, today)
        kind = "usual"
        if not streaks_done[UNREACHABLE_NOTE] and len(months) >= 7:
            kind, streaks_done[UNREACHABLE_NOTE] = "unreachable", True
        elif not streaks_done[REFUSAL_NOTE] and len(months) >= 4:
            kind, streaks_done[REFUSAL_NOTE] = "refusal", True
        with transaction.atomic():
            case = case_for(registration)
            if months:
                _monthly(rng, case, user, months, today, kind)
            else:
                _recent(rng, case, user)
        added += case.attempts.exists()  # those left waiting for a first contact are left so every run
    return added
