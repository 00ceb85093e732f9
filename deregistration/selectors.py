"""Reads of stage 3: the exit part of the person page, the supervisor's approval queue, the caseworkers' worklist
of exit proposals and the person's timeline entries. Every read is scoped to the user's region."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from codes.lookup import label
from common.models import Notification
from followup.models import MonthlyFollowUp
from followup.selectors import PublicService, exit_proposals
from offices.models import User
from offices.roles import Role
from offices.scoping import region_filter, scope_by_region
from portal.plugins import Badge
from registration.models import Person, Registration, Transfer
from registration.selectors import TimelineEntry

from .models import TOOK_EFFECT, Exit, ExitProposal
from .rules import ALL_CODES, CODE_REFUSALS, CODE_UNREACHABLE, REFUSALS_FOR_31, UNREACHABLE_MONTHS_FOR_32
from .services import cancel_notice_ref, notice_ref, offered_codes_for


def exit_options(registration: Registration) -> dict[str, Any]:
    """The codes offered for ``registration`` now and, for 31/32 not offered, why (the follow-up streaks)."""
    offered, streaks = offered_codes_for(registration)
    notes = []
    if CODE_REFUSALS not in offered:
        notes.append(
            _("“31 连续3次拒绝接受公共就业服务”不可选：目前连续拒绝 %(n)d 次，须满 %(min)d 次")
            % {"n": streaks["refusals"].count, "min": REFUSALS_FOR_31}
        )
    if CODE_UNREACHABLE not in offered:
        notes.append(
            _("“32 连续6个月无法取得联系”不可选：目前连续 %(n)d 个月无法取得联系，须满 %(min)d 个月")
            % {"n": streaks["unreachable"].count, "min": UNREACHABLE_MONTHS_FOR_32}
        )
    return {"offered": offered, "streaks": streaks, "not_offered_notes": notes}


def approval_queue(user: User) -> QuerySet[Exit]:
    """The proposed exits (31/32/90) of the user's region waiting for a supervisor, oldest first."""
    return scope_by_region(
        Exit.objects.filter(status=Exit.Status.PROPOSED).select_related(
            "registration__person", "registration__office", "proposed_by"
        ),
        user,
    ).order_by("proposed_at", "pk")


def open_proposals(user: User, *, mine: bool = False) -> QuerySet[MonthlyFollowUp]:
    """The exit proposals of the user's region still to be decided, newest first: follow-up outcomes "found work"
    (→ 11) or "started a business" (→ 12) on active registrations (``followup.selectors.exit_proposals``) that
    were not dismissed (``ProposalDismissal``) and whose registration has no proposed or effective exit."""
    exit_made = Exit.objects.filter(
        registration_id=OuterRef("case_id"),
        status__in=[Exit.Status.PROPOSED, Exit.Status.EFFECTIVE],
    )
    proposals = (
        exit_proposals(user)
        .filter(exit_dismissal__isnull=True)
        .exclude(Exists(exit_made))
        .select_related("case__registration__office", "done_by", "attempt")
        .order_by("-month", "-done_at", "-pk")
    )
    return proposals.filter(case__responsible=user) if mine else proposals


def open_exit_proposals(user: User, *, mine: bool = False) -> QuerySet[ExitProposal]:
    """The exit proposals from comparison data (``ExitProposal``) of the user's region still to be decided, newest
    event first: open, on an active registration without a proposed or effective exit. ``mine``: only those of
    registrations whose follow-up case the user is responsible for (where each proposal lands)."""
    exit_made = Exit.objects.filter(
        registration_id=OuterRef("registration_id"),
        status__in=[Exit.Status.PROPOSED, Exit.Status.EFFECTIVE],
    )
    proposals = (
        scope_by_region(
            ExitProposal.objects.filter(
                status=ExitProposal.Status.OPEN, registration__status=Registration.Status.ACTIVE
            ),
            user,
        )
        .exclude(Exists(exit_made))
        .select_related(
            "registration__person",
            "registration__office",
            "registration__followup_case__responsible",
            "batch",
            "record",
        )
        .order_by("-event_on", "-pk")
    )
    return proposals.filter(registration__followup_case__responsible=user) if mine else proposals


