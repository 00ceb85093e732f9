"""Reads of stage 2: the worklists (first contacts, the month's follow-ups), the streaks the deregistration stage
reads for codes 31/32, policy suggestions, the person's timeline and what the applicant may see.

Every list starts from ``offices.scoping.scope_by_region`` over the case's region (the registration's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.models import Notification
from common.urgency import urgency_counts
from offices.roles import Role
from offices.scoping import scope_by_region
from registration.models import ComparisonRecord, Person, Registration
from registration.selectors import TimelineEntry

from .models import (
    EXIT_PROPOSALS,
    Assignment,
    Case,
    ContactAttempt,
    MonthlyFollowUp,
    Policy,
    PolicyIntroduction,
    ServiceDelivery,
    TierChange,
)

REFUSALS_FOR_EXIT = 3  # AJC00A 31: 连续3次拒绝接受公共就业服务
UNREACHABLE_MONTHS_FOR_EXIT = 6  # AJC00A 32: 连续6个月无法取得联系
ACTIVE = Registration.Status.ACTIVE


def sees_region(user) -> bool:
    """Supervisors (and superusers) see their whole region by caseworker; a caseworker sees their own cases."""
    return user.has_role(Role.SUPERVISOR)


# ---- worklists --------------------------------------------------------------------------------------
def first_contacts(user, *, responsible_id: int | None = None) -> QuerySet[Case]:
    """Active registrations in the user's scope still without a first contact, the earliest due first: the
    caseworker's own (responsible), or a supervisor's whole region (optionally one caseworker's).

    Reads the partial indexes ``followup_case_open_mine`` / ``followup_case_open_due`` (first_contact_at IS
    NULL): as many rows as first contacts are open, whatever the number of registrations."""
    cases = scope_by_region(
        Case.objects.filter(first_contact_at__isnull=True, registration__status=ACTIVE), user
    )
    if not sees_region(user):
        cases = cases.filter(responsible=user)
    elif responsible_id is not None:
        cases = cases.filter(responsible_id=responsible_id)
    return cases.select_related("registration__person", "registration__office", "responsible").order_by(
        "first_contact_due_at", "pk"
    )


def with_attempt_counts(cases: QuerySet[Case]) -> QuerySet[Case]:
    """``cases`` with ``failed_attempts`` and ``last_attempt_at`` (for a page of them)."""
    return cases.annotate(
        failed_attempts=Count("attempts", filter=Q(attempts__reached=False)),
        last_attempt_at=Max("attempts__at"),
    )


def by_caseworker(cases: QuerySet[Case], now: datetime) -> list[dict[str, Any]]:
    """Open first contacts per responsible caseworker, with the urgency counts (one query)."""
    rows: list[Any] = list(  # TypedDicts of values(); sorted by the annotated counts below
        cases.order_by()
        .values("responsible_id", "responsible__username", "responsible__handler_name")
        .annotate(**urgency_counts(now, "first_contact_due_at"))
    )
    return sorted(rows, key=lambda r: (-r["overdue"], -r["due_today"], r["responsible__username"]))


def this_month(today: date | None = None) -> date:
    return (today or timezone.localdate()).replace(day=1)


def monthly_followups(
    user, month: date, *, responsible_id: int | None = None, status: str = ""
) -> QuerySet[MonthlyFollowUp]:
    """The follow-ups of ``month`` of active registrations in the user's scope (a caseworker's own), open
    first, then by due day."""
    followups = scope_by_region(
        MonthlyFollowUp.objects.filter(month=month, case__registration__status=ACTIVE),
        user,
        field="case__region",
    )
    if not sees_region(user):
        followups = followups.filter(case__responsible=user)
    elif responsible_id is not None:
        followups = followups.filter(case__responsible_id=responsible_id)
    if status in MonthlyFollowUp.Status.values:
        followups = followups.filter(status=status)
    return followups.select_related("case__registration__person", "case__responsible").order_by(
        "-status", "due_on", "case_id"
    )


def followup_counts(followups: QuerySet[MonthlyFollowUp]) -> dict[str, int]:
    """How many follow-ups, open and done (one query)."""
    return followups.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=MonthlyFollowUp.Status.OPEN)),
        done=Count("pk", filter=Q(status=MonthlyFollowUp.Status.DONE)),
    )


def followups_by_caseworker(followups: QuerySet[MonthlyFollowUp]) -> list[dict[str, Any]]:
    """A month's follow-ups per responsible caseworker: how many, open, done (one query)."""
    rows: list[Any] = list(  # TypedDicts of values()
        followups.order_by()
        .values("case__responsible_id", "case__responsible__username", "case__responsible__handler_name")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status=MonthlyFollowUp.Status.OPEN)),
            done=Count("pk", filter=Q(status=MonthlyFollowUp.Status.DONE)),
        )
    )
    return sorted(rows, key=lambda r: (-r["open"], r["case__responsible__username"]))


