"""The exit rules (notice 四): deregister an active registration with an AJC00A reason, tell the person, and
never "simply" deregister for refusals (31) or unreachability (32).

    exit_propose(registration=r, user=cw, code="11", deregistered_on=d, remark="", further_checks="")
    exit_approve(exit=e, user=supervisor)            # 31/32/90: takes effect now
    exit_return(exit=e, user=supervisor, comment="…")  # the registration stays active
    proposal_dismiss(followup=f, user=cw, reason="…")  # 不予注销 on a follow-up's exit proposal (11/12)
    exit_cancel(exit=e, user=supervisor, reason="…")   # before the upload: the registration is active again
    exit_proposal_dismiss(proposal=p, user=cw, reason="…")  # 不予注销 on a proposal from comparison data
    exit_proposals_from_comparison(batch_id=None)  # new jobs (11) / businesses (12) after the registration date

An exit that takes effect closes the registration's open proposals from comparison data (``exit_proposals_close``).

These are the only way an exit is made (the admin site shows exits read-only). An exit that takes effect ends
the registration through registration's ``registration_end`` in the same transaction: both are kept or neither.
Messages are lazy (``_`` is ``gettext_lazy``); the SMS is written in Chinese inside
``translation.override(SMS_LANGUAGE)``.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from codes.lookup import label, validate_code
from common.notifications import notification_queue
from common.numbering import next_number
from common.transitions import transition
from followup.models import EXIT_PROPOSALS, MonthlyFollowUp
from followup.selectors import exit_streaks
from followup.services import case_for
from offices.models import Region, User
from offices.roles import Role
from offices.scoping import can_see_region
from registration.models import Registration
from registration.services import registration_end, registration_reopen, require_handler_name
from workdays.calendar import CalendarNotLoaded, deadline_at

from .clocks import APPROVAL_WORKDAYS
from .models import (
    PROPOSAL_CODES,
    SERIAL_PREFIX,
    SERIAL_SEQUENCE,
    Exit,
    ExitProposal,
    ProposalDismissal,
    ProposalSource,
)
from .rules import (
    CODE_REFUSALS,
    NEEDS_APPROVAL,
    NEEDS_FURTHER_CHECKS,
    NEEDS_REMARK,
    NO_NOTICE,
    codes_offered,
)
from .signals import exit_cancelled, exit_cancelling

SMS_LANGUAGE = "zh-hans"
REMARK_MAX_LENGTH = 100  # AAE013
FURTHER_CHECKS_MAX_LENGTH = 500
RETURN_COMMENT_MAX_LENGTH = 300
DISMISS_REASON_MAX_LENGTH = 300

OUT_OF_SCOPE = _("该事项不在您的管辖区划内")
NOT_ACTIVE = _("该失业登记已注销，不能再办理注销")
ALREADY_PROPOSED = _("该失业登记已有待审批的注销申请，请等待主管审批")
DATE_IN_FUTURE = _("注销日期不能晚于今天")
DATE_BEFORE_REGISTERED = _("注销日期不能早于登记日期（%(registered_on)s）")
NOT_OFFERED_31 = _(
    "连续拒绝接受公共就业服务未满3次，不能以“连续3次拒绝接受公共就业服务”注销（目前连续%(count)d次）"
)
NOT_OFFERED_32 = _("连续无法取得联系未满6个月，不能以“连续6个月无法取得联系”注销（目前连续%(count)d个月）")
REMARK_REQUIRED = _("注销原因为“其他”时请在备注中写明具体情况")
REMARK_TOO_LONG = _("备注最多 %(limit)d 个字符")
FURTHER_CHECKS_REQUIRED = _("请写明已进一步核实的情况（入户走访、其他联系方式、信息比对等）")
FURTHER_CHECKS_TOO_LONG = _("核实情况最多 %(limit)d 个字符")
NOT_SUPERVISOR = _("只有主管可以审批注销")
OWN_PROPOSAL = _("不能审批本人提出的注销")
NOT_PROPOSED = _("该注销已处理（%(status)s），不能再审批")
RETURN_COMMENT_REQUIRED = _("请填写退回意见")
RETURN_COMMENT_TOO_LONG = _("退回意见最多 %(limit)d 个字符")
DISMISS_REASON_REQUIRED = _("请填写不予注销的理由")
DISMISS_REASON_TOO_LONG = _("不予注销的理由最多 %(limit)d 个字符")
NOT_A_PROPOSAL = _("该跟踪结果不是注销提议")
ALREADY_DISMISSED = _("该注销提议已处理（不予注销），不能重复处理")
NOT_SUPERVISOR_CANCEL = _("只有主管可以撤销注销")
NOT_CANCELLABLE = _("该注销当前为“%(status)s”，只有已生效的注销可以撤销")
CANCEL_REASON_REQUIRED = _("请填写撤销原因")
CANCEL_REASON_TOO_LONG = _("撤销原因最多 %(limit)d 个字符")
CANCEL_REASON_MAX_LENGTH = 300
TRANSFER_WAITING_EXIT = _("该失业登记有待主管审批的注销申请，请先审批或退回后再转移")


def ministry_region_code(region: Region) -> str:
    """AAB301: the GB/T 2260 code of ``region``; a locally assigned region (``is_local``, e.g. 410871) maps to
    the nearest ancestor with a real code, so the ministry's code check passes."""
    current: Region | None = region
    while current is not None and current.is_local:
        current = current.parent
    return (current or region).code