def proposal_exit_date(proposal: ExitProposal) -> date:
    """The deregistration date the exit form is prefilled with: the event's date, not before the registration
    date (ADC210's rule) and not after today."""
    return min(max(proposal.event_on, proposal.registration.registered_on), timezone.localdate())


def registration_badges(request, registration_ids: list[int]) -> dict[int, list[Badge]]:
    """Portal plugin ``list_badges``: "有待处理的注销提议" on each listed registration (of the user's scope) with an
    open exit proposal, from comparison data or from follow-up, linked to the worklist. Two queries, whatever
    the number of rows."""
    user = request.user
    if not registration_ids or not user.has_perm("deregistration.view_exit"):
        return {}
    marked = set(
        open_exit_proposals(user)
        .filter(registration_id__in=registration_ids)
        .values_list("registration_id", flat=True)
    ) | set(open_proposals(user).filter(case_id__in=registration_ids).values_list("case_id", flat=True))
    badge = Badge(_("有待处理的注销提议"), reverse("deregistration:proposals"))
    return {pk: [badge] for pk in marked}


def person_section(request, person: Person) -> tuple[str, dict[str, Any]] | None:
    """The exit section of the person page (portal plugin ``person_sections``): the exits of the person's
    registrations in the user's scope and, for an active registration without a waiting proposal, the exit form
    with only the codes offered."""
    from .forms import CancelForm, ExitForm  # forms import services; the page is the only reader here

    user = request.user
    if not user.has_perm("deregistration.view_exit"):
        return None
    registrations = list(
        scope_by_region(Registration.objects.filter(person=person), user).order_by("-registered_on", "-pk")
    )
    if not registrations:
        return None
    exits = list(
        Exit.objects.filter(registration__in=registrations)
        .select_related("registration", "proposed_by", "decided_by")
        .order_by("-proposed_at")
    )
    active = next((r for r in registrations if r.status == Registration.Status.ACTIVE), None)
    supervisor = user.has_role(Role.SUPERVISOR)
    context: dict[str, Any] = {
        "exits": exits,
        "active": active,
        "form": None,
        "proposals": [],
        "no_phone": no_phone_exits(exits),
        # 撤销注销 (before the upload) and 转移: a supervisor's corrections.
        "can_cancel": supervisor and user.has_perm("deregistration.change_exit"),
        "can_transfer": supervisor and active is not None and user.has_perm("registration.add_transfer"),
    }
    if context["can_cancel"]:
        for e in exits:  # one form per effective exit, with ids of its own
            if e.status == Exit.Status.EFFECTIVE:
                e.cancel_form = CancelForm(auto_id=f"id_cancel{e.pk}_%s")  # type: ignore[attr-defined]  # for the template
    context["exit_proposals"] = []
    if active is not None:
        context["proposals"] = list(open_proposals(user).filter(case__registration=active))
        context["exit_proposals"] = list(open_exit_proposals(user).filter(registration=active))
    waiting = active is not None and any(
        e.registration_id == active.pk and e.status == Exit.Status.PROPOSED for e in exits
    )
    context["waiting"] = waiting
    if active is not None and not waiting and user.has_perm("deregistration.add_exit"):
        options = exit_options(active)
        context.update(options, form=ExitForm(offered=options["offered"]))
    return "deregistration/person_section.html", context