def exit_proposals(user) -> QuerySet[MonthlyFollowUp]:
    """Follow-ups whose outcome proposes an exit (found work → 11, started a business → 12) on registrations still
    active in the user's scope: for the deregistration stage, which decides."""
    return scope_by_region(
        MonthlyFollowUp.objects.filter(outcome__in=list(EXIT_PROPOSALS), case__registration__status=ACTIVE),
        user,
        field="case__region",
    ).select_related("case__registration__person")


# ---- streaks (derived from the record, never typed in) -------------------------------------------------
@dataclass(frozen=True)
class Streak:
    """A run of consecutive contacts or months: how many, and the first and last contact (or month) in it."""

    count: int
    first: date | None = None
    last: date | None = None


def refusal_streak(case: Case) -> Streak:
    """Consecutive reached contacts, the latest back, in which the person refused service (notice 四; exit code
    31 needs ``REFUSALS_FOR_EXIT``). A reached contact without refusal ends it; failed attempts neither count nor
    end it."""
    count, first, last = 0, None, None
    reached = case.attempts.filter(reached=True).order_by("-at", "-pk").values_list("refused_service", "at")
    for refused, at in reached.iterator():
        if not refused:
            break
        count += 1
        day = timezone.localdate(at)
        last = last or day
        first = day
    return Streak(count, first, last)


