"""Ops' imports: comparison records (信息比对), the education department's graduate list and existing
registrations, with the batch list, each batch's progress, per-row error report and skipped rows, and the xlsx
templates. An upload is only checked cheaply
here and stored on a queued batch; a Celery job parses and processes it (``registration/imports/batches.py``).
The work is in ``registration/imports/``, the forms in ``registration/forms.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.forms import add_service_errors
from common.xlsx import xlsx_response
from offices.auth import AuthenticatedHttpRequest
from offices.scoping import get_in_scope_or_404, scope_by_region

from ..forms import ComparisonImportForm, GraduatesImportForm
from ..imports import (
    COMPARISON_KINDS,
    TEMPLATE_TITLES,
    ImportFileError,
    comparison_import,
    graduates_import,
    registrations_import,
    template_xlsx,
)
from ..models import ImportBatch

BATCHES_PER_PAGE = 50
ERRORS_PER_PAGE = 200


def import_upload(
    request: AuthenticatedHttpRequest,
    form: Form,
    start: Callable[[dict[str, Any]], ImportBatch],
    *,
    started: str,
    detail_url: str,
) -> HttpResponse | None:
    """The upload half of an import page (stage 1's and later stages' own lists): with a valid POSTed ``form``,
    ``start(form.cleaned_data)`` checks the file cheaply and stores it on a queued batch; the user is then told
    ``started`` and sent to the batch's page (the URL name ``detail_url``, taking ``pk``). A refused file's message
    goes on the form's file field. ``None`` when the page is to be shown again (a GET, an invalid form or a
    refused file), with the first error focused."""
    if request.method == "POST" and form.is_valid():
        try:
            batch = start(form.cleaned_data)
        except ImportFileError as exc:
            add_service_errors(form, exc, field="file")
        else:
            messages.info(request, started)
            return redirect(detail_url, pk=batch.pk)
    form.focus_first()  # type: ignore[attr-defined]  # the import forms have common.forms' mixin
    return None


def batch_report(
    request: AuthenticatedHttpRequest, batch: ImportBatch, batches: QuerySet[ImportBatch], *, per_page: int
) -> dict[str, Any]:
    """The report part of an import batch's page: ``earlier``, the first batch of the same file and kind among
    ``batches`` (those the user may see) imported before it, if any; ``errors`` and ``skips``, a page each
    (``?page=`` and ``?skipped_page=``) of the batch's per-row errors and skipped rows."""
    earlier = (
        batches.filter(sha256=batch.sha256, kind=batch.kind, created_at__lt=batch.created_at)
        .order_by("created_at")
        .first()
    )
    return {
        "earlier": earlier,
        "errors": Paginator(batch.errors or [], per_page).get_page(request.GET.get("page")),
        "skips": Paginator(batch.skips or [], per_page).get_page(request.GET.get("skipped_page")),
    }


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