def _check_scope(user: User, region: Region) -> None:
    if not can_see_region(user, region):
        raise PermissionDenied(OUT_OF_SCOPE)


def _check_text(value: str, *, field: str, limit: int, too_long) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationError({field: ValidationError(too_long % {"limit": limit}, code="too_long")})
    return value


def _required_text(value: str, *, field: str, limit: int, too_long, required) -> str:
    """``value`` stripped; refused when empty (``required``) or longer than ``limit`` (``too_long``), on ``field``."""
    value = _check_text(value, field=field, limit=limit, too_long=too_long)
    if not value:
        raise ValidationError({field: ValidationError(required, code="required")})
    return value


def offered_codes_for(registration: Registration) -> tuple[set[str], dict]:
    """The AJC00A codes that may be chosen for ``registration`` now, and the follow-up streaks they rest on
    (``followup.selectors.exit_streaks``)."""
    streaks = exit_streaks(case_for(registration))
    offered = codes_offered(
        refusals_in_a_row=streaks["refusals"].count, unreachable_months=streaks["unreachable"].count
    )
    return offered, streaks


@transaction.atomic
def exit_propose(
    *,
    registration: Registration,
    user: User,
    code: str,
    deregistered_on: date,
    remark: str = "",
    further_checks: str = "",
) -> Exit:
    """Deregister ``registration`` (notice 四) with reason ``code`` (AJC00A) as of ``deregistered_on`` (ADC210).

    Codes 31, 32 and 90 are proposed and wait for a supervisor (``exit_approve``); 31 and 32 only when the
    follow-up streak reaches 3 refusals / 6 unreachable months, with the further checks described; 90 with a
    remark. Every other code takes effect at once: the registration is ended in this transaction and the person
    told by SMS (none for 26, death).
    """
    _check_scope(user, registration.region)
    require_handler_name(user)
    registration = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("person", "office", "region", "application")
        .get(pk=registration.pk)
    )
    if registration.status != Registration.Status.ACTIVE:
        raise ValidationError(NOT_ACTIVE, code="not_active")
    if Exit.objects.filter(registration=registration, status=Exit.Status.PROPOSED).exists():
        raise ValidationError(ALREADY_PROPOSED, code="already_proposed")

    errors: dict[str, list[ValidationError]] = {}
    try:
        validate_code("AJC00A", code)
    except ValidationError as exc:
        errors.setdefault("code", []).append(exc)
    else:
        offered, streaks = offered_codes_for(registration)
        if code not in offered:
            streak = streaks["refusals"] if code == CODE_REFUSALS else streaks["unreachable"]
            message = NOT_OFFERED_31 if code == CODE_REFUSALS else NOT_OFFERED_32
            errors.setdefault("code", []).append(
                ValidationError(message % {"count": streak.count}, code="not_offered")
            )
    today = timezone.localdate()
    if deregistered_on > today:
        errors.setdefault("deregistered_on", []).append(ValidationError(DATE_IN_FUTURE, code="future"))
    elif deregistered_on < registration.registered_on:
        errors.setdefault("deregistered_on", []).append(
            ValidationError(
                DATE_BEFORE_REGISTERED % {"registered_on": f"{registration.registered_on:%Y-%m-%d}"},
                code="before_registered",
            )
        )
    remark = _check_text(remark, field="remark", limit=REMARK_MAX_LENGTH, too_long=REMARK_TOO_LONG)
    further_checks = _check_text(
        further_checks,
        field="further_checks",
        limit=FURTHER_CHECKS_MAX_LENGTH,
        too_long=FURTHER_CHECKS_TOO_LONG,
    )
    if code in NEEDS_REMARK and not remark:
        errors.setdefault("remark", []).append(ValidationError(REMARK_REQUIRED, code="required"))
    if code in NEEDS_FURTHER_CHECKS and not further_checks:
        errors.setdefault("further_checks", []).append(
            ValidationError(FURTHER_CHECKS_REQUIRED, code="required")
        )
    if errors:
        raise ValidationError(errors)

    person = registration.person
    id_number = registration.application.typed_id_number if registration.application else person.id_number
    effective = code not in NEEDS_APPROVAL
    proposed_at = timezone.now()
    approval_due_at = None
    if (
        not effective
    ):  # a supervisor decides within 3 working days (deregistration.clocks: this system's rule)
        try:
            approval_due_at = deadline_at(proposed_at, APPROVAL_WORKDAYS)
        except CalendarNotLoaded as exc:
            raise ValidationError(str(exc), code="calendar") from exc
    if effective:
        registration_end(registration=registration, ended_on=deregistered_on)
    try:
        with transaction.atomic():
            exit = Exit.objects.create(
                registration=registration,
                region=registration.region,
                status=Exit.Status.EFFECTIVE if effective else Exit.Status.PROPOSED,
                reason=code,
                deregistered_on=deregistered_on,
                remark=remark,
                further_checks=further_checks,
                proposed_by=user,
                proposed_at=proposed_at,
                approval_due_at=approval_due_at,
                region_code=ministry_region_code(registration.region),
                serial=next_number(SERIAL_PREFIX, SERIAL_SEQUENCE),
                handler_name=user.handler_name,
                effective_on=today if effective else None,
                name=person.name,
                id_type=person.id_type,
                id_number=id_number,
                social_security_number=person.social_security_number
                or (id_number if len(id_number) <= 18 else ""),
            )
    except IntegrityError as exc:  # another caseworker's exit of the same registration won the race
        raise ValidationError(ALREADY_PROPOSED, code="already_proposed") from exc
    if effective:
        exit_proposals_close(exit=exit)
        _tell(exit)
    return exit


