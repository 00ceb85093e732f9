"""Stage 3 of the lifecycle, 退出 (notice 四 and the attachment 《失业登记退出数据上报对接方案》): the exit of a
registration with its AJC00A reason, told to the person, and kept as the row the daily upload reads.

``Exit`` is the deregistration: a caseworker records it (``services.exit_propose``); for most reasons it takes
effect at once, in the same transaction as registration's ``registration_end``. Codes 31, 32 and 90 are never
simple (``rules.NEEDS_APPROVAL``): the exit is *proposed* and waits for a supervisor who approves it (it then
takes effect) or returns it with a comment (the registration stays active; a new proposal is a new row).

The upload fields that describe the exit as it was (注销地 AAB301, 系统流水号 AAZ341, 经办人 AAE011, the
person's name and numbers) are stored when the row is created and never recomputed; AAE036 (经办日期) when
the exit takes effect. Effective exits are the daily upload's queue entries: the next stage reads them, this
one knows nothing of the upload.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from codes.lookup import label
from common.history import tracked
from common.models import TimeStampedModel
from common.privacy import mask_document_number
from common.transitions import Transitions
from followup.models import MonthlyFollowUp
from offices.models import Region
from registration.models import Registration

from .rules import ALL_CODES, NEEDS_APPROVAL, NEEDS_FURTHER_CHECKS, NEEDS_REMARK, NO_NOTICE

SERIAL_SEQUENCE = "deregistration_exit_serial_seq"  # migration 0001; common.numbering.next_number
SERIAL_PREFIX = "TC"  # 退出


class ExitStatus(models.TextChoices):
    PROPOSED = "proposed", _("待主管审批")
    EFFECTIVE = "effective", _("已生效")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤销")


# Approved = effective. A returned proposal stays as the record of the return (with its comment). An effective
# exit may be cancelled by a supervisor before its upload (services.exit_cancel): the registration is active again.
EXIT_MOVES = Transitions(
    ExitStatus,
    {
        ExitStatus.PROPOSED: {ExitStatus.EFFECTIVE, ExitStatus.RETURNED},
        ExitStatus.EFFECTIVE: {ExitStatus.CANCELLED},
    },
)
# The states of an exit that took effect (it has its AAE036); a cancelled one keeps the record of it.
TOOK_EFFECT: tuple[str, ...] = (ExitStatus.EFFECTIVE.value, ExitStatus.CANCELLED.value)
# At most one per registration: a returned or cancelled exit leaves room for a new one.
HOLDS_REGISTRATION: tuple[str, ...] = (ExitStatus.PROPOSED.value, ExitStatus.EFFECTIVE.value)


@tracked()
class Exit(TimeStampedModel):
    """The deregistration (注销失业登记) of one registration: reason (AJC00A), date (ADC210), remark (AAE013),
    who proposed and who approved, and the upload fields as they were when it was recorded.

    At most one exit per registration that is proposed or effective (a returned or cancelled one is history).
    A supervisor may cancel an effective exit before its upload (``cancelled_by``, ``cancelled_at``,
    ``cancel_reason``; the registration is active again). ``region`` is the
    registration's (for scoping); ``region_code`` its GB/T 2260 code for the ministry (a locally assigned region
    is replaced by the nearest ancestor with a real code).
    """

    Status = ExitStatus
    STATUS_MOVES = EXIT_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal
    TERMINAL_STATES = STATUS_MOVES.terminal

    registration = models.ForeignKey(
        Registration, verbose_name=_("失业登记"), on_delete=models.PROTECT, related_name="exits"
    )
    region = models.ForeignKey(Region, verbose_name=_("登记地"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    reason = models.CharField(_("注销原因（AJC00A）"), max_length=2)
    deregistered_on = models.DateField(_("注销日期（ADC210）"))
    remark = models.CharField(_("备注（AAE013）"), max_length=100, blank=True)
    further_checks = models.CharField(
        _("进一步核实情况"),
        max_length=500,
        blank=True,
        help_text=_("入户走访、其他联系方式、信息比对等核实情况"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("经办时间"))
    # A proposal (31/32/90) is decided within 3 working days (deregistration.clocks); empty for simple exits.
    approval_due_at = models.DateTimeField(_("审批时限"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    return_comment = models.CharField(_("退回意见"), max_length=300, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)
    # ---- the upload fields, stored at creation and never recomputed ----
    region_code = models.CharField(_("注销地行政区划代码（AAB301）"), max_length=6, editable=False)
    serial = models.CharField(_("系统流水号（AAZ341）"), max_length=18, editable=False)
    handler_name = models.CharField(_("经办人（AAE011）"), max_length=20, editable=False)
    effective_on = models.DateField(_("经办日期（AAE036）"), null=True, blank=True, editable=False)
    name = models.CharField(_("姓名（AAC003）"), max_length=50, editable=False)
    id_type = models.CharField(_("证件类型（AAC058）"), max_length=2, editable=False)
    id_number = models.CharField(_("证件号码（AAC044）"), max_length=22, editable=False)
    social_security_number = models.CharField(_("社会保障号码（AAC002）"), max_length=18, editable=False)

    class Meta:
        verbose_name = _("注销登记")
        verbose_name_plural = _("注销登记")
        # The exits list's xlsx with full ID numbers (each row a logged IdReveal); masked exports need view_exit.
        permissions = [("export_exit_id_numbers", "Can export exits with full ID numbers")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExitStatus.values), name="deregistration_exit_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ALL_CODES), name="deregistration_exit_reason_valid"
            ),
            models.UniqueConstraint(
                fields=["region_code", "serial"], name="deregistration_exit_serial_unique"
            ),
            # One exit per registration that is proposed or effective.
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status__in=HOLDS_REGISTRATION),
                name="deregistration_exit_one_open",
            ),
            # Took effect (effective, or cancelled afterwards) exactly when it has its AAE036, never before the
            # deregistration date.
            models.CheckConstraint(
                condition=Q(status__in=TOOK_EFFECT, effective_on__isnull=False)
                | (~Q(status__in=TOOK_EFFECT) & Q(effective_on__isnull=True)),
                name="deregistration_exit_effective_on_matches_status",
            ),
            # Cancelled exactly when it has who, when and why.
            models.CheckConstraint(
                condition=(
                    Q(status=ExitStatus.CANCELLED, cancelled_by__isnull=False, cancelled_at__isnull=False)
                    & ~Q(cancel_reason="")
                )
                | (
                    ~Q(status=ExitStatus.CANCELLED)
                    & Q(cancelled_by__isnull=True, cancelled_at__isnull=True, cancel_reason="")
                ),
                name="deregistration_exit_cancel_recorded",
            ),
            models.CheckConstraint(
                condition=Q(effective_on__isnull=True) | Q(deregistered_on__lte=F("effective_on")),
                name="deregistration_exit_date_not_after_effect",
            ),
            models.CheckConstraint(
                condition=~Q(reason__in=sorted(NEEDS_REMARK)) | ~Q(remark=""),
                name="deregistration_exit_other_has_remark",
            ),
            models.CheckConstraint(
                condition=~Q(reason__in=sorted(NEEDS_FURTHER_CHECKS)) | ~Q(further_checks=""),
                name="deregistration_exit_streak_has_checks",
            ),
            # 31/32/90 become effective only through a supervisor other than the proposer.
            models.CheckConstraint(
                condition=~Q(reason__in=sorted(NEEDS_APPROVAL), status__in=TOOK_EFFECT)
                | (Q(decided_by__isnull=False) & ~Q(decided_by=F("proposed_by"))),
                name="deregistration_exit_approved_by_another",
            ),
        ]
        indexes = [
            # selectors.approval_queue: the proposals waiting for a supervisor (few, however many exits).
            models.Index(
                fields=["proposed_at"],
                condition=Q(status=ExitStatus.PROPOSED),
                name="deregistration_exit_waiting",
            ),
            # selectors.exits_filtered: the exits list of a region by deregistration date, newest first.
            models.Index(fields=["region", "-deregistered_on"], name="deregistration_exit_list"),
            # deregistration.clocks / the escalation sweep: proposals waiting for a supervisor by due time.
            models.Index(
                fields=["approval_due_at"],
                condition=Q(status=ExitStatus.PROPOSED),
                name="dereg_exit_approval_due",
            ),
            # The daily upload (next stage) reads the effective exits by the day they took effect.
            models.Index(
                fields=["effective_on"],
                condition=Q(status=ExitStatus.EFFECTIVE),
                name="deregistration_exit_by_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code}{self.serial}"

    @property
    def reason_label(self) -> str:
        """The reason as people read it: "11 被各类用人单位录用或招聘"."""
        return f"{self.reason} {label('AJC00A', self.reason) or ''}".strip()

    @property
    def needs_approval(self) -> bool:
        return self.reason in NEEDS_APPROVAL

    @property
    def has_notice(self) -> bool:
        """The person is told of this exit (notice 四 "以适当方式"): it took effect and is not for a death (26)."""
        return self.status == ExitStatus.EFFECTIVE and self.reason not in NO_NOTICE

    @property
    def masked_id_number(self) -> str:
        """The document number as lists and the notice show it (common.privacy)."""
        return mask_document_number(self.id_number)


@tracked()
class ProposalDismissal(TimeStampedModel):
    """A caseworker's decision not to deregister on an exit proposal (不予注销): the follow-up outcome "found work"
    or "started a business" (``followup.selectors.exit_proposals``, codes 11/12) was looked at and the registration
    stays active, for the reason given. One per follow-up; once made, the proposal leaves the worklist
    (``selectors.open_proposals``). ``region`` is the registration's (for scoping)."""

    followup = models.OneToOneField(
        MonthlyFollowUp,
        verbose_name=_("月度跟踪"),
        on_delete=models.PROTECT,
        related_name="exit_dismissal",
    )
    region = models.ForeignKey(Region, verbose_name=_("登记地"), on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("不予注销的理由"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("经办时间"))

    class Meta:
        verbose_name = _("不予注销")
        verbose_name_plural = _("不予注销")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="deregistration_proposaldismissal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.followup_id} {self.at:%Y-%m-%d}"


class ProposalSource(models.TextChoices):
    """Where an exit proposal from data comparison comes from: an ops import file of another department
    (``deregistration.imports``) or a record already imported for stage 1's 信息比对 (``ComparisonRecord``)."""

    PENSION = "pension", _("养老保险待遇核定")
    DEATH = "death", _("死亡登记")
    SCHOOL = "school", _("入学或应征入伍")
    PRISON = "prison", _("服刑或收监")
    EMPLOYMENT = "employment", _("社会保险参保（就业）")
    BUSINESS = "business", _("市场主体登记（创业）")


# The AJC00A code each source proposes. None of them needs a supervisor's approval (rules.NEEDS_APPROVAL), so a
# confirmed proposal takes effect at once through services.exit_propose.
PROPOSAL_CODES: dict[str, str] = {
    ProposalSource.PENSION: "21",
    ProposalSource.DEATH: "26",
    ProposalSource.SCHOOL: "24",
    ProposalSource.PRISON: "25",
    ProposalSource.EMPLOYMENT: "11",
    ProposalSource.BUSINESS: "12",
}


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    CONFIRMED = "confirmed", _("已注销")
    DISMISSED = "dismissed", _("不予注销")


# Open until an exit of the registration takes effect (confirmed: through this proposal's prefilled exit form or
# any other way; ``exit`` names it) or a caseworker dismisses it with a reason.
PROPOSAL_MOVES = Transitions(
    ProposalStatus, {ProposalStatus.OPEN: {ProposalStatus.CONFIRMED, ProposalStatus.DISMISSED}}
)


# Made by the hundred thousand by one statement per chunk of an import (deregistration.imports) or by the
# comparison scan (services.exit_proposals_from_comparison): their creation is the batch's (source batch, row) or the scan's; every later change (confirm,
# dismiss) is kept with who and when.
@tracked(inserts=False)
class ExitProposal(TimeStampedModel):
    """An exit proposal from data comparison (注销提议): another department's record says the person of an active
    registration draws a pension (→ 21), died (→ 26), went to school or enlisted (→ 24), is in prison (→ 25), or,
    from the records imported for stage 1's comparison, took a job (→ 11) or started a business (→ 12) after the
    registration date. A caseworker of the region confirms it (the exit form prefilled with the code and the event
    date; the exit itself is made only by ``services.exit_propose``) or dismisses it with a reason.

    One proposal per registration, code, source and event date, whatever its status: importing the same file
    again, or another file naming the same event, proposes nothing twice, and a dismissed proposal stays
    dismissed. ``region`` is the registration's (for scoping).
    """

    Source = ProposalSource
    Status = ProposalStatus
    STATUS_MOVES = PROPOSAL_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal
    TERMINAL_STATES = STATUS_MOVES.terminal

    registration = models.ForeignKey(
        Registration, verbose_name=_("失业登记"), on_delete=models.PROTECT, related_name="exit_proposals"
    )
    region = models.ForeignKey(Region, verbose_name=_("登记地"), on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("提议注销原因（AJC00A）"), max_length=2)
    source = models.CharField(_("数据来源"), max_length=12, choices=Source.choices)
    event_on = models.DateField(_("事件日期"))
    evidence = models.CharField(_("依据"), max_length=300, blank=True)
    # The import batch and its row (file imports), or the comparison record (11/12), the proposal rests on.
    batch = models.ForeignKey(
        "registration.ImportBatch",
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    row = models.PositiveIntegerField(_("文件行号"), null=True, blank=True)
    record = models.ForeignKey(
        "registration.ComparisonRecord",
        verbose_name=_("比对数据"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    exit = models.ForeignKey(
        Exit, verbose_name=_("注销登记"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismiss_reason = models.CharField(_("不予注销的理由"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("经办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("注销提议")
        verbose_name_plural = _("注销提议")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="deregistration_exitproposal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ProposalSource.values), name="deregistration_exitproposal_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(code__in=sorted(set(PROPOSAL_CODES.values()))),
                name="deregistration_exitproposal_code_valid",
            ),
            # Importing the same file twice (or another file with the same event) proposes nothing twice.
            models.UniqueConstraint(
                fields=["registration", "code", "source", "event_on"],
                name="deregistration_exitproposal_once_per_event",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProposalStatus.DISMISSED) | ~Q(dismiss_reason=""),
                name="deregistration_exitproposal_dismissed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProposalStatus.CONFIRMED) | Q(exit__isnull=False),
                name="deregistration_exitproposal_confirmed_has_exit",
            ),
            models.CheckConstraint(
                condition=Q(status=ProposalStatus.OPEN) | Q(decided_at__isnull=False),
                name="deregistration_exitproposal_decided_has_time",
            ),
        ]
        indexes = [
            # selectors.open_exit_proposals: the worklist reads the open proposals only, newest event first.
            models.Index(
                fields=["-event_on", "-id"],
                condition=Q(status=ProposalStatus.OPEN),
                name="deregistration_proposal_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.event_on:%Y-%m-%d}"

    @property
    def code_label(self) -> str:
        return f"{self.code} {label('AJC00A', self.code) or ''}".strip()
