"""The rules of stage 2 (服务), notice (三)(四), Henan 二. Every write of the stage goes through here.

- ``cases_open`` / ``case_for``: the follow-up record of each registration, made by this stage after the fact (a
  sweep, the monthly job, or the first page that needs it), never in registration's transaction; the person who
  registered is responsible until a supervisor reassigns (``cases_reassign``, one or many, with history).
- ``contact_record``: an attempt by staff to contact the person, reached or not (why not). The first reached
  contact meets the 5-working-day deadline (三) and must record the unemployment reason, skill level, employment
  intention, the lists given and how, and the tier; the person then gets an SMS. The automatic SMS sent at
  registration is not an attempt and meets nothing. Failed attempts stay on the record (append-only).
- ``tier_change``: a caseworker changes the tier with a reason; employment-difficulty people stay in the
  intensive tier.
- ``service_record``, ``policy_introduce`` / ``policy_introduction_set_status``: services delivered and policies
  introduced (三).
- ``followup_open_month``: the monthly job (四): one follow-up per registration active on the month's first day
  and registered before the month, due on its last working day. One INSERT … SELECT with ON CONFLICT DO NOTHING on
  the unique (registration, month): idempotent, safe to run late and in parallel.
- ``contact_record(..., outcome=...)`` completes a month's follow-up with a reached contact;
  ``followup_close_unreachable`` with "could not be reached" after failed attempts only.

Messages are lazy (``_`` is ``gettext_lazy``) and shown in the reader's language; the SMS is written in Chinese
inside ``translation.override(SMS_LANGUAGE)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from codes.lookup import validate_code
from common.notifications import notification_queue
from common.transitions import transition
from common.validators import invisible_character_errors
from offices.models import User
from offices.roles import Role
from offices.scoping import can_see_region
from registration.models import Registration
from workdays.calendar import last_workday_of_month

from .models import (
    TIER_PLANS,
    Assignment,
    Case,
    Channel,
    ContactAttempt,
    FollowUpOutcome,
    ListDelivery,
    MonthlyFollowUp,
    NotReachedReason,
    Policy,
    PolicyIntroduction,
    Service,
    ServiceDelivery,
    ServiceKind,
    SkillLevel,
    Tier,
    TierChange,
    WorkTime,
)
from .selectors import attempts_in_month

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

SMS_LANGUAGE = "zh-hans"  # messages to people are in Chinese, whatever language the caseworker's UI uses
RECENT_CASES = timedelta(days=1)  # what the every-minute sweep looks back over (followup.open_cases)
CLOCK_SKEW = timedelta(minutes=5)  # an attempt "now" on a slightly fast client clock is still now

# Error texts (tests import them).
OUT_OF_SCOPE = _("该人员不在您的管辖区划内")
REGISTRATION_ENDED = _("该失业登记已注销，不能再记录跟踪服务")
CHANNEL_REQUIRED = _("请选择联系方式")
NOT_REACHED_REASON_REQUIRED = _("请选择未联系上的原因")
AT_IN_FUTURE = _("联系时间不能晚于现在")
AT_BEFORE_REGISTRATION = _("联系时间不能早于登记日期")
FIRST_CONTACT_NEEDS = _("首次联系须记录此项")
LISTS_REQUIRED = _("首次联系须向本人提供服务清单和政策清单，请选择提供方式")
DIFFICULTY_TIER = _("就业困难人员的服务类别应为“三类：需重点帮扶”")
TIER_REQUIRED = _("请选择服务类别")
TIER_BEFORE_FIRST_CONTACT = _("首次联系后才能调整服务类别")
TIER_UNCHANGED = _("服务类别没有变化")
REASON_REQUIRED = _("请填写原因")
PAY_RANGE = _("期望月薪下限不能高于上限")
NO_OPEN_FOLLOWUP = _("本月没有待完成的跟踪调查")
OUTCOME_NEEDS_REACH = _("联系上本人后才能记录跟踪结果")
REFUSAL_OUTCOME = _("本人拒绝接受服务时，跟踪结果应为“拒绝接受服务”")
FOLLOWUP_DONE = _("该月跟踪调查已完成（%(outcome)s）")
UNREACHABLE_NEEDS_ATTEMPT = _("须先记录本月至少一次未联系上的尝试，才能记为“无法取得联系”")
UNREACHABLE_BUT_REACHED = _("本月已联系上本人，不能记为“无法取得联系”")
SUPERVISOR_ONLY = _("只有主管可以调整责任经办人")
NOT_A_CASEWORKER = _("只能指派给在岗的经办人")
RESPONSIBLE_OUT_OF_SCOPE = _("该经办人所在机构不负责 %(number)s 的登记地")
NOTHING_SELECTED = _("请选择要调整的人员")
SERVICE_INACTIVE = _("该服务项目已停用")
REFERRAL_NEEDS_EMPLOYER = _("职业介绍须填写推荐单位和岗位")
POLICY_HELP_NEEDS_POLICY = _("请选择协助申请的政策")
DATE_IN_FUTURE = _("日期不能晚于今天")
DATE_BEFORE_REGISTRATION = _("日期不能早于登记日期")
POLICY_INACTIVE = _("该政策已停用或不在有效期内")
ALREADY_INTRODUCED = _("已向本人介绍过该政策")
INTRODUCTION_FINAL = _("该政策已享受，不能再更改")
INTRODUCTION_MOVE = _("该政策当前为“%(old)s”，不能改为“%(new)s”")
INTRODUCTION_CHANGED = _("该记录已被他人更新为“%(status)s”，请刷新页面后再试")


# ---- cases ------------------------------------------------------------------------------------------
_CASE_COLUMNS = (
    "registration_id, region_id, responsible_id, first_contact_due_at, first_contact_at, tier, plan, "
    "created_at, updated_at"
)
# Responsible by default: the caseworker who registered the person; for a graduate handed over or a registration
# imported (no decision here), the first active caseworker of the registration's office (a supervisor reassigns),
# and only where the office has none, whoever entered it.
_OFFICE_CASEWORKER = (
    "(SELECT u.id FROM offices_user u JOIN offices_user_groups ug ON ug.user_id = u.id "
    "JOIN auth_group g ON g.id = ug.group_id "
    "WHERE u.office_id = r.office_id AND u.is_active AND g.name = %(caseworker_role)s ORDER BY u.id LIMIT 1)"
)
_CASE_SELECT = (
    f"r.id, r.region_id, COALESCE(r.registered_by_id, {_OFFICE_CASEWORKER}, r.recorded_by_id), "
    "r.first_contact_due_at, NULL, '', '', now(), now()"
)


def _insert_cases(condition: str, params: Mapping[str, Any]) -> int:
    """Open a case for every registration matching ``condition`` (SQL over ``r``) that has none; returns how many.

    Set-based; ON CONFLICT DO NOTHING makes a concurrent run (a page's ``case_for``, another sweep) harmless.
    """
    sql = (
        f"INSERT INTO followup_case ({_CASE_COLUMNS}) SELECT {_CASE_SELECT} "
        f"FROM registration_registration r WHERE ({condition}) "
        "AND NOT EXISTS (SELECT 1 FROM followup_case c WHERE c.registration_id = r.id) "
        "ON CONFLICT (registration_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "caseworker_role": Role.CASEWORKER.value})
        return cursor.rowcount


@transaction.atomic
def cases_open(*, recent: bool = False) -> int:
    """Open the follow-up case of every active registration that has none; returns how many were opened.

    ``recent``: only registrations created within ``RECENT_CASES`` (the every-minute sweep, on the partial index
    ``registration_reg_active_new``); the daily run covers all (an imported registration included).
    """
    condition = "r.status = %(active)s"
    params: dict[str, Any] = {"active": Registration.Status.ACTIVE.value}
    if recent:
        condition += " AND r.created_at >= %(since)s"
        params["since"] = timezone.now() - RECENT_CASES
    return _insert_cases(condition, params)


def case_for(registration: Registration) -> Case:
    """The follow-up case of ``registration``, opened now if the sweep has not got to it yet."""
    if not Case.objects.filter(pk=registration.pk).exists():
        _insert_cases("r.id = %(id)s", {"id": registration.pk})
    return Case.objects.select_related("registration__person", "registration__office", "responsible").get(
        pk=registration.pk
    )


def _check_scope(user: User, case: Case) -> None:
    if not can_see_region(user, case.region):
        raise PermissionDenied(OUT_OF_SCOPE)


def _check_active(case: Case) -> None:
    if case.registration.status != Registration.Status.ACTIVE:
        raise ValidationError(REGISTRATION_ENDED, code="ended")


@transaction.atomic
def cases_reassign(*, cases: Iterable[Case], to: User, by: User, reason: str) -> int:
    """Make ``to`` responsible for ``cases`` (one person or a whole list), by a supervisor, with the reason;
    returns how many changed hands (a case already with ``to`` is left as it is). Each change is kept
    (``Assignment``, append-only).

    ``to`` must be an active caseworker whose office covers each case's region; every case must lie in ``by``'s
    scope (PermissionDenied otherwise).
    """
    if not by.has_role(Role.SUPERVISOR):
        raise PermissionDenied(SUPERVISOR_ONLY)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    if len(reason) > 200:
        raise ValidationError({"reason": [_("原因最多200个字")]})
    if not (to.is_active and to.has_role(Role.CASEWORKER) and to.office_id is not None):
        raise ValidationError({"responsible": [NOT_A_CASEWORKER]})
    ids = [case.pk for case in cases]
    if not ids:
        raise ValidationError({"cases": [NOTHING_SELECTED]})
    locked = list(
        Case.objects.select_for_update(of=("self",))
        .select_related("region", "registration")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    now = timezone.now()
    changes: list[Assignment] = []
    for case in locked:
        _check_scope(by, case)
        if not can_see_region(to, case.region):
            message = RESPONSIBLE_OUT_OF_SCOPE % {"number": case.registration.number}
            raise ValidationError({"responsible": [message]})
        if case.responsible_id == to.pk:
            continue
        changes.append(
            Assignment(
                case=case, previous_id=case.responsible_id, responsible=to, reason=reason, by=by, at=now
            )
        )
    Assignment.objects.bulk_create(changes)
    Case.objects.filter(pk__in=[a.case_id for a in changes]).update(responsible=to, updated_at=now)
    return len(changes)


# ---- contact attempts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactData:
    """What a caseworker records about one attempt. For a failed attempt only channel, time, the reason and a
    note count; a reached first contact needs the rest (``contact_record``)."""

    channel: str
    reached: bool
    not_reached_reason: str = ""
    at: datetime | None = None  # None: now
    note: str = ""
    unemployment_reason: str = ""  # AJC093
    skill_level: str = ""
    wanted_occupation: str = ""
    wanted_place: str = ""
    pay_min: int | None = None
    pay_max: int | None = None
    work_time: str = ""
    available_from: date | None = None
    wants_training: bool = False
    training_interest: str = ""
    wants_startup: bool = False
    service_list_given: str = ""
    policy_list_given: str = ""
    refused_service: bool = False
    tier: str = ""  # the first contact gives the tier (and plan)
    plan: str = ""
    outcome: str = ""  # completes this month's follow-up (MonthlyFollowUp.Outcome), reached contacts only


def is_difficulty_case(case: Case) -> bool:
    """Whether the person is an employment-difficulty person (就业困难人员): the category recorded on the
    application they were registered on. (Registration's own category fields will replace this read.)"""
    application = case.registration.application
    return bool(application is not None and application.difficulty_category)


def suggested_tier(case: Case, data: ContactData) -> str:
    """The tier a first contact suggests: employment-difficulty people always need intensive help; a wish for
    training, or no skill level and no clear intention, needs guidance; otherwise ready for work."""
    if is_difficulty_case(case):
        return Tier.INTENSIVE
    if data.wants_training or data.wants_startup or data.skill_level in ("", SkillLevel.NONE):
        return Tier.GUIDANCE
    return Tier.READY


def _check_attempt(case: Case, data: ContactData, now: datetime) -> tuple[datetime, dict[str, list]]:
    errors: dict[str, list] = {}
    at = data.at or now
    if at > now + CLOCK_SKEW:
        errors["at"] = [AT_IN_FUTURE]
    elif timezone.localdate(at) < case.registration.registered_on:
        errors["at"] = [AT_BEFORE_REGISTRATION]
    if data.channel not in Channel.values:
        errors["channel"] = [CHANNEL_REQUIRED]
    if not data.reached and data.not_reached_reason not in NotReachedReason.values:
        errors["not_reached_reason"] = [NOT_REACHED_REASON_REQUIRED]
    for key, messages in invisible_character_errors(note=data.note).items():
        errors.setdefault(key, []).extend(messages)
    return at, errors


def _check_reached(case: Case, data: ContactData, first: bool) -> dict[str, list]:
    """What a reached contact must say; the first one says more (notice 三)."""
    errors: dict[str, list] = {}
    if data.unemployment_reason:
        try:
            validate_code("AJC093", data.unemployment_reason)
        except ValidationError as exc:
            errors["unemployment_reason"] = list(exc.messages)
    for name, allowed in (
        ("skill_level", SkillLevel.values),
        ("work_time", WorkTime.values),
        ("service_list_given", ListDelivery.values),
        ("policy_list_given", ListDelivery.values),
    ):
        value = getattr(data, name)
        if value and value not in allowed:
            errors[name] = [_("所选项目无效，请从列表中选择")]
    if data.pay_min is not None and data.pay_max is not None and data.pay_min > data.pay_max:
        errors["pay_max"] = [PAY_RANGE]
    for key, messages in invisible_character_errors(
        wanted_occupation=data.wanted_occupation,
        wanted_place=data.wanted_place,
        training_interest=data.training_interest,
    ).items():
        errors.setdefault(key, []).extend(messages)
    if first:
        for name in ("unemployment_reason", "skill_level"):
            if not getattr(data, name):
                errors.setdefault(name, [FIRST_CONTACT_NEEDS])
        if not data.refused_service:
            if not data.wanted_occupation.strip():
                errors.setdefault("wanted_occupation", [FIRST_CONTACT_NEEDS])
            if not data.work_time:
                errors.setdefault("work_time", [FIRST_CONTACT_NEEDS])
            for name in ("service_list_given", "policy_list_given"):
                if not getattr(data, name):
                    errors.setdefault(name, [LISTS_REQUIRED])
        if data.tier not in Tier.values:
            errors["tier"] = [TIER_REQUIRED]
        elif data.tier != Tier.INTENSIVE and is_difficulty_case(case):
            errors["tier"] = [DIFFICULTY_TIER]
    return errors


def _open_followup_of_month(case: Case, at: datetime) -> MonthlyFollowUp | None:
    month = timezone.localdate(at).replace(day=1)
    return (
        MonthlyFollowUp.objects.select_for_update()
        .filter(case=case, month=month, status=MonthlyFollowUp.Status.OPEN)
        .first()
    )


@transaction.atomic
def contact_record(*, case: Case, user: User, data: ContactData) -> ContactAttempt:
    """Record an attempt by ``user`` (staff) to contact the person of ``case``; returns it.

    1. The case lies in the user's region (PermissionDenied) and its registration is active.
    2. Not reached: a reason from ``NotReachedReason``; nothing else about the person is kept. The attempt stays
       on the record whatever follows.
    3. Reached, and the case has no first contact yet: this is the first contact (三). It records the
       unemployment reason (AJC093), skill level, employment intention, the service and policy lists given and
       how (unless the person refused service), and the tier (employment-difficulty people: intensive). The case
       gets ``first_contact_at`` (the deadline is met) and the tier with its plan; the person gets an SMS with the
       office's contact and where to see the lists.
    4. ``data.outcome`` completes this month's open follow-up (reached contacts only; "refused service" exactly
       when the person refused).

    Raises ValidationError keyed by field. Only an attempt recorded here meets the first-contact deadline: the SMS
    sent by the system at registration is a notification, not an attempt.
    """
    _check_scope(user, case)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("registration__person", "registration__office", "registration__application", "region")
        .get(pk=case.pk)
    )
    _check_active(case)
    now = timezone.now()
    at, errors = _check_attempt(case, data, now)
    first = data.reached and case.first_contact_at is None
    if data.reached:
        errors.update(_check_reached(case, data, first))
    followup = None
    if data.outcome:
        if data.outcome not in FollowUpOutcome.values or data.outcome == FollowUpOutcome.UNREACHABLE:
            errors["outcome"] = [OUTCOME_NEEDS_REACH]
        elif not data.reached:
            errors["outcome"] = [OUTCOME_NEEDS_REACH]
        elif data.refused_service != (data.outcome == FollowUpOutcome.REFUSED):
            if data.outcome == FollowUpOutcome.REFUSED:
                data = replace(data, refused_service=True)
            else:
                errors["outcome"] = [REFUSAL_OUTCOME]
        if "outcome" not in errors and "at" not in errors:
            followup = _open_followup_of_month(case, at)
            if followup is None:
                errors["outcome"] = [NO_OPEN_FOLLOWUP]
    if errors:
        raise ValidationError(errors)
    reached = data.reached
    attempt = ContactAttempt.objects.create(
        case=case,
        channel=data.channel,
        at=at,
        by=user,
        reached=reached,
        not_reached_reason="" if reached else data.not_reached_reason,
        first_contact=first,
        note=data.note.strip()[:300],
        unemployment_reason=data.unemployment_reason if reached else "",
        skill_level=data.skill_level if reached else "",
        wanted_occupation=data.wanted_occupation.strip() if reached else "",
        wanted_place=data.wanted_place.strip() if reached else "",
        pay_min=data.pay_min if reached else None,
        pay_max=data.pay_max if reached else None,
        work_time=data.work_time if reached else "",
        available_from=data.available_from if reached else None,
        wants_training=data.wants_training and reached,
        training_interest=data.training_interest.strip() if reached else "",
        wants_startup=data.wants_startup and reached,
        service_list_given=data.service_list_given if reached else "",
        policy_list_given=data.policy_list_given if reached else "",
        refused_service=data.refused_service and reached,
    )
    if first:
        plan = data.plan.strip()[:500] or str(TIER_PLANS[data.tier])
        Case.objects.filter(pk=case.pk).update(first_contact_at=at, tier=data.tier, plan=plan, updated_at=now)
        TierChange.objects.create(case=case, previous="", tier=data.tier, by=user, at=now)
        _tell_first_contact(case)
    if followup is not None:
        _complete(followup, user, data.outcome, attempt=attempt, now=now)
    return attempt


def _tell_first_contact(case: Case) -> None:
    registration = case.registration
    office = registration.office
    with translation.override(SMS_LANGUAGE):
        text = gettext(
            "【失业登记】%(name)s，您好！%(office)s已与您联系并为您建立就业服务档案（登记编号%(number)s）。"
            "为您提供的服务和可申请的政策可在网上“查询办理进度”页面查看，服务清单和政策清单也可到%(office)s领取；"
            "联系方式：%(contact)s。"
        ) % {
            "name": registration.person.name,
            "office": office.name,
            "number": registration.number,
            "contact": office.phone or office.address or office.name,
        }
    notification_queue(phone=registration.person.phone, text=text, ref=f"followup:{registration.number}")


# ---- monthly follow-up ------------------------------------------------------------------------------
def month_start(day: date) -> date:
    return day.replace(day=1)


def followup_open_month(year: int, month: int, *, registration_id: int | None = None) -> int:
    """Open the follow-up of ``year``-``month`` for every registration active on the month's first day and
    registered before that month, due on the month's last working day (notice 四); returns how many were opened.

    1. The due day comes from the working-day calendar (``CalendarNotLoaded`` beyond it: ops load the year).
    2. A case is opened for each such registration that has none yet (one INSERT … SELECT).
    3. One INSERT … SELECT of the follow-ups; ON CONFLICT DO NOTHING on the unique (registration, month).

    Idempotent (a second run opens nothing), safe to run late (the 3rd still opens the month: "active on the
    first day" is read from ``ended_on``, not from today's status), and parallel-safe: a concurrent run's rows
    conflict on the unique index, and the later one waits for the first to commit and then skips them.

    ``registration_id``: that one registration only (a registration reopened after its exit was cancelled,
    ``reopened_follow_month``).
    """
    first = date(year, month, 1)
    due_on = last_workday_of_month(year, month)
    active_on_first = "r.registered_on < %(first)s AND (r.ended_on IS NULL OR r.ended_on > %(first)s)"
    params: dict[str, date | str | int] = {
        "first": first,
        "due_on": due_on,
        "open": MonthlyFollowUp.Status.OPEN.value,
    }
    if registration_id is not None:
        active_on_first += " AND r.id = %(registration_id)s"
        params["registration_id"] = registration_id
    with transaction.atomic():
        _insert_cases(active_on_first, params)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO followup_monthlyfollowup "
                "(case_id, month, due_on, status, outcome, note, created_at, updated_at) "
                "SELECT r.id, %(first)s, %(due_on)s, %(open)s, '', '', now(), now() "
                "FROM registration_registration r "
                f"WHERE {active_on_first} "
                "AND NOT EXISTS (SELECT 1 FROM followup_monthlyfollowup f "
                "WHERE f.case_id = r.id AND f.month = %(first)s) "
                "ON CONFLICT (case_id, month) DO NOTHING",
                params,
            )
            return cursor.rowcount


