"""Monthly statistics (notice 九 十 十一, Henan 三 四): the figures of a report month frozen per reporting region,
the urban employed that ops enter for the rate, and the report deadlines ops may move.

- ``MonthlyReport``: the figures of one region (county, city or province, with a row per region below it) for one
  report month (``periods.Period``), computed by ``services.report_compute``. Provisional when the job
  (``jobs.provisional``, the 21st) or a user computes it; final when ops or a supervisor submit it
  (``services.report_finalise``). A final report's figures never change with later corrections of the data: a
  recompute only stores ``pending_figures`` and the differences, and a supervisor decides to replace
  (``services.report_replace``, kept in ``ReportReplacement`` with who and when, append-only).
- ``UrbanEmployed``: urban employed at the end of a period, per region, entered by ops (the denominator of the
  rate); a period without its own figure uses the previous year-end one and the report says so (十).
- ``DueDate``: a moved reporting deadline for one report month (by default the 3rd of the following month).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.history import append_only, tracked
from common.models import TimeStampedModel
from common.transitions import Transitions
from offices.models import Region

from .periods import Period

YEAR_VALIDATORS = [MinValueValidator(2020), MaxValueValidator(2100)]
MONTH_VALIDATORS = [MinValueValidator(1), MaxValueValidator(12)]


class ReportStatus(models.TextChoices):
    PROVISIONAL = "provisional", _("暂定")
    FINAL = "final", _("已定稿上报")


# Provisional until submitted; a final report stays final (a supervisor may replace its figures, recorded).
REPORT_MOVES = Transitions(ReportStatus, {ReportStatus.PROVISIONAL: {ReportStatus.FINAL}})


@tracked()
class MonthlyReport(TimeStampedModel):
    """The statistics of one reporting region for one report month, as computed (``figures``, see
    ``figures.compute`` for its shape) and, once final, as submitted."""

    Status = ReportStatus
    STATUS_MOVES = REPORT_MOVES
    OPEN_STATES = STATUS_MOVES.non_terminal
    TERMINAL_STATES = STATUS_MOVES.terminal

    region = models.ForeignKey(
        Region, verbose_name=_("填报单位区划"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("报告年份"), validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField(_("报告月份"), validators=MONTH_VALIDATORS)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PROVISIONAL)
    figures = models.JSONField(_("统计数据"))
    computed_at = models.DateTimeField(_("计算时间"))
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("定稿人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finalised_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    # A recompute of a final report that came out different: waits for a supervisor (report_replace).
    pending_figures = models.JSONField(_("重新计算结果（待决定）"), null=True, blank=True)
    pending_differences = models.JSONField(_("差异"), default=list, blank=True)
    pending_computed_at = models.DateTimeField(_("重新计算时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登记失业月报")
        verbose_name_plural = _("登记失业月报")
        ordering = ["-year", "-month", "region_id"]
        permissions = [("export_callback_sample", "Can export the callback survey sample")]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "month"], name="unemployment_stats_report_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="unemployment_stats_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="unemployment_stats_report_month_valid"
            ),
            # Final exactly when someone submitted it.
            models.CheckConstraint(
                condition=Q(status=ReportStatus.FINAL, finalised_by__isnull=False, finalised_at__isnull=False)
                | Q(status=ReportStatus.PROVISIONAL, finalised_by__isnull=True, finalised_at__isnull=True),
                name="unemployment_stats_report_final_has_who",
            ),
            # Only a final report keeps a recompute aside; a provisional one is simply recomputed.
            models.CheckConstraint(
                condition=Q(pending_figures__isnull=True) | Q(status=ReportStatus.FINAL),
                name="unemployment_stats_report_pending_only_final",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period.key}"

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    @property
    def is_final(self) -> bool:
        return self.status == ReportStatus.FINAL


class ReportReplacement(models.Model):
    """A supervisor's decision to replace the figures of a final report by a recompute (data corrected after
    submission): the old and new figures, the differences, who, when and why. Append-only."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("月报"), on_delete=models.PROTECT, related_name="replacements"
    )
    old_figures = models.JSONField(_("原数据"))
    new_figures = models.JSONField(_("新数据"))
    differences = models.JSONField(_("差异"), default=list)
    reason = models.CharField(_("替换原因"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("替换时间"))

    class Meta:
        verbose_name = _("月报替换记录")
        verbose_name_plural = _("月报替换记录")
        ordering = ["-at"]
        triggers = [append_only()]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="unemployment_stats_replacement_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.report} @ {self.at:%Y-%m-%d %H:%M}"


@tracked()
class UrbanEmployed(TimeStampedModel):
    """城镇从业人员数 at the end of a report period in a region, entered by ops: the denominator of the registered
    unemployment rate (十). December's figure is the year-end figure that later months without one fall back
    on."""

    region = models.ForeignKey(Region, verbose_name=_("行政区划"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年份"), validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField(_("月份"), validators=MONTH_VALIDATORS)
    employed = models.PositiveIntegerField(_("城镇从业人员数（人）"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("城镇从业人员数")
        verbose_name_plural = _("城镇从业人员数")
        ordering = ["-year", "-month", "region_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "month"], name="unemployment_stats_urbanemployed_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="unemployment_stats_urbanemployed_month_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year}-{self.month:02d}: {self.employed}"


@tracked()
class DueDate(TimeStampedModel):
    """The reporting deadline of one report month when it is not the 3rd of the following month (kept by ops)."""

    year = models.PositiveSmallIntegerField(_("报告年份"), validators=YEAR_VALIDATORS)
    month = models.PositiveSmallIntegerField(_("报告月份"), validators=MONTH_VALIDATORS)
    due_on = models.DateField(_("上报截止日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("上报截止日期")
        verbose_name_plural = _("上报截止日期")
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month"], name="unemployment_stats_duedate_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=12), name="unemployment_stats_duedate_month_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} → {self.due_on}"
