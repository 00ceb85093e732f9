"""Pages of the monthly statistics: the statistics page (reports of the last 12 periods with trend charts), one
month's report (compute, finalise, replace; the workbooks), the urban employed entry, the cleaning report and the
callback sample. Supervisors and ops of a region see that region and the regions below it; caseworkers none."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from codes.lookup import label
from common.forms import add_service_errors
from common.xlsx import XlsxWriter, xlsx_response
from offices.auth import AuthenticatedHttpRequest
from offices.models import Region
from offices.roles import Role
from offices.scoping import can_see_region, user_scope_path, visible_regions
from registration.models import Application

from . import cleaning, exports, services
from .categories import CATEGORIES
from .charts import line_chart
from .figures import AGE_BANDS, DURATION_BANDS, EMPLOYED_SOURCES_LABELS
from .forms import CallbackForm, ReplaceForm, UrbanEmployedForm
from .models import DueDate, MonthlyReport, UrbanEmployed
from .periods import Period, last_closed_period, periods_back, report_due_on

VIEW = "unemployment_stats.view_monthlyreport"
CHANGE = "unemployment_stats.change_monthlyreport"
TREND_PERIODS = 12
CLEANING_SHOWN = 500


def _region(request: AuthenticatedHttpRequest, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None or not can_see_region(request.user, region):
        raise Http404
    return region


def _period(year: int, month: int) -> Period:
    try:
        return Period(year, month)
    except ValueError as exc:
        raise Http404 from exc


def _home_region(request: AuthenticatedHttpRequest) -> Region:
    path = user_scope_path(request.user)
    if path is None:
        raise PermissionDenied
    if request.user.office is not None:
        return request.user.office.region
    # A superuser without an office: the province the offices lie in (one deployment serves one province).
    reporting = services.reporting_regions()
    province = reporting[0] if reporting else Region.objects.filter(level=Region.Level.PROVINCE).first()
    if province is None:
        raise Http404
    return province


def _report_regions(request: AuthenticatedHttpRequest, home: Region) -> list[Region]:
    """The regions the user may pick: their own and the reporting regions below it."""
    reporting = {r.code for r in services.reporting_regions()}
    regions = visible_regions(request.user).filter(level__lte=Region.Level.COUNTY).order_by("path")
    return [home, *[r for r in regions if r.code in reporting and r.code != home.code]]


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def index_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """统计月报: a region's reports of the last 12 periods, with their trend."""
    home = _home_region(request)
    region = _region(request, request.GET["region"]) if request.GET.get("region") else home
    last = last_closed_period(timezone.localdate())
    periods = periods_back(last, TREND_PERIODS)
    reports = {
        (r.year, r.month): r
        for r in MonthlyReport.objects.filter(region=region, year__gte=periods[0].year).select_related(
            "finalised_by"
        )
    }
    overrides = {
        (d.year, d.month): d.due_on for d in DueDate.objects.filter(year__gte=periods[0].year)
    }  # one query for the 12 due dates
    rows = []
    for period in reversed(periods):
        report = reports.get((period.year, period.month))
        due_on = overrides.get((period.year, period.month), period.default_due_on)
        rows.append({"period": period, "report": report, "due_on": due_on})
    series = [(p, reports.get((p.year, p.month))) for p in periods]

    def points(key: str) -> list[tuple[str, float | None]]:
        out: list[tuple[str, float | None]] = []
        for p, rep in series:
            value = rep.figures["total"].get(key) if rep else None
            out.append((f"{p.month}月", float(value) if value is not None else None))
        return out

    charts = [
        line_chart(_("期末登记失业人数"), points("registered"), unit=_("人")),
        line_chart(_("本期新登记人数"), points("new"), unit=_("人")),
        line_chart(_("本期注销人数"), points("exits"), unit=_("人")),
        line_chart(_("登记失业率（%）"), points("rate"), unit="%"),
    ]
    return render(
        request,
        "unemployment_stats/index.html",
        {
            "region": region,
            "regions": _report_regions(request, home),
            "rows": rows,
            "charts": charts,
            "can_enter_employed": request.user.has_perm("unemployment_stats.add_urbanemployed"),
            "can_sample": request.user.has_perm("unemployment_stats.export_callback_sample"),
        },
    )