def deregistration_timeline(person: Person) -> list[TimelineEntry]:
    """Stage 3's part of the person's timeline: each exit proposed, returned or taking effect, and the SMS."""
    entries: list[TimelineEntry] = []
    exits = list(Exit.objects.filter(registration__person=person).select_related("proposed_by", "decided_by"))
    url = reverse("registration:person_detail", args=[person.code])
    for e in exits:
        reason = f"{e.reason} {label('AJC00A', e.reason) or ''}".strip()
        if e.needs_approval:
            entries.append(
                TimelineEntry(
                    e.proposed_at,
                    "deregistration",
                    _("提出注销（待主管审批）：%(reason)s") % {"reason": reason},
                    str(e.proposed_by),
                    url,
                )
            )
        if e.status == Exit.Status.RETURNED and e.decided_at:
            entries.append(
                TimelineEntry(e.decided_at, "deregistration", _("注销申请被退回"), e.return_comment, url)
            )
        if e.status in TOOK_EFFECT:
            at = e.decided_at or e.proposed_at
            detail = _("注销日期 %(date)s") % {"date": f"{e.deregistered_on:%Y-%m-%d}"}
            entries.append(
                TimelineEntry(
                    at, "deregistration", _("已注销失业登记：%(reason)s") % {"reason": reason}, detail, url
                )
            )
        if e.status == Exit.Status.CANCELLED and e.cancelled_at:
            entries.append(
                TimelineEntry(
                    e.cancelled_at,
                    "deregistration",
                    _("撤销注销，失业登记恢复有效"),
                    _("%(by)s：%(reason)s") % {"by": e.cancelled_by, "reason": e.cancel_reason},
                    url,
                )
            )
    for t in Transfer.objects.filter(registration__person=person).select_related(
        "from_office", "to_office", "by"
    ):
        entries.append(
            TimelineEntry(
                t.at,
                "transfer",
                _("失业登记转移：%(from)s → %(to)s") % {"from": t.from_office.name, "to": t.to_office.name},
                _("%(by)s：%(reason)s") % {"by": t.by, "reason": t.reason},
                url,
            )
        )
    refs = [notice_ref(e) for e in exits] + [
        cancel_notice_ref(e) for e in exits if e.status == Exit.Status.CANCELLED
    ]
    for n in Notification.objects.filter(ref__in=refs).order_by("created_at"):
        title = _("短信通知（%(status)s）") % {"status": n.get_status_display()}
        entries.append(TimelineEntry(n.created_at, "notification", title, n.text))
    return entries


def public_exit(registration: Registration) -> list[PublicService]:
    """The exit as the applicant sees it on the online progress page (portal plugin ``progress_providers``): the
    date and the reason in plain Chinese, once it took effect; no remark, no staff name."""
    return [
        PublicService(e.deregistered_on, _("注销失业登记"), label("AJC00A", e.reason) or e.reason)
        for e in Exit.objects.filter(registration=registration, status=Exit.Status.EFFECTIVE)
    ]


def transfers_for(user: User) -> QuerySet[Transfer]:
    """The moves of registrations out of and into the user's region, newest first: the sending office keeps a
    read-only record of each move, the receiving office sees what it now holds."""
    return (
        Transfer.objects.filter(region_filter(user, "from_region") | region_filter(user, "to_region"))
        .select_related("registration__person", "from_office", "to_office", "by")
        .order_by("-at", "-pk")
    )


def no_phone_exits(exits: list[Exit]) -> set[int]:
    """The ids of those ``exits`` whose SMS could not be sent for lack of a phone (they get a printable notice)."""
    refs = {notice_ref(e): e.pk for e in exits if e.has_notice}
    if not refs:
        return set()
    found = Notification.objects.filter(ref__in=list(refs), status=Notification.Status.NO_PHONE)
    return {refs[ref] for ref in found.values_list("ref", flat=True)}


def exits_filtered(user: User, data: dict[str, Any]) -> QuerySet[Exit]:
    """The exits of the user's region (any status), newest deregistration date first, narrowed by the exits
    list's cleaned filter ``data`` (date range of ADC210, reason, office, status)."""
    exits = scope_by_region(Exit.objects.all(), user)
    if data.get("date_from"):
        exits = exits.filter(deregistered_on__gte=data["date_from"])
    if data.get("date_to"):
        exits = exits.filter(deregistered_on__lte=data["date_to"])
    if data.get("reason"):
        exits = exits.filter(reason=data["reason"])
    if data.get("office"):
        exits = exits.filter(registration__office=data["office"])
    if data.get("status"):
        exits = exits.filter(status=data["status"])
    return exits.select_related("registration__office", "registration__person").order_by(
        "-deregistered_on", "-pk"
    )


def reason_counts(exits: QuerySet[Exit]) -> list[dict[str, Any]]:
    """How many of ``exits`` per AJC00A reason, in the order of the code table, with the label."""
    counts = dict(exits.order_by().values_list("reason").annotate(n=Count("pk")).values_list("reason", "n"))
    return [
        {"code": code, "label": label("AJC00A", code) or code, "count": counts[code]}
        for code in ALL_CODES
        if counts.get(code)
    ]
