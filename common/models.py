from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last updated. Who changed what lives in the history tables."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """The last time a periodic signal was seen, one row per name ("beat": Celery beat's minute tick).

    /healthz reports it, so ops can tell that beat and a worker are both alive.
    """

    name = models.CharField(max_length=40, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


class Notification(TimeStampedModel):
    """A message to a person (SMS), stored with its delivery status so that nothing is lost silently.

    Queued in the same transaction as the change it reports; sent by a Celery task after commit; a periodic
    sweep re-sends anything still queued (a lost broker message). ``ref`` names what it is about
    (``"application:SQ2026112500000001"``) so pages can show it in a person's timeline.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        NO_PHONE = "no_phone", _("无联系电话，未发送")

    phone = models.CharField(max_length=20, blank=True)
    text = models.CharField(max_length=500)
    ref = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    backend = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["ref"], name="common_notification_ref"),
            # common.notifications.notification_resend_queued: the sweep over queued messages.
            models.Index(
                fields=["created_at"], condition=models.Q(status="queued"), name="common_notif_queued"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} → {self.phone or '-'} ({self.status})"


class JobRun(models.Model):
    """One run of a periodic job (common.jobs): who started it, when, how it ended, what it counted, and the
    error if any. A run that found the job already running is recorded as SKIPPED with the reason.

    Shown to ops in the admin (定时任务运行记录); a job is run by hand with ``manage.py run_job NAME``.
    """

    class Status(models.TextChoices):
        RUNNING = "running", _("运行中")
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("失败")
        SKIPPED = "skipped", _("已跳过")

    class Trigger(models.TextChoices):
        BEAT = "beat", _("定时调度")
        USER = "user", _("工作人员")
        COMMAND = "command", _("命令行")
        JOB = "job", _("其他任务")

    job = models.CharField(_("任务"), max_length=100)
    trigger = models.CharField(_("触发方式"), max_length=20, choices=Trigger.choices, default=Trigger.BEAT)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("触发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    counts = models.JSONField(_("计数"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("定时任务运行记录")
        verbose_name_plural = _("定时任务运行记录")
        ordering = ["-started_at"]
        permissions = [
            ("run_job", _("立即运行定时任务"))
        ]  # the ops page's "run now" (common.views.ops_job_run)
        indexes = [models.Index(fields=["job", "-started_at"], name="common_jobrun_job_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None