def _report_context(request: AuthenticatedHttpRequest, region: Region, period: Period) -> dict:
    report = MonthlyReport.objects.filter(region=region, year=period.year, month=period.month).first()
    context: dict = {
        "region": region,
        "period": period,
        "report": report,
        "due_on": report_due_on(period),
        "closed": timezone.localdate() > period.end,
        "can_change": request.user.has_perm(CHANGE),
        "is_supervisor": request.user.has_role(Role.SUPERVISOR),
        "categories": CATEGORIES,
        "sources": EMPLOYED_SOURCES_LABELS,
        "age_bands": [name for _limit, name in AGE_BANDS],
        "duration_bands": [name for _limit, name in DURATION_BANDS],
        "replace_form": ReplaceForm(),
    }
    if report is not None:
        figures = report.figures
        context["figures"] = figures
        context["exit_codes"] = sorted(figures["total"]["exits_by_code"])
        by = figures["total"]["by"]
        context["education_counts"] = [
            (label("AAC011", code) or code or _("未记录"), n) for code, n in by.get("education", {}).items()
        ]
        channels = dict(Application.Channel.choices)
        context["channel_counts"] = [
            (channels.get(code, code or _("未记录")), n) for code, n in by.get("channel", {}).items()
        ]
        context["replacements"] = report.replacements.select_related("by")[:20]
    return context


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def report_view(request: AuthenticatedHttpRequest, code: str, year: int, month: int) -> HttpResponse:
    region, period = _region(request, code), _period(year, month)
    return render(request, "unemployment_stats/report.html", _report_context(request, region, period))


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def compute_view(request: AuthenticatedHttpRequest, code: str, year: int, month: int) -> HttpResponse:
    region, period = _region(request, code), _period(year, month)
    try:
        report = services.report_compute(region=region, period=period, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if report.is_final:
            if report.pending_figures is None:
                messages.success(request, _("重新计算完成：与已上报的数据相同。"))
            else:
                messages.warning(
                    request,
                    _("重新计算的结果与已上报的数据有 %(n)d 处不同；已上报的数据不变，由主管决定是否替换。")
                    % {"n": len(report.pending_differences)},
                )
        else:
            messages.success(request, _("已计算暂定数据。"))
    return redirect("unemployment_stats:report", code=region.code, year=year, month=month)


def _report_or_404(region: Region, period: Period) -> MonthlyReport:
    report = MonthlyReport.objects.filter(region=region, year=period.year, month=period.month).first()
    if report is None:
        raise Http404
    return report


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def finalise_view(request: AuthenticatedHttpRequest, code: str, year: int, month: int) -> HttpResponse:
    region, period = _region(request, code), _period(year, month)
    report = _report_or_404(region, period)
    try:
        services.report_finalise(report=report, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("月报已定稿上报；此后数据更正不会改变已上报的数字。"))
    return redirect("unemployment_stats:report", code=region.code, year=year, month=month)


@login_required
@permission_required(CHANGE, raise_exception=True)
@require_POST
def replace_view(request: AuthenticatedHttpRequest, code: str, year: int, month: int) -> HttpResponse:
    region, period = _region(request, code), _period(year, month)
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied
    report = _report_or_404(region, period)
    form = ReplaceForm(request.POST)
    if form.is_valid():
        try:
            services.report_replace(report=report, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已用重新计算的结果替换已上报的数据（已记录）。"))
            return redirect("unemployment_stats:report", code=region.code, year=year, month=month)
    context = _report_context(request, region, period)
    form.focus_first()
    context["replace_form"] = form
    return render(request, "unemployment_stats/report.html", context, status=400)


def _filename(kind: str, region: Region, period: Period) -> str:
    return f"{kind}-{region.code}-{period.key}.xlsx"


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def report_xlsx_view(request: AuthenticatedHttpRequest, code: str, year: int, month: int) -> HttpResponse:
    region, period = _region(request, code), _period(year, month)
    report = _report_or_404(region, period)
    with translation.override("zh-hans"):  # the ministry's form, whatever the UI language
        book = exports.report_workbook(report, request.user)
    return xlsx_response(book, _filename("月报表", region, period))


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def detail_xlsx_view(request: AuthenticatedHttpRequest, code: str, year: int, month: int) -> HttpResponse:
    region, period = _region(request, code), _period(year, month)
    with translation.override("zh-hans"):
        book = exports.detail_workbook(region, period)
    return xlsx_response(book, _filename("明细", region, period))


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def business_xlsx_view(request: AuthenticatedHttpRequest, code: str, year: int, month: int) -> HttpResponse:
    region, period = _region(request, code), _period(year, month)
    with translation.override("zh-hans"):
        book = exports.business_workbook(region, period, request.user)
    return xlsx_response(book, _filename("业务报表", region, period))


@login_required
@permission_required("unemployment_stats.add_urbanemployed", raise_exception=True)
@require_http_methods(["GET", "POST"])
def urban_employed_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """城镇从业人员数: ops enter the urban employed per region and period (the rate's denominator)."""
    regions = visible_regions(request.user).filter(level__lte=Region.Level.COUNTY).order_by("path")
    choices = [(r.code, f"{r.code} {r.name}") for r in regions]
    initial = {"period": last_closed_period(timezone.localdate()).key}
    form = UrbanEmployedForm(request.POST or None, regions=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        region = _region(request, form.cleaned_data["region"])
        try:
            services.urban_employed_save(
                region=region,
                period=form.cleaned_data["period"],
                employed=form.cleaned_data["employed"],
                user=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存城镇从业人员数。"))
            return redirect("unemployment_stats:urban_employed")
    form.focus_first()
    entries = (
        UrbanEmployed.objects.filter(region__in=regions)
        .select_related("region", "entered_by")
        .order_by("-year", "-month", "region_id")[:100]
    )
    return render(request, "unemployment_stats/urban_employed.html", {"form": form, "entries": entries})


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def cleaning_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """数据清理: active registrations of the region that may not count, each with the action to take."""
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in cleaning.KINDS else list(cleaning.KINDS)
    found = cleaning.findings(request.user, kinds=kinds)
    counts = {k: 0 for k in cleaning.KINDS}
    for f in found:
        counts[f.kind] += 1
    if request.GET.get("format") == "xlsx":
        book = XlsxWriter()
        sheet = book.sheet(
            _("数据清理"),
            header=[
                _("问题"),
                _("登记编号"),
                _("姓名"),
                _("证件号码"),
                _("登记地"),
                _("登记日期"),
                _("说明"),
                _("处理"),
            ],
            widths=[20, 22, 10, 20, 16, 12, 30, 50],
        )
        for f in found:
            sheet.append(
                [f.problem, f.number, f.name, f.masked_id, f.region, f.registered_on, f.detail, f.action]
            )
        return xlsx_response(book, "数据清理.xlsx")
    return render(
        request,
        "unemployment_stats/cleaning.html",
        {
            "findings": found[:CLEANING_SHOWN],
            "total": len(found),
            "shown": CLEANING_SHOWN,
            "kinds": [(k, v[0], v[1], counts[k]) for k, v in cleaning.KINDS.items()],
            "kind": kind if kind in cleaning.KINDS else "",
        },
    )


@login_required
@permission_required("unemployment_stats.export_callback_sample", raise_exception=True)
@require_http_methods(["GET", "POST"])
def callback_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """回访样本 (Henan 四): a seeded random sample of the registered people of the region, as xlsx."""
    form = CallbackForm(request.POST or None, initial={"seed": timezone.localdate().strftime("%Y%m%d")})
    if request.method == "POST" and form.is_valid():
        size, seed = form.cleaned_data["size"], form.cleaned_data["seed"]
        with translation.override("zh-hans"):  # for the survey company
            book = exports.callback_workbook(request.user, size=size, seed=seed)
        return xlsx_response(book, f"回访样本-{seed}.xlsx")
    form.focus_first()
    return render(request, "unemployment_stats/callback.html", {"form": form})


P = "statistics/<str:code>/<int:year>-<int:month>/"
urlpatterns = [
    path("statistics/", index_view, name="index"),
    path("statistics/urban-employed/", urban_employed_view, name="urban_employed"),
    path("statistics/cleaning/", cleaning_view, name="cleaning"),
    path("statistics/callback-sample/", callback_view, name="callback"),
    path(P, report_view, name="report"),
    path(P + "compute/", compute_view, name="compute"),
    path(P + "finalise/", finalise_view, name="finalise"),
    path(P + "replace/", replace_view, name="replace"),
    path(P + "report.xlsx", report_xlsx_view, name="report_xlsx"),
    path(P + "detail.xlsx", detail_xlsx_view, name="detail_xlsx"),
    path(P + "business.xlsx", business_xlsx_view, name="business_xlsx"),
]
