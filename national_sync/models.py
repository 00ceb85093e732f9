"""The upload state of each exit: the ministry collaboration platform's daily 失业登记退出信息上传.

An effective exit (``deregistration.models.Exit``, status EFFECTIVE) is the durable queue entry; ``ExitUpload``
is this stage's record of sending it, one per exit, made by the upload job's scan (``services.uploads_open``) —
deregistration knows nothing of it. The database is the truth:

    pending ──claim (exit still effective, record valid)──▶ sending ──▶ acknowledged (receipt)
       │  ╲                                                    │    ╲──▶ rejected (platform's reason) ──resend──▶ pending
       │   ╲──claim (record breaks a rule)──▶ invalid ──fixed──▶ pending
       │                                                       ╲──platform failed / run died──▶ pending
       ╰──exit cancelled before sending──▶ withdrawn

Acknowledged exactly once: a record is sent under a batch id (the idempotency key) and its business key
(AAB301 + AAZ341), both of which the platform accepts once, so a resend after any failure is answered
"already received" and acknowledged, never taken as a new record.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.history import tracked
from common.models import TimeStampedModel
from common.privacy import mask_document_number
from common.transitions import Transitions
from deregistration.models import Exit
from offices.models import Region


class UploadStatus(models.TextChoices):
    PENDING = "pending", _("待上传")
    SENDING = "sending", _("上传中")
    ACKNOWLEDGED = "acknowledged", _("已接收")
    REJECTED = "rejected", _("平台退回")
    INVALID = "invalid", _("校验未通过")
    WITHDRAWN = "withdrawn", _("已撤销")


UPLOAD_MOVES = Transitions(
    UploadStatus,
    {
        UploadStatus.PENDING: {UploadStatus.SENDING, UploadStatus.INVALID, UploadStatus.WITHDRAWN},
        UploadStatus.SENDING: {UploadStatus.ACKNOWLEDGED, UploadStatus.REJECTED, UploadStatus.PENDING},
        UploadStatus.INVALID: {UploadStatus.PENDING, UploadStatus.WITHDRAWN},
        UploadStatus.REJECTED: {UploadStatus.PENDING, UploadStatus.WITHDRAWN},
    },
)
# Once a record has left for the platform (or was taken by it), its exit can no longer be cancelled.
SENT_STATES = (UploadStatus.SENDING, UploadStatus.ACKNOWLEDGED)


@tracked(inserts=False)  # opened by the thousand by the upload job's scan (its JobRun counts them)
class ExitUpload(TimeStampedModel):
    """The upload of one exit to the ministry platform: status, attempts, the last error, the errors of the
    record (ours or the platform's, ``[{"field", "message"}]``), the receipt, the batch it went in.

    ``effective_on`` and ``region`` are the exit's (AAE036 and the registration's region), kept here for the
    queue's order (oldest first) and the ops pages' scope."""

    Status = UploadStatus
    STATUS_MOVES = UPLOAD_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal
    TERMINAL_STATES = STATUS_MOVES.terminal

    exit = models.OneToOneField(
        Exit, verbose_name=_("注销登记"), on_delete=models.PROTECT, related_name="national_upload"
    )
    region = models.ForeignKey(Region, verbose_name=_("登记地"), on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField(_("经办日期（AAE036）"))
    status = models.CharField(_("上传状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("发送次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    errors = models.JSONField(_("记录错误"), default=list, blank=True)
    receipt = models.CharField(_("平台回执"), max_length=40, blank=True)
    batch_id = models.CharField(_("批次号"), max_length=64, blank=True)
    sending_since = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    # The clock (``clocks.py``): acknowledged by the platform by the end of the first working day after the exit
    # took effect (``ACK_WORKDAYS``); None only while that day is beyond the loaded working-day calendar.
    ack_due_on = models.DateField(_("应确认日期"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("注销信息上传")
        verbose_name_plural = _("注销信息上传")
        permissions = [("export_exitupload", "Can export the upload records with full ID numbers")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=UploadStatus.values), name="national_sync_exitupload_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=UploadStatus.ACKNOWLEDGED)
                | (~Q(receipt="") & Q(acknowledged_at__isnull=False)),
                name="national_sync_exitupload_acknowledged_has_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(status=UploadStatus.SENDING)
                | (~Q(batch_id="") & Q(sending_since__isnull=False)),
                name="national_sync_exitupload_sending_has_batch",
            ),
        ]
        indexes = [
            # services.upload_exits: the queue, oldest first (pending only: few, however many were sent).
            models.Index(
                fields=["effective_on", "exit"],
                condition=Q(status=UploadStatus.PENDING),
                name="national_sync_upload_queue",
            ),
            # services.uploads_release / revalidate and the ops page: the rows needing attention.
            models.Index(
                fields=["status", "effective_on"],
                condition=Q(status__in=[UploadStatus.SENDING, UploadStatus.INVALID, UploadStatus.REJECTED]),
                name="national_sync_upload_attention",
            ),
            # clocks.unacknowledged (the deadlines dashboard and sweep): the open records by due day.
            models.Index(
                fields=["ack_due_on"],
                condition=Q(
                    status__in=[
                        UploadStatus.PENDING,
                        UploadStatus.SENDING,
                        UploadStatus.REJECTED,
                        UploadStatus.INVALID,
                    ]
                ),
                name="national_sync_upload_ack_due",
            ),
            # services.uploads_open's window (the newest day opened).
            models.Index(fields=["effective_on"], name="national_sync_upload_by_day"),
            # selectors.uploads_list: the acknowledged, newest first, a page at a time.
            models.Index(
                fields=["-acknowledged_at", "-id"],
                condition=Q(status=UploadStatus.ACKNOWLEDGED),
                name="national_sync_upload_acked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exit_id} {self.status}"

    @property
    def masked_id_number(self) -> str:
        return mask_document_number(self.exit.id_number)


# The national platform exchange (pulled applications, decisions and local registrations pushed): its own module.
from .exchange_models import ExchangeCursor as ExchangeCursor  # noqa: E402
from .exchange_models import NationalApplication as NationalApplication  # noqa: E402
from .exchange_models import NationalPush as NationalPush  # noqa: E402
