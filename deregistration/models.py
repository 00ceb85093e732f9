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
from common.transitions import Transitions
from followup.models import MonthlyFollowUp
from offices.models import Region
from registration.models import Registration

from .rules import ALL_CODES, NEEDS_APPROVAL, NEEDS_FURTHER_CHECKS, NEEDS_REMARK

SERIAL_SEQUENCE = "deregistration_exit_serial_seq"  # migration 0001; common.numbering.next_number
SERIAL_PREFIX = "TC"  # 退出


class ExitStatus(models.TextChoices):
    PROPOSED = "proposed", _("待主管审批")
    EFFECTIVE = "effective", _("已生效")
    RETURNED = "returned", _("已退回")


# Approved = effective. A returned proposal stays as the record of the return (with its comment).
EXIT_MOVES = Transitions(ExitStatus, {ExitStatus.PROPOSED: {ExitStatus.EFFECTIVE, ExitStatus.RETURNED}})


@tracked()
class Exit(TimeStampedModel):
    """The deregistration (注销失业登记) of one registration: reason (AJC00A), date (ADC210), remark (AAE013),
    who proposed and who approved, and the upload fields as they were when it was recorded.

    At most one exit per registration that is not returned (proposed or effective). ``region`` is the
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
            # One exit per registration that is not returned.
            models.UniqueConstraint(
                fields=["registration"],
                condition=~Q(status=ExitStatus.RETURNED),
                name="deregistration_exit_one_open",
            ),
            # Effective exactly when it has its AAE036, never before the deregistration date.
            models.CheckConstraint(
                condition=Q(status=ExitStatus.EFFECTIVE, effective_on__isnull=False)
                | (~Q(status=ExitStatus.EFFECTIVE) & Q(effective_on__isnull=True)),
                name="deregistration_exit_effective_on_matches_status",
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
                condition=~Q(reason__in=sorted(NEEDS_APPROVAL), status=ExitStatus.EFFECTIVE)
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
