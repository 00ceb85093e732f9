"""Ops' imports: comparison records (信息比对), the education department's graduate list and existing
registrations, with the batch list, each batch's progress, per-row error report and skipped rows, and the xlsx
templates. An upload is only checked cheaply
here and stored on a queued batch; a Celery job parses and processes it (``registration/imports/batches.py``).
The work is in ``registration/imports/``, the forms in ``registration/forms.py``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.import_pages import batch_report, import_upload
from common.xlsx import xlsx_response
from offices.auth import AuthenticatedHttpRequest
from offices.scoping import get_in_scope_or_404, scope_by_region

from ..forms import ComparisonImportForm, GraduatesImportForm
from ..imports import (
    COMPARISON_KINDS,
    TEMPLATE_TITLES,
    comparison_import,
    graduates_import,
    registrations_import,
    template_xlsx,
)
from ..models import ImportBatch

BATCHES_PER_PAGE = 50
ERRORS_PER_PAGE = 200


def _own_kinds():
    """Stage 1's batches: later stages run their own lists on the same import job (``imports.batches.
    register_flow``) and show them on their own pages."""
    return ImportBatch.objects.defer("content").filter(kind__in=ImportBatch.Kind.values)


@login_required
@permission_required("registration.view_importbatch", raise_exception=True)
@require_GET
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The import batches of the offices in the user's scope (their own office first of all), newest first."""
    batches = scope_by_region(
        _own_kinds().select_related("office", "uploaded_by"),
        request.user,
        field="office__region",
    ).order_by("-created_at", "-pk")
    page = Paginator(batches, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registration/imports/list.html",
        {
            "page": page,
            "can_import": request.user.has_perm("registration.add_importbatch"),
            "template_kinds": [(kind, TEMPLATE_TITLES[kind]) for kind in ImportBatch.Kind],
        },
    )


@login_required
@permission_required("registration.add_importbatch", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_comparison(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload social-insurance or business-registration records for 信息比对."""
    form = (
        ComparisonImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else ComparisonImportForm()
    )
    response = import_upload(
        request,
        form,
        lambda data: comparison_import(
            file=data["file"], kind=data["kind"], user=request.user, run_now=False
        ),
        started=_("文件已上传，正在后台导入比对数据；本页会自动刷新显示进度。"),
        detail_url="registration:import_detail",
    )
    if response:
        return response
    return render(request, "registration/imports/comparison.html", {"form": form})


@login_required
@permission_required("registration.add_importbatch", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_graduates(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload the education department's list of graduates not employed after leaving school."""
    form = (
        GraduatesImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else GraduatesImportForm()
    )
    response = import_upload(
        request,
        form,
        lambda data: graduates_import(file=data["file"], user=request.user, run_now=False),
        started=_("文件已上传，正在后台逐行登记为教育部门移交；本页会自动刷新显示进度。"),
        detail_url="registration:import_detail",
    )
    if response:
        return response
    office = request.user.office
    return render(
        request,
        "registration/imports/graduates.html",
        {"form": form, "default_region": office.region if office else None},
    )


@login_required
@permission_required("registration.add_importbatch", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_registrations(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload the registrations an office made before it adopted the system (既有失业登记, Henan 三)."""
    # A file is all this upload asks for, as for the graduate list: the same form.
    form = (
        GraduatesImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else GraduatesImportForm()
    )
    response = import_upload(
        request,
        form,
        lambda data: registrations_import(file=data["file"], user=request.user, run_now=False),
        started=_("文件已上传，正在后台逐行导入既有失业登记；本页会自动刷新显示进度。"),
        detail_url="registration:import_detail",
    )
    if response:
        return response
    office = request.user.office
    return render(
        request,
        "registration/imports/registrations.html",
        {"form": form, "default_region": office.region if office else None},
    )


@login_required
@permission_required("registration.view_importbatch", raise_exception=True)
@require_GET
def import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One batch: counts and the per-row error report."""
    batch = get_in_scope_or_404(
        _own_kinds().select_related("office", "uploaded_by"),
        request.user,
        field="office__region",
        pk=pk,
    )
    batches = scope_by_region(ImportBatch.objects.defer("content"), request.user, field="office__region")
    return render(
        request,
        "registration/imports/detail.html",
        {
            "batch": batch,
            **batch_report(request, batch, batches, per_page=ERRORS_PER_PAGE),
            "is_comparison": batch.kind in COMPARISON_KINDS,
        },
    )


@login_required
@permission_required("registration.add_importbatch", raise_exception=True)
@require_GET
def import_template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """An empty xlsx with the right headers for ``kind``."""
    if kind not in ImportBatch.Kind.values:
        raise Http404
    return xlsx_response(template_xlsx(kind), f"{TEMPLATE_TITLES[ImportBatch.Kind(kind)]}.xlsx")


urlpatterns = [
    path("imports/", import_list, name="import_list"),
    path("imports/comparison/", import_comparison, name="import_comparison"),
    path("imports/graduates/", import_graduates, name="import_graduates"),
    path("imports/registrations/", import_registrations, name="import_registrations"),
    path("imports/<int:pk>/", import_detail, name="import_detail"),
    path("imports/template/<str:kind>.xlsx", import_template, name="import_template"),
]
