"""The rules of the monthly statistics (三 调整统计制度, 十): compute a month's report, submit it (final), replace a
final report's figures only by a supervisor's decision, and keep the urban employed figures.

- ``report_compute``: provisional figures are (re)computed freely; a **final report never changes** when data is
  corrected later: a recompute only keeps the new figures aside with the differences (``pending_figures``).
- ``report_finalise``: ops or a supervisor submit the report (final, with who and when), once the period closed.
- ``report_replace``: a supervisor replaces a final report's figures by the recompute kept aside (with a reason;
  the old and new figures are kept in ``ReportReplacement``, append-only).
- ``reports_compute_provisional``: every reporting region's report of a closed period (the 21st job).
- ``urban_employed_save``: ops enter the urban employed of a region and period.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.transitions import transition
from offices.models import Office, Region, User
from offices.roles import Role
from offices.scoping import can_see_region

from . import figures as F
from .models import MonthlyReport, ReportReplacement, UrbanEmployed
from .periods import Period

PERIOD_NOT_CLOSED = _("统计期 %(period)s 尚未结束（截至%(end)s），结束后才能计算月报")
NOT_PROVISIONAL = _("该月报已定稿上报，不能再次定稿")
NO_PENDING = _("没有待决定的重新计算结果")
REASON_REQUIRED = _("请填写替换原因")
REASON_TOO_LONG = _("替换原因最多 %(limit)d 个字，当前为 %(length)d 个字")
OUT_OF_SCOPE = _("该行政区划不在您的管辖范围内")
EMPLOYED_NEGATIVE = _("城镇从业人员数不能为负数")
ONLY_SUPERVISOR = _("只有主管可以决定替换已上报的月报数据")
ONLY_OPS_OR_SUPERVISOR = _("只有运维人员或主管可以定稿上报")
REASON_LIMIT = 300


def _check_scope(user: User | None, region: Region) -> None:
    if user is not None and not can_see_region(user, region):
        raise PermissionDenied(OUT_OF_SCOPE)


def _check_closed(period: Period, today: date) -> None:
    if today <= period.end:
        raise ValidationError(
            PERIOD_NOT_CLOSED % {"period": period.key, "end": period.end.isoformat()}, code="not_closed"
        )


@transaction.atomic
def report_compute(
    *, region: Region, period: Period, user: User | None = None, figures: dict[str, Any] | None = None
) -> MonthlyReport:
    """Compute the report of ``region`` for the closed ``period`` (``figures`` when already computed, e.g. by the
    job for many regions at once). A provisional report takes the new figures; a final one keeps its own and
    holds the new ones aside with the differences (or clears them when nothing differs)."""
    _check_scope(user, region)
    _check_closed(period, timezone.localdate())
    new = figures if figures is not None else F.compute(region, period)
    now = timezone.now()
    report = (
        MonthlyReport.objects.select_for_update()
        .filter(region=region, year=period.year, month=period.month)
        .first()
    )
    if report is None:
        return MonthlyReport.objects.create(
            region=region, year=period.year, month=period.month, figures=new, computed_at=now
        )
    if report.status == MonthlyReport.Status.PROVISIONAL:
        report.figures, report.computed_at = new, now
        report.save(update_fields=["figures", "computed_at", "updated_at"])
        return report
    changes = F.differences(report.figures, new)
    report.pending_figures = new if changes else None
    report.pending_differences = changes
    report.pending_computed_at = now if changes else None
    report.save(update_fields=["pending_figures", "pending_differences", "pending_computed_at", "updated_at"])
    return report


@transaction.atomic
def report_finalise(*, report: MonthlyReport, user: User) -> MonthlyReport:
    """Submit the report as shown (最终上报): final with who and when; later corrections no longer change it."""
    if not (user.has_role(Role.OPS) or user.has_role(Role.SUPERVISOR)):
        raise PermissionDenied(ONLY_OPS_OR_SUPERVISOR)
    _check_scope(user, report.region)
    won = transition(
        MonthlyReport,
        report.pk,
        from_=MonthlyReport.Status.PROVISIONAL,
        to=MonthlyReport.Status.FINAL,
        allowed=MonthlyReport.STATUS_MOVES,
        finalised_by=user,
        finalised_at=timezone.now(),
    )
    if not won:
        raise ValidationError(NOT_PROVISIONAL, code="not_provisional")
    report.refresh_from_db()
    return report


@transaction.atomic
def report_replace(*, report: MonthlyReport, user: User, reason: str) -> MonthlyReport:
    """A supervisor replaces a final report's figures by the recompute kept aside (recorded, append-only)."""
    if not user.has_role(Role.SUPERVISOR):
        raise PermissionDenied(ONLY_SUPERVISOR)
    _check_scope(user, report.region)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": [REASON_TOO_LONG % {"limit": REASON_LIMIT, "length": len(reason)}]})
    locked = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != MonthlyReport.Status.FINAL or locked.pending_figures is None:
        raise ValidationError(NO_PENDING, code="no_pending")
    ReportReplacement.objects.create(
        report=locked,
        old_figures=locked.figures,
        new_figures=locked.pending_figures,
        differences=locked.pending_differences,
        reason=reason,
        by=user,
        at=timezone.now(),
    )
    locked.figures = locked.pending_figures
    locked.computed_at = locked.pending_computed_at or timezone.now()
    locked.pending_figures, locked.pending_differences, locked.pending_computed_at = None, [], None
    locked.save()
    return locked


def reporting_regions() -> list[Region]:
    """The regions that report: every region with an active office, and the regions above them up to the
    province."""
    paths = set(Office.objects.filter(is_active=True).values_list("region__path", flat=True))
    codes = {code for path in paths for code in path.rstrip("/").split("/") if code}
    return list(Region.objects.filter(code__in=codes).order_by("path"))


def reports_compute_provisional(*, period: Period) -> dict[str, int]:
    """Every reporting region's report of the closed ``period`` (the job of the 21st): provisional ones
    recomputed, final ones given the differences only. Idempotent."""
    regions = reporting_regions()
    computed = F.compute_many(regions, period)
    counts = {"provisional": 0, "final_unchanged": 0, "final_with_differences": 0}
    for region in regions:
        report = report_compute(region=region, period=period, figures=computed[region.code])
        if report.status == MonthlyReport.Status.PROVISIONAL:
            counts["provisional"] += 1
        elif report.pending_figures is None:
            counts["final_unchanged"] += 1
        else:
            counts["final_with_differences"] += 1
    return counts


@transaction.atomic
def urban_employed_save(*, region: Region, period: Period, employed: int, user: User) -> UrbanEmployed:
    """Enter (or correct) the urban employed of ``region`` at the end of ``period`` (十)."""
    _check_scope(user, region)
    if employed < 0:
        raise ValidationError({"employed": [EMPLOYED_NEGATIVE]})
    entry, _created = UrbanEmployed.objects.update_or_create(
        region=region,
        year=period.year,
        month=period.month,
        defaults={"employed": employed, "entered_by": user},
    )
    return entry