def _previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def unreachable_streak(case: Case, today: date | None = None) -> Streak:
    """Consecutive calendar months, the latest complete month back, each with at least one documented failed
    attempt and no reached contact (notice 四; exit code 32 needs ``UNREACHABLE_MONTHS_FOR_EXIT``).

    A month without any attempt ends it, so an office that never tried cannot make someone eligible for exit. The
    current month is not over and does not count, unless the person was reached in it (then the streak is 0).
    Months are Asia/Shanghai calendar months."""
    current = this_month(today)
    rows: dict[Any, Any] = {
        row["month"]: row
        for row in case.attempts.annotate(month=TruncMonth("at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(
            n_reached=Count("pk", filter=Q(reached=True)), n_failed=Count("pk", filter=Q(reached=False))
        )
    }
    months = {(m.date() if isinstance(m, datetime) else m): row for m, row in rows.items()}
    if (row := months.get(current)) is not None and row["n_reached"]:
        return Streak(0)
    count, first, last = 0, None, None
    month = _previous_month(current)
    while (row := months.get(month)) is not None and row["n_failed"] and not row["n_reached"]:
        count += 1
        last = last or month
        first = month
        month = _previous_month(month)
    return Streak(count, first, last)


def exit_streaks(case: Case, today: date | None = None) -> dict[str, Any]:
    """Both streaks and whether each reaches the exit threshold (31, 32), for the person page and the
    deregistration stage (which also needs a supervisor's approval, notice 四)."""
    refusals, unreachable = refusal_streak(case), unreachable_streak(case, today)
    return {
        "refusals": refusals,
        "unreachable": unreachable,
        "code_31": refusals.count >= REFUSALS_FOR_EXIT,
        "code_32": unreachable.count >= UNREACHABLE_MONTHS_FOR_EXIT,
    }


def attempts_in_month(case: Case, month: date) -> QuerySet[ContactAttempt]:
    """The attempts of ``case`` in the calendar month starting ``month`` (Asia/Shanghai)."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(month, time.min, tzinfo=tz)
    end = datetime.combine(month.replace(day=28) + timedelta(days=4), time.min, tzinfo=tz).replace(day=1)
    return ContactAttempt.objects.filter(case=case, at__gte=start, at__lt=end)


# ---- policies -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonFacts:
    """What a policy's conditions are checked against, from the person's record."""

    age: int
    graduate: bool
    subsidy: bool
    migrant: bool
    difficulty: bool
    insured: bool


def person_facts(case: Case, today: date | None = None) -> PersonFacts:
    """The facts of the record: age today, the categories served as registered unemployed (notice 一) and
    employment-difficulty status from the application registered (registration's own category fields will
    replace this read), insured when the social-insurance comparison data holds a contribution period."""
    today = today or timezone.localdate()
    registration = case.registration
    person = registration.person
    application = registration.application
    birth = person.birth_date
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return PersonFacts(
        age=age,
        graduate=bool(application and application.is_graduate),
        subsidy=bool(application and application.draws_unemployment_subsidy),
        migrant=bool(application and application.migrant_allowance),
        difficulty=bool(application and application.difficulty_category),
        insured=ComparisonRecord.objects.filter(
            source=ComparisonRecord.Source.SOCIAL_INSURANCE, id_number=person.id_number
        ).exists(),
    )


def policy_matches(policy: Policy, facts: PersonFacts) -> bool:
    """Whether ``facts`` meet every condition ``policy`` sets (a ticked category: one of them)."""
    categories = [
        (policy.for_graduates, facts.graduate),
        (policy.for_subsidy_recipients, facts.subsidy),
        (policy.for_migrant_workers, facts.migrant),
    ]
    if any(ticked for ticked, _ in categories) and not any(ticked and has for ticked, has in categories):
        return False
    if policy.requires_difficulty and not facts.difficulty:
        return False
    if policy.requires_insured and not facts.insured:
        return False
    if policy.min_age is not None and facts.age < policy.min_age:
        return False
    return policy.max_age is None or facts.age <= policy.max_age


def current_policies(today: date) -> QuerySet[Policy]:
    return Policy.objects.filter(active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
    )


def policy_suggestions(case: Case, today: date | None = None) -> list[Policy]:
    """The current policies whose conditions the person's record meets (notice 三: 对符合…条件的，要主动向其介绍)."""
    today = today or timezone.localdate()
    facts = person_facts(case, today)
    return [policy for policy in current_policies(today) if policy_matches(policy, facts)]


# ---- the person's timeline, the applicant's view --------------------------------------------------------
def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=timezone.get_current_timezone())