def _check_decidable(exit: Exit, user: User) -> Exit:
    _check_scope(user, exit.region)
    if not user.has_role(Role.SUPERVISOR):
        raise PermissionDenied(NOT_SUPERVISOR)
    require_handler_name(user)
    exit = Exit.objects.select_related("registration__person", "registration__office").get(pk=exit.pk)
    if exit.proposed_by_id == user.pk:
        raise ValidationError(OWN_PROPOSAL, code="own_proposal")
    if exit.status != Exit.Status.PROPOSED:
        raise ValidationError(NOT_PROPOSED % {"status": exit.get_status_display()}, code="not_proposed")
    return exit


def _decide_proposed(exit: Exit, user: User, to: str, **fields) -> None:
    """Move a proposed ``exit`` to ``to`` as decided by ``user`` now, with ``fields`` (conditional UPDATE, so of two
    decisions at once only one wins); refused with the exit's present status when it is no longer proposed."""
    won = transition(
        Exit,
        exit.pk,
        from_=Exit.Status.PROPOSED,
        to=to,
        allowed=Exit.STATUS_MOVES,
        decided_by=user,
        decided_at=timezone.now(),
        **fields,
    )
    if not won:
        exit.refresh_from_db()
        raise ValidationError(NOT_PROPOSED % {"status": exit.get_status_display()}, code="not_proposed")