def _complete(
    followup: MonthlyFollowUp,
    user: User,
    outcome: str,
    *,
    attempt: ContactAttempt | None,
    now: datetime,
    note: str = "",
) -> MonthlyFollowUp:
    won = transition(
        MonthlyFollowUp,
        followup.pk,
        from_=MonthlyFollowUp.Status.OPEN,
        to=MonthlyFollowUp.Status.DONE,
        allowed=MonthlyFollowUp.STATUS_MOVES,
        outcome=outcome,
        attempt=attempt,
        done_at=now,
        done_by=user,
        note=note,
    )
    followup.refresh_from_db()
    if not won:
        raise ValidationError(
            {"outcome": [FOLLOWUP_DONE % {"outcome": followup.get_outcome_display()}]}, code="done"
        )
    return followup


@transaction.atomic
def followup_close_unreachable(*, followup: MonthlyFollowUp, user: User, note: str = "") -> MonthlyFollowUp:
    """Complete a month's follow-up as "could not be reached": only after at least one documented failed attempt
    in that month and no reached contact (notice 四: the unreachable streak counts such months). Returns it."""
    case = followup.case
    _check_scope(user, case)
    _check_active(case)
    attempts = attempts_in_month(case, followup.month)
    if attempts.filter(reached=True).exists():
        raise ValidationError({"outcome": [UNREACHABLE_BUT_REACHED]})
    if not attempts.filter(reached=False).exists():
        raise ValidationError({"outcome": [UNREACHABLE_NEEDS_ATTEMPT]})
    return _complete(
        followup, user, FollowUpOutcome.UNREACHABLE, attempt=None, now=timezone.now(), note=note.strip()[:300]
    )