def followup_timeline(person: Person) -> list[TimelineEntry]:
    """Stage 2's part of the person's timeline: the follow-up record of each registration (with a link to its
    page), contact attempts, tiers, services, policies, monthly follow-ups, reassignments and the SMS sent."""
    entries: list[TimelineEntry] = []
    registrations = {r.pk: r for r in Registration.objects.filter(person=person)}
    if not registrations:
        return entries
    cases = {c.pk: c for c in Case.objects.filter(pk__in=list(registrations))}
    for reg in registrations.values():
        url = reverse("followup:case", args=[reg.code])
        case = cases.get(reg.pk)
        if case is None or case.first_contact_at is None:
            if reg.status == ACTIVE:
                entries.append(
                    TimelineEntry(
                        reg.created_at + timedelta(microseconds=1),
                        "followup",
                        _("首次联系：待完成"),
                        _("时限 %(due)s")
                        % {"due": f"{timezone.localtime(reg.first_contact_due_at):%Y-%m-%d}"},
                        url,
                    )
                )
    case_urls = {pk: reverse("followup:case", args=[registrations[pk].code]) for pk in cases}
    for a in ContactAttempt.objects.filter(case__in=list(cases)).select_related("by").order_by("at"):
        if a.reached:
            title = _("首次联系（已联系上）") if a.first_contact else _("联系记录：已联系上")
            bits = [a.get_channel_display(), str(a.by)]
            if a.refused_service:
                bits.append(_("本人拒绝接受服务"))
            if a.wanted_occupation:
                bits.append(_("意向：%(job)s") % {"job": a.wanted_occupation})
        else:
            title = _("联系未成功：%(reason)s") % {"reason": a.get_not_reached_reason_display()}
            bits = [a.get_channel_display(), str(a.by)]
        entries.append(
            TimelineEntry(a.at, "contact", title, " · ".join(map(str, bits)), case_urls[a.case_id])
        )
    for t in TierChange.objects.filter(case__in=list(cases)).order_by("at"):
        title = _("服务类别：%(tier)s") % {"tier": t.get_tier_display()}
        entries.append(TimelineEntry(t.at, "tier", title, t.reason, case_urls[t.case_id]))
    for s in ServiceDelivery.objects.filter(case__in=list(cases)).select_related("service", "policy"):
        detail = " · ".join(
            x for x in (s.employer, s.position, s.policy.name if s.policy else "", s.outcome) if x
        )
        entries.append(
            TimelineEntry(
                _day_start(s.delivered_on),
                "service",
                _("服务：%(name)s") % {"name": s.service.name},
                detail,
                case_urls[s.case_id],
            )
        )
    for p in PolicyIntroduction.objects.filter(case__in=list(cases)).select_related("policy"):
        title = _("政策：%(name)s（%(status)s）") % {"name": p.policy.name, "status": p.get_status_display()}
        entries.append(TimelineEntry(p.created_at, "policy", title, p.note, case_urls[p.case_id]))
    for f in MonthlyFollowUp.objects.filter(case__in=list(cases), status=MonthlyFollowUp.Status.DONE):
        assert (
            f.done_at is not None
        )  # done follow-ups have it (constraint followup_monthlyfollowup_done_has_outcome)
        title = _("%(month)s 跟踪调查：%(outcome)s") % {
            "month": f"{f.month:%Y-%m}",
            "outcome": f.get_outcome_display(),
        }
        detail = (
            _("建议注销（代码%(code)s），由注销环节办理") % {"code": f.proposed_exit_code}
            if f.proposed_exit_code
            else ""
        )
        entries.append(TimelineEntry(f.done_at, "followup", title, str(detail), case_urls[f.case_id]))
    for change in Assignment.objects.filter(case__in=list(cases)).select_related("responsible"):
        title = _("责任经办人调整为 %(name)s") % {"name": change.responsible}
        entries.append(
            TimelineEntry(change.at, "assignment", title, change.reason, case_urls[change.case_id])
        )
    refs = [f"followup:{reg.number}" for reg in registrations.values()]
    for n in Notification.objects.filter(ref__in=refs).order_by("created_at"):
        title = _("短信通知（%(status)s）") % {"status": n.get_status_display()}
        entries.append(TimelineEntry(n.created_at, "notification", title, n.text))
    return entries


@dataclass(frozen=True)
class PublicService:
    """A service as the applicant sees it on the progress page (notice 六: 服务提供): no internal note, no staff
    name."""

    on: date
    name: str
    detail: str


def public_services(registration: Registration) -> list[PublicService]:
    """The services delivered and the policies introduced to the person of ``registration``, newest first, for
    the applicant's online progress page (registration's page shows them once it reads this stage's part)."""
    rows: list[PublicService] = []
    deliveries = ServiceDelivery.objects.filter(case_id=registration.pk).select_related("service", "policy")
    for s in deliveries:
        detail = " · ".join(
            x for x in (s.employer, s.position, s.policy.name if s.policy else "", s.outcome) if x
        )
        rows.append(PublicService(s.delivered_on, s.service.name, detail))
    for p in PolicyIntroduction.objects.filter(case_id=registration.pk).select_related("policy"):
        rows.append(
            PublicService(
                timezone.localdate(p.created_at),
                _("政策介绍：%(name)s") % {"name": p.policy.name},
                str(p.get_status_display()),
            )
        )
    return sorted(rows, key=lambda r: r.on, reverse=True)


def person_section(request, person: Person) -> tuple[str, dict[str, Any]] | None:
    """The follow-up section of the person page (portal plugin ``person_sections``): for each of the person's
    registrations in the user's scope, the responsible caseworker, the tier, the first contact and the streaks,
    with a link to the follow-up page."""
    if not request.user.has_perm("followup.view_case"):
        return None
    cases = scope_by_region(
        Case.objects.filter(registration__person=person).select_related("registration", "responsible"),
        request.user,
    ).order_by("-registration__registered_on")
    rows = [{"case": case, **exit_streaks(case)} for case in cases]
    if not rows:
        return None
    return "followup/person_section.html", {"rows": rows}