@transaction.atomic
def exit_approve(*, exit: Exit, user: User) -> Exit:
    """A supervisor (not the proposer) approves a 31/32/90 exit: it takes effect today (AAE036), the
    registration ends as of the deregistration date, and the person is told (notice 四)."""
    exit = _check_decidable(exit, user)
    _decide_proposed(exit, user, Exit.Status.EFFECTIVE, effective_on=timezone.localdate())
    registration_end(registration=exit.registration, ended_on=exit.deregistered_on)
    exit.refresh_from_db()
    exit_proposals_close(exit=exit)
    _tell(exit)
    return exit


@transaction.atomic
def exit_return(*, exit: Exit, user: User, comment: str) -> Exit:
    """A supervisor returns a proposed exit with a comment: the registration stays active; the caseworker may
    propose again (a new exit)."""
    comment = _required_text(
        comment,
        field="comment",
        limit=RETURN_COMMENT_MAX_LENGTH,
        too_long=RETURN_COMMENT_TOO_LONG,
        required=RETURN_COMMENT_REQUIRED,
    )
    exit = _check_decidable(exit, user)
    _decide_proposed(exit, user, Exit.Status.RETURNED, return_comment=comment)
    exit.refresh_from_db()
    return exit


@transaction.atomic
def proposal_dismiss(*, followup: MonthlyFollowUp, user: User, reason: str) -> ProposalDismissal:
    """不予注销: a caseworker of the region decides that a follow-up outcome proposing an exit ("found work" → 11,
    "started a business" → 12) does not lead to one, with a reason; the proposal leaves the worklist. Once per
    follow-up: a second dismissal is refused (idempotent, also under a race through the one-to-one key)."""
    reason = _required_text(
        reason,
        field="reason",
        limit=DISMISS_REASON_MAX_LENGTH,
        too_long=DISMISS_REASON_TOO_LONG,
        required=DISMISS_REASON_REQUIRED,
    )
    followup = MonthlyFollowUp.objects.select_related("case__region").get(pk=followup.pk)
    _check_scope(user, followup.case.region)
    if followup.outcome not in EXIT_PROPOSALS:
        raise ValidationError(NOT_A_PROPOSAL, code="not_a_proposal")
    if ProposalDismissal.objects.filter(followup=followup).exists():
        raise ValidationError(ALREADY_DISMISSED, code="already_dismissed")
    try:
        with transaction.atomic():
            return ProposalDismissal.objects.create(
                followup=followup, region=followup.case.region, reason=reason, by=user, at=timezone.now()
            )
    except IntegrityError as exc:  # another caseworker dismissed it at the same moment
        raise ValidationError(ALREADY_DISMISSED, code="already_dismissed") from exc


@transaction.atomic
def exit_cancel(*, exit: Exit, user: User, reason: str) -> Exit:
    """撤销注销 (notice 四, corrections): before its upload a supervisor of the region cancels an effective exit,
    with a reason; the registration becomes active again (registration's ``registration_reopen``, which refuses
    when the person has registered or applied again since) and the person is told (none for code 26).

    The exit row is locked first; then ``signals.exit_cancelling`` is sent, and a receiver refuses once the exit
    was uploaded (the national sync stage: after upload the person registers anew); then the registration is
    reopened, the exit cancelled and ``signals.exit_cancelled`` sent. One transaction: a refusal anywhere leaves
    the exit effective and the registration ended."""
    reason = _required_text(
        reason,
        field="reason",
        limit=CANCEL_REASON_MAX_LENGTH,
        too_long=CANCEL_REASON_TOO_LONG,
        required=CANCEL_REASON_REQUIRED,
    )
    _check_scope(user, exit.region)
    if not user.has_role(Role.SUPERVISOR):
        raise PermissionDenied(NOT_SUPERVISOR_CANCEL)
    exit = (
        Exit.objects.select_for_update(of=("self",))
        .select_related("registration__person", "registration__office", "region")
        .get(pk=exit.pk)
    )
    if exit.status != Exit.Status.EFFECTIVE:
        raise ValidationError(NOT_CANCELLABLE % {"status": exit.get_status_display()}, code="not_effective")
    exit_cancelling.send(sender=Exit, exit=exit, user=user)
    registration_reopen(registration=exit.registration, user=user)
    won = transition(
        Exit,
        exit.pk,
        from_=Exit.Status.EFFECTIVE,
        to=Exit.Status.CANCELLED,
        allowed=Exit.STATUS_MOVES,
        cancelled_by=user,
        cancelled_at=timezone.now(),
        cancel_reason=reason,
    )
    if not won:  # cannot happen under the row lock; kept as the guard of the conditional UPDATE
        raise ValidationError(NOT_CANCELLABLE % {"status": exit.get_status_display()}, code="not_effective")
    exit.refresh_from_db()
    exit_cancelled.send(sender=Exit, exit=exit, user=user)
    _tell_cancelled(exit)
    return exit


