"""Pages of stage 3 for exit proposals from comparison data: ops upload a list (pension awards, deaths, school or
enlistment, prison) and follow each batch's per-row report; caseworkers dismiss a proposal with a reason (they
confirm it through the prefilled exit form, ``views.exit_view``). The upload is only checked cheaply here and
stored on a queued batch; stage 1's import job parses and matches it (``deregistration/imports.py``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.import_pages import batch_report, import_upload
from common.xlsx import template_workbook, xlsx_response
from offices.auth import AuthenticatedHttpRequest
from offices.scoping import get_in_scope_or_404, scope_by_region
from registration.models import ImportBatch

from . import services
from .forms import DismissForm, ExitImportForm
from .imports import EXIT_KINDS, KIND_LABELS, exit_columns, exit_import
from .models import ExitProposal
from .views import decide

BATCHES_PER_PAGE = 50
REPORT_PER_PAGE = 200


def _batches(request: AuthenticatedHttpRequest):
    return scope_by_region(
        ImportBatch.objects.defer("content")
        .filter(kind__in=EXIT_KINDS)
        .select_related("office", "uploaded_by"),
        request.user,
        field="office__region",
    )


@login_required
@permission_required("deregistration.add_exitproposal", raise_exception=True)
@require_http_methods(["GET", "POST"])
def exit_imports_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """注销比对数据导入: upload a list that proposes exits; the batches of the user's scope, newest first."""
    form = ExitImportForm(request.POST, request.FILES) if request.method == "POST" else ExitImportForm()
    response = import_upload(
        request,
        form,
        lambda data: exit_import(file=data["file"], kind=data["kind"], user=request.user, run_now=False),
        started=_("文件已上传，正在后台与在册失业登记比对；本页会自动刷新显示进度。"),
        detail_url="deregistration:import_detail",
    )
    if response:
        return response
    page = Paginator(_batches(request).order_by("-created_at", "-pk"), BATCHES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "deregistration/imports.html",
        {"form": form, "page": page, "templates": [(kind, KIND_LABELS[kind]) for kind in EXIT_KINDS]},
    )


@login_required
@permission_required("deregistration.view_exitproposal", raise_exception=True)
@require_GET
def exit_import_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One batch: its counts, the per-row errors, the rows that proposed nothing and why, and what became of the
    proposals it made."""
    batch = get_in_scope_or_404(_batches(request), request.user, field="office__region", pk=pk)
    proposals = ExitProposal.objects.filter(batch=batch).aggregate(
        open=Count("pk", filter=Q(status=ExitProposal.Status.OPEN)),
        confirmed=Count("pk", filter=Q(status=ExitProposal.Status.CONFIRMED)),
        dismissed=Count("pk", filter=Q(status=ExitProposal.Status.DISMISSED)),
    )
    return render(
        request,
        "deregistration/import_detail.html",
        {
            "batch": batch,
            "proposals": proposals,
            **batch_report(request, batch, _batches(request), per_page=REPORT_PER_PAGE),
        },
    )


@login_required
@permission_required("deregistration.add_exitproposal", raise_exception=True)
@require_GET
def exit_import_template(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """An empty xlsx with the headers of ``kind`` (the ID number column as text) and an instructions sheet."""
    if kind not in EXIT_KINDS:
        raise Http404
    title = str(KIND_LABELS[kind])
    content = template_workbook(
        title,
        exit_columns(kind),
        notes=[
            _(
                "单个文件不超过10 MB、50,000行。按身份证号与本区划内在册（有效）的失业登记比对，生成注销提议，由责任经办人确认或不予注销。"
                "出错的行会按行号列出，其余行正常导入；同一文件重复导入不会重复提议。"
            )
        ],
    )
    return xlsx_response(content, f"{title}.xlsx")


@login_required
@permission_required("deregistration.change_exitproposal", raise_exception=True)
@require_POST
def exit_proposal_dismiss_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """不予注销 on a proposal from comparison data: it leaves the worklist, with the reason kept."""
    proposal = get_in_scope_or_404(ExitProposal.objects.all(), request.user, pk=pk)
    decide(
        request,
        DismissForm(request.POST),
        lambda data: services.exit_proposal_dismiss(
            proposal=proposal, user=request.user, reason=data["reason"]
        ),
        _("已不予注销，该提议已移出列表。"),
    )
    return redirect("deregistration:proposals")


urlpatterns = [
    path("deregistration/imports/", exit_imports_view, name="imports"),
    path("deregistration/imports/<int:pk>/", exit_import_detail, name="import_detail"),
    path("deregistration/imports/template/<str:kind>.xlsx", exit_import_template, name="import_template"),
    path(
        "deregistration/proposals/data/<int:pk>/dismiss/", exit_proposal_dismiss_view, name="proposal_dismiss"
    ),
]