def current_month(today: date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return today.year, today.month


def followup_open_current_month() -> dict:
    """What the job runs: cases for every active registration, then this month's follow-ups (raises
    CalendarNotLoaded beyond the calendar, recorded as a failed run for ops)."""
    cases = cases_open()
    year, month = current_month()
    return {"cases_opened": cases, "followups_opened": followup_open_month(year, month)}


# ---- tiers ------------------------------------------------------------------------------------------
@transaction.atomic
def tier_change(*, case: Case, user: User, tier: str, reason: str) -> Case:
    """Change the tier of a contacted person, with the reason (kept in ``TierChange``); returns the case."""
    _check_scope(user, case)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("registration__application")
        .get(pk=case.pk)
    )
    _check_active(case)
    if not case.tier:
        raise ValidationError({"tier": [TIER_BEFORE_FIRST_CONTACT]})
    reason = reason.strip()
    errors: dict[str, list[StrOrPromise]] = {}
    if tier not in Tier.values:
        errors["tier"] = [TIER_REQUIRED]
    elif tier == case.tier:
        errors["tier"] = [TIER_UNCHANGED]
    elif tier != Tier.INTENSIVE and is_difficulty_case(case):
        errors["tier"] = [DIFFICULTY_TIER]
    if not reason:
        errors["reason"] = [REASON_REQUIRED]
    elif len(reason) > 200:
        errors["reason"] = [_("原因最多200个字")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    TierChange.objects.create(case=case, previous=case.tier, tier=tier, reason=reason, by=user, at=now)
    Case.objects.filter(pk=case.pk).update(tier=tier, plan=str(TIER_PLANS[tier]), updated_at=now)
    case.refresh_from_db()
    return case


# ---- services and policies --------------------------------------------------------------------------
@transaction.atomic
def service_record(
    *,
    case: Case,
    user: User,
    service: Service,
    delivered_on: date,
    outcome: str = "",
    employer: str = "",
    position: str = "",
    policy: Policy | None = None,
    internal_note: str = "",
) -> ServiceDelivery:
    """Record a service given to the person (三): job referral (employer and position), career guidance,
    training information or enrolment, start-up guidance, help applying for a policy (which one); returns it."""
    _check_scope(user, case)
    _check_active(case)
    errors: dict[str, list[StrOrPromise]] = {}
    if not service.active:
        errors["service"] = [SERVICE_INACTIVE]
    if delivered_on > timezone.localdate():
        errors["delivered_on"] = [DATE_IN_FUTURE]
    elif delivered_on < case.registration.registered_on:
        errors["delivered_on"] = [DATE_BEFORE_REGISTRATION]
    if service.kind == ServiceKind.JOB_REFERRAL and not (employer.strip() and position.strip()):
        errors["employer"] = [REFERRAL_NEEDS_EMPLOYER]
    if service.kind == ServiceKind.POLICY_HELP and policy is None:
        errors["policy"] = [POLICY_HELP_NEEDS_POLICY]
    for key, messages in invisible_character_errors(
        employer=employer, position=position, outcome=outcome, internal_note=internal_note
    ).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return ServiceDelivery.objects.create(
        case=case,
        service=service,
        delivered_on=delivered_on,
        by=user,
        employer=employer.strip()[:100],
        position=position.strip()[:100],
        policy=policy,
        outcome=outcome.strip()[:200],
        internal_note=internal_note.strip()[:300],
    )


def policy_is_current(policy: Policy, today: date) -> bool:
    return (
        policy.active
        and (policy.valid_from is None or policy.valid_from <= today)
        and (policy.valid_until is None or today <= policy.valid_until)
    )


@transaction.atomic
def policy_introduce(*, case: Case, user: User, policy: Policy, note: str = "") -> PolicyIntroduction:
    """Record that ``policy`` was introduced to the person (三: 主动介绍政策内容); returns the introduction."""
    _check_scope(user, case)
    _check_active(case)
    if not policy_is_current(policy, timezone.localdate()):
        raise ValidationError({"policy": [POLICY_INACTIVE]})
    if PolicyIntroduction.objects.filter(case=case, policy=policy).exists():
        raise ValidationError({"policy": [ALREADY_INTRODUCED]})
    return PolicyIntroduction.objects.create(case=case, policy=policy, by=user, note=note.strip()[:200])


@transaction.atomic
def policy_introduction_set_status(
    *, introduction: PolicyIntroduction, user: User, status: str, note: str = ""
) -> PolicyIntroduction:
    """Move an introduction along ``PolicyIntroduction.STATUS_MOVES`` (introduced → applied → granted, or not
    wanted); returns it fresh. Refused with a ValidationError keyed to ``status`` when the map forbids it."""
    _check_scope(user, introduction.case)
    _check_active(introduction.case)
    current = introduction.status
    if status not in PolicyIntroduction.Status.values:
        raise ValidationError({"status": [_("请选择状态")]})
    if current in PolicyIntroduction.TERMINAL_STATES:
        raise ValidationError({"status": [INTRODUCTION_FINAL]})
    if not PolicyIntroduction.STATUS_MOVES.allowed(current, status):
        labels = {"old": introduction.get_status_display(), "new": PolicyIntroduction.Status(status).label}
        raise ValidationError({"status": [INTRODUCTION_MOVE % labels]})
    changes: dict = {"by": user}
    if note.strip():
        changes["note"] = note.strip()[:200]
    won = transition(
        PolicyIntroduction,
        introduction.pk,
        from_=current,
        to=status,
        allowed=PolicyIntroduction.STATUS_MOVES,
        **changes,
    )
    introduction.refresh_from_db()
    if not won:
        raise ValidationError(
            {"status": [INTRODUCTION_CHANGED % {"status": introduction.get_status_display()}]}
        )
    return introduction
