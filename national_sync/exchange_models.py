"""The national platform exchange (notice 七, 十一): applications pulled from the national unified platform
(全国平台) and what goes back up — the decision on each of them and every registration decided locally.

- ``NationalApplication``: one row per national application number, made by the pull job
  (``applications.applications_pull``) in the same transaction as the ``registration.Application`` it became,
  or PARKED with the reason it could not be taken (no office for its region, calendar not loaded, bad ID,
  the person already has an open case …), never dropped; ops retry a parked row once the cause is fixed:

      parked ──retry succeeded──▶ taken

- ``NationalPush``: the upload of one decision on a national application (kind ``decision``) or of one local
  registration (kind ``registration``: counter, online, education lists, imported), with the same states and
  moves as the exit upload (``models.UploadStatus`` / ``UPLOAD_MOVES``: pending → sending → acknowledged |
  rejected, invalid, withdrawn never used here). ``pushes.push_records`` sends them.
- ``ExchangeCursor``: the pull's cursor, advanced only after the rows of a page are committed.

Imported by ``models`` (so Django finds them in this app).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.history import tracked
from common.models import TimeStampedModel
from common.transitions import Transitions
from offices.models import Region
from registration.models import Application, Registration

from .models import UPLOAD_MOVES, UploadStatus


class NationalApplicationStatus(models.TextChoices):
    TAKEN = "taken", _("已转为申请")
    PARKED = "parked", _("暂存待处理")


NATIONAL_APPLICATION_MOVES = Transitions(
    NationalApplicationStatus, {NationalApplicationStatus.PARKED: {NationalApplicationStatus.TAKEN}}
)


@tracked()
class NationalApplication(TimeStampedModel):
    """An application made on the national unified platform (全国平台) and pulled here, once per national
    application number (``number``, 全国平台申请编号).

    ``payload`` is the record exactly as the platform sent it (keyed by field codes,
    docs/ministry-protocol.md "National applications"); ``application`` the application it became through
    ``registration.services.application_submit`` (channel national, submitted at the platform's time);
    ``reason`` / ``errors`` why it is parked. ``region`` is the application's region when its code is known
    (or the nearest known region above it), for the ops page's scope; null when not even the province is."""

    Status = NationalApplicationStatus
    STATUS_MOVES = NATIONAL_APPLICATION_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal
    TERMINAL_STATES = STATUS_MOVES.terminal

    number = models.CharField(_("全国平台申请编号"), max_length=40, unique=True)
    region_code = models.CharField(_("申请登记地代码（AAB301）"), max_length=20, blank=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("申请登记地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("全国平台提交时间"), null=True, blank=True)
    payload = models.JSONField(_("平台数据"), default=dict)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices)
    reason = models.CharField(_("暂存原因"), max_length=500, blank=True)
    errors = models.JSONField(_("问题明细"), default=list, blank=True)
    attempts = models.PositiveIntegerField(_("处理次数"), default=1)
    application = models.OneToOneField(
        Application,
        verbose_name=_("失业登记申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="national_pull",
    )

    class Meta:
        verbose_name = _("全国平台申请")
        verbose_name_plural = _("全国平台申请")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=NationalApplicationStatus.values),
                name="national_sync_nationalapplication_status_valid",
            ),
            # Taken means turned into exactly one application; parked means not (yet), with a reason.
            models.CheckConstraint(
                condition=Q(status=NationalApplicationStatus.TAKEN, application__isnull=False)
                | (Q(status=NationalApplicationStatus.PARKED, application__isnull=True) & ~Q(reason="")),
                name="national_sync_nationalapplication_taken_has_application",
            ),
        ]
        indexes = [
            # The ops page: the parked rows (few, however many were taken).
            models.Index(
                fields=["created_at"],
                condition=Q(status=NationalApplicationStatus.PARKED),
                name="national_sync_natapp_parked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.status}"


class PushKind(models.TextChoices):
    DECISION = "decision", _("全国平台申请办理结果")
    REGISTRATION = "registration", _("本地失业登记")


@tracked(inserts=False)  # opened by the thousand by the push job's scan and the backfill
class NationalPush(TimeStampedModel):
    """The upload of one record to the national platform: the decision on a national application (``kind``
    decision, ``application``) or a registration decided or recorded here (``kind`` registration,
    ``registration``). ``key`` is the record's business key as the platform takes it once (the national
    application number; AAB301 + "/" + the registration number). ``day`` (decided / registered) orders the
    queue, oldest first; ``region`` scopes the ops page."""

    Status = UploadStatus
    STATUS_MOVES = UPLOAD_MOVES
    Kind = PushKind

    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    application = models.OneToOneField(
        Application,
        verbose_name=_("失业登记申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="national_decision_push",
    )
    registration = models.OneToOneField(
        Registration,
        verbose_name=_("失业登记"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="national_push",
    )
    key = models.CharField(_("业务主键"), max_length=64)
    region = models.ForeignKey(Region, verbose_name=_("登记地"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("办理日期"))
    status = models.CharField(_("上传状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("发送次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    errors = models.JSONField(_("记录错误"), default=list, blank=True)
    receipt = models.CharField(_("平台回执"), max_length=40, blank=True)
    batch_id = models.CharField(_("批次号"), max_length=64, blank=True)
    sending_since = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("接收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("全国平台数据上传")
        verbose_name_plural = _("全国平台数据上传")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=UploadStatus.values), name="national_sync_nationalpush_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=PushKind.DECISION, application__isnull=False, registration__isnull=True)
                | Q(kind=PushKind.REGISTRATION, registration__isnull=False, application__isnull=True),
                name="national_sync_nationalpush_kind_source",
            ),
            models.UniqueConstraint(fields=["kind", "key"], name="national_sync_nationalpush_key_once"),
            models.CheckConstraint(
                condition=~Q(status=UploadStatus.ACKNOWLEDGED)
                | (~Q(receipt="") & Q(acknowledged_at__isnull=False)),
                name="national_sync_nationalpush_acknowledged_has_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(status=UploadStatus.SENDING)
                | (~Q(batch_id="") & Q(sending_since__isnull=False)),
                name="national_sync_nationalpush_sending_has_batch",
            ),
        ]
        indexes = [
            # pushes.push_records: each kind's queue, oldest first (pending only).
            models.Index(
                fields=["kind", "day", "id"],
                condition=Q(status=UploadStatus.PENDING),
                name="national_sync_push_queue",
            ),
            # pushes.pushes_release / revalidate and the ops page: the rows needing attention.
            models.Index(
                fields=["status", "kind"],
                condition=Q(status__in=[UploadStatus.SENDING, UploadStatus.INVALID, UploadStatus.REJECTED]),
                name="national_sync_push_attention",
            ),
            # pushes.pushes_open: where the scan starts (the newest row of a kind).
            models.Index(fields=["kind", "created_at"], name="national_sync_push_by_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.status}"


class ExchangeCursor(models.Model):
    """Where a pull from the national platform continues (the platform's opaque cursor), by exchange name.
    Advanced only after the rows of the page it ends are committed (``applications.applications_pull``)."""

    name = models.CharField(_("名称"), max_length=40, primary_key=True)
    value = models.CharField(_("游标"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("拉取游标")
        verbose_name_plural = _("拉取游标")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