def refuse_transfer_while_waiting(sender, *, registration: Registration, **kwargs) -> None:
    """Receiver of ``registration.signals.registration_transferring``: an exit waiting for a supervisor is decided
    where it was proposed, before the registration moves (connected in ``apps.py``)."""
    if Exit.objects.filter(registration=registration, status=Exit.Status.PROPOSED).exists():
        raise ValidationError(TRANSFER_WAITING_EXIT, code="exit_waiting")


def notice_ref(exit: Exit) -> str:
    """The ``Notification.ref`` of the SMS telling the person of ``exit``."""
    return f"deregistration:{exit.serial}"


def cancel_notice_ref(exit: Exit) -> str:
    """The ``Notification.ref`` of the SMS telling the person the exit was cancelled."""
    return f"deregistration:{exit.serial}:cancel"


def _tell_cancelled(exit: Exit) -> None:
    if exit.reason in NO_NOTICE:
        return
    registration = exit.registration
    with translation.override(SMS_LANGUAGE):
        text = gettext(
            "【失业登记】%(name)s，您好！您的失业登记（登记编号%(number)s）于%(date)s办理的注销已撤销，"
            "失业登记继续有效。如有疑问请联系%(office)s：%(contact)s。"
        ) % {
            "name": exit.name,
            "number": registration.number,
            "date": f"{exit.deregistered_on:%Y年%m月%d日}",
            "office": registration.office.name,
            "contact": registration.office.phone or registration.office.address or registration.office.name,
        }
    notification_queue(phone=registration.person.phone, text=text, ref=cancel_notice_ref(exit))


def _tell(exit: Exit) -> None:
    """Tell the person "以适当方式" (notice 四): an SMS with the ``deregistration:`` reference (stored as no-phone
    when there is none); nobody to tell for code 26 (death)."""
    if not exit.has_notice:
        return
    registration = exit.registration
    office = registration.office
    with translation.override(SMS_LANGUAGE):
        text = gettext(
            "【失业登记】%(name)s，您好！您的失业登记（登记编号%(number)s）已于%(date)s注销，注销原因：%(reason)s。"
            "如有疑问请联系%(office)s：%(contact)s。"
        ) % {
            "name": exit.name,
            "number": registration.number,
            "date": f"{exit.deregistered_on:%Y年%m月%d日}",
            "reason": label("AJC00A", exit.reason) or exit.reason,
            "office": office.name,
            "contact": office.phone or office.address or office.name,
        }
    notification_queue(phone=registration.person.phone, text=text, ref=notice_ref(exit))


# ---- exit proposals from comparison data (ExitProposal) ------------------------------------------------------
PROPOSAL_NOT_OPEN = _("该注销提议已处理（%(status)s），不能重复处理")


def exit_proposals_close(*, exit: Exit) -> int:
    """An exit of the registration took effect (notice 四): its open proposals from comparison data are closed as
    confirmed, naming the exit (whichever code it has: the registration is ended either way). Returns how many.
    Called by ``exit_propose`` and ``exit_approve`` in their transaction."""
    return ExitProposal.objects.filter(
        registration_id=exit.registration_id, status=ExitProposal.Status.OPEN
    ).update(
        status=ExitProposal.Status.CONFIRMED,
        exit=exit,
        decided_by=exit.decided_by or exit.proposed_by,
        decided_at=timezone.now(),
        updated_at=timezone.now(),
    )


