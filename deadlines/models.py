"""Alerts of the escalation sweep (``deadlines.services.alerts_sweep``).

An ``Alert`` says that one clocked item (a clock's name and the item's key) reached a level: due soon, overdue,
or overdue long enough to go up to the city. There is one alert per item and level, ever (a unique constraint):
running the sweep again, or twice at once, adds nothing. Each alert reaches its people through
``AlertRecipient`` rows, which make the in-app inbox; acknowledging one keeps it (with when) in the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.history import tracked
from offices.models import Office, Region


class AlertLevel(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已逾期")
    ESCALATED = "escalated", _("逾期较久，报市级主管")


class Alert(models.Model):
    """One clocked item reaching one level (see the module docstring): the clock's name and the item's key,
    ``due_at`` its due time (a due date counts as the end of that day), its region and office. What the item is
    (its number, its page) is read from the clock when the alert is shown (``services.describe_alerts``)."""

    Level = AlertLevel

    clock = models.CharField(_("时限事项"), max_length=60)
    item = models.CharField(_("事项标识"), max_length=40)
    level = models.CharField(_("提醒级别"), max_length=12, choices=AlertLevel.choices)
    due_at = models.DateTimeField(_("时限"))
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey(
        Office, verbose_name=_("经办机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提醒时间"), default=timezone.now)

    class Meta:
        verbose_name = _("时限提醒")
        verbose_name_plural = _("时限提醒")
        permissions = [("view_dashboard", _("查看时限看板"))]
        constraints = [
            # One alert per item and level, ever: what makes the sweep idempotent and parallel-safe.
            models.UniqueConstraint(fields=["clock", "item", "level"], name="deadlines_alert_once_per_level"),
            models.CheckConstraint(
                condition=models.Q(level__in=AlertLevel.values), name="deadlines_alert_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clock} {self.item} {self.level}"


@tracked(inserts=False)
class AlertRecipient(models.Model):
    """An alert in one person's inbox: unread until acknowledged (kept, with when, in the history); sent in that
    person's daily digest once (``digested_at``)."""

    alert = models.ForeignKey(
        Alert, verbose_name=_("提醒"), on_delete=models.CASCADE, related_name="recipients"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    digested_at = models.DateTimeField(_("汇总发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提醒接收")
        verbose_name_plural = _("提醒接收")
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="deadlines_alertrecipient_once"),
        ]
        indexes = [
            # The header's count and the inbox: a user's unacknowledged alerts.
            models.Index(
                fields=["user", "alert"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="deadlines_recipient_unread",
            ),
            # The daily digest: alerts not yet sent in a digest.
            models.Index(
                fields=["user"],
                condition=models.Q(digested_at__isnull=True),
                name="deadlines_recipient_undigest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.user_id}"


class ClockMonth(models.Model):
    """How many items of a clock fell due in a calendar month, per region and office, and how many of them were
    done by their due time: the dashboard's on-time rates, kept by the job ``deadlines.rates``
    (``services.clock_months_refresh``; every hour, the last 13 months). An item counts in the month its due time
    falls in, once that time has passed: on time when done by it, late when done after it or not done."""

    clock = models.CharField(_("时限事项"), max_length=60)
    month = models.DateField(_("月份"))
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey(
        Office, verbose_name=_("经办机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.PositiveIntegerField(_("到期事项"))
    on_time = models.PositiveIntegerField(_("按时办结"))
    computed_at = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("按时办结月度统计")
        verbose_name_plural = _("按时办结月度统计")
        constraints = [
            models.UniqueConstraint(
                fields=["clock", "month", "region", "office"],
                name="deadlines_clockmonth_one_row",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(on_time__lte=models.F("due")), name="deadlines_clockmonth_on_time_le_due"
            ),
        ]
        indexes = [models.Index(fields=["clock", "month"], name="deadlines_clockmonth_month")]

    def __str__(self) -> str:
        return f"{self.clock} {self.month:%Y-%m} {self.region_id}"


class ClockLoad(models.Model):
    """How many open items a clock has per region, office, responsible person and due day: what the dashboard
    counts (by state, against the current time, ``common.urgency`` over ``due_day``), kept by the job
    ``deadlines.load`` (``services.clock_loads_refresh``, every 5 minutes) from the clock's own selector. Every due
    time of the notice's deadlines is the end of a day, so counting by due day gives the same states as the items'
    due times; the lists behind the numbers read the items themselves."""

    clock = models.CharField(_("时限事项"), max_length=60)
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(
        Office, verbose_name=_("经办机构"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任经办人"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    due_day = models.DateField(_("到期日"))
    items = models.PositiveIntegerField(_("事项数"))
    computed_at = models.DateTimeField(_("统计时间"))

    class Meta:
        verbose_name = _("待办时限统计")
        verbose_name_plural = _("待办时限统计")
        indexes = [models.Index(fields=["clock", "region"], name="deadlines_clockload_region")]

    def __str__(self) -> str:
        return f"{self.clock} {self.region_id} {self.due_day}"