@transaction.atomic
def exit_proposal_dismiss(*, proposal: ExitProposal, user: User, reason: str) -> ExitProposal:
    """不予注销: a caseworker of the region decides that a proposal from comparison data (a pension award, a death,
    school or enlistment, prison, a new job or business) does not lead to an exit, with a reason; it leaves the
    worklist and the same event is never proposed again (``deregistration_exitproposal_once_per_event``). Once:
    a proposal already dismissed or closed by an exit is refused, also under a race (conditional UPDATE)."""
    reason = _required_text(
        reason,
        field="reason",
        limit=DISMISS_REASON_MAX_LENGTH,
        too_long=DISMISS_REASON_TOO_LONG,
        required=DISMISS_REASON_REQUIRED,
    )
    proposal = ExitProposal.objects.select_related("region").get(pk=proposal.pk)
    _check_scope(user, proposal.region)
    won = transition(
        ExitProposal,
        proposal.pk,
        from_=ExitProposal.Status.OPEN,
        to=ExitProposal.Status.DISMISSED,
        allowed=ExitProposal.STATUS_MOVES,
        dismiss_reason=reason,
        decided_by=user,
        decided_at=timezone.now(),
    )
    proposal.refresh_from_db()
    if not won:
        raise ValidationError(PROPOSAL_NOT_OPEN % {"status": proposal.get_status_display()}, code="not_open")
    return proposal


# Records of stage 1's comparison (registration.ComparisonRecord) that started after the registration date of an
# active registration of the same person: a new job (social insurance, → 11) or a new business (→ 12). One
# statement; the unique key (registration, code, source, event date) makes it idempotent.
_COMPARISON_SQL = """
INSERT INTO deregistration_exitproposal
    (created_at, updated_at, registration_id, region_id, code, source, event_on, evidence, batch_id, "row",
     record_id, status, dismiss_reason)
SELECT now(), now(), r.id, r.region_id,
       CASE c.source WHEN %(si)s THEN %(code_si)s ELSE %(code_bu)s END,
       CASE c.source WHEN %(si)s THEN %(employment)s ELSE %(business)s END,
       c.start_date,
       left(c.organisation, 300),
       c.batch_id, NULL, c.id, %(open)s, ''
FROM registration_comparisonrecord c
JOIN registration_person p ON p.id_number = c.id_number AND p.id_type = %(citizen)s
JOIN registration_registration r ON r.person_id = p.id AND r.status = %(active)s
WHERE c.start_date > r.registered_on AND c.start_date <= %(today)s {batch_filter}
ORDER BY c.id
ON CONFLICT DO NOTHING
"""


def exit_proposals_from_comparison(*, batch_id: int | None = None) -> int:
    """Propose 11 / 12 (notice 四: found a job, started a business) for every active registration whose person has
    a social-insurance or business record starting after the registration date; ``batch_id`` limits the records
    to one comparison import (called when that import is done). Returns how many proposals were made.

    When: right after each comparison import (``registration.signals.import_batch_done``) for that file's
    records, and every night (job ``deregistration.propose_from_comparison``) over all records, which also
    catches a registration imported after the record (既有失业登记) and an import whose signal was lost.
    A record whose period has since ended still proposes (the registration should have ended when the job
    began); the worklist shows its period. A record that has not started yet proposes once it has (the nightly
    run). Records serve the whole deployment (as for the comparison at registration), so the proposals land in
    whichever region holds the registration. Idempotent: an event is proposed once, whatever became of it."""
    from registration.models import CITIZEN_ID, ComparisonRecord
    from registration.models import Registration as Reg

    batch_filter = "AND c.batch_id = %(batch)s" if batch_id is not None else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _COMPARISON_SQL.format(batch_filter=batch_filter),
            {
                "si": ComparisonRecord.Source.SOCIAL_INSURANCE,
                "code_si": PROPOSAL_CODES[ProposalSource.EMPLOYMENT],
                "code_bu": PROPOSAL_CODES[ProposalSource.BUSINESS],
                "employment": ProposalSource.EMPLOYMENT,
                "business": ProposalSource.BUSINESS,
                "open": ExitProposal.Status.OPEN,
                "citizen": CITIZEN_ID,
                "active": Reg.Status.ACTIVE,
                "batch": batch_id,
                "today": timezone.localdate(),
            },
        )
        return cursor.rowcount
