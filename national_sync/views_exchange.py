"""The ops page of the national platform exchange (全国平台数据交换): national applications parked with their
reasons and a retry, the push queues (decisions on national applications, local registrations) with the records
needing attention and a resend, the last runs of the pull and push jobs, "run now". Scoped to the ops user's
region; ID numbers masked."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.jobs import job_queue_now
from common.privacy import mask_document_number
from offices.auth import AuthenticatedHttpRequest
from offices.scoping import get_in_scope_or_404

from . import exchange_selectors as selectors
from .applications import national_application_retry
from .exchange_models import NationalApplication, NationalPush
from .jobs import PULL_APPLICATIONS, PUSH_RECORDS
from .pushes import push_resend

PER_PAGE = 50


def _url() -> str:
    return reverse("national_sync:exchange")


def _parked_row(row: NationalApplication) -> dict:
    payload = row.payload if isinstance(row.payload, dict) else {}
    return {
        "pk": row.pk,
        "number": row.number,
        "region_code": row.region_code,
        "region": row.region,
        "name": str(payload.get("AAC003") or ""),
        "masked_id": mask_document_number(str(payload.get("AAC044") or "")),
        "submitted_at": row.submitted_at,
        "raw_submitted_at": str(payload.get("SQSJ") or ""),
        "reason": row.reason,
        "errors": row.errors,
        "attempts": row.attempts,
        "updated_at": row.updated_at,
    }


@login_required
@permission_required("national_sync.view_nationalapplication", raise_exception=True)
@require_GET
def exchange(request: AuthenticatedHttpRequest) -> HttpResponse:
    parked = Paginator(selectors.parked_applications(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "parked": parked,
        "parked_rows": [_parked_row(row) for row in parked.object_list],
        "cursor": selectors.pull_cursor(),
        "can_retry": request.user.has_perm("national_sync.change_nationalapplication"),
        "can_see_pushes": request.user.has_perm("national_sync.view_nationalpush"),
        "can_resend": request.user.has_perm("national_sync.change_nationalpush"),
        "push_counts": selectors.push_counts(request.user),
        "attention": selectors.pushes_needing_attention(request.user)[:PER_PAGE],
        "acknowledged": selectors.pushes_recently_acknowledged(request.user),
        "runs": selectors.exchange_runs(),
    }
    return render(request, "national_sync/exchange.html", context)


@login_required
@permission_required("national_sync.change_nationalapplication", raise_exception=True)
@require_POST
def retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    row = selectors.parked_applications(request.user).filter(pk=pk).first()
    if row is None:
        raise Http404
    try:
        row = national_application_retry(row=row, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(_url())
    assert row.application is not None
    messages.success(
        request,
        _("全国平台申请 %(number)s 已转为失业登记申请 %(application)s。")
        % {"number": row.number, "application": row.application.number},
    )
    return redirect(_url())


@login_required
@permission_required("national_sync.change_nationalpush", raise_exception=True)
@require_POST
def resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    push = get_in_scope_or_404(NationalPush.objects.all(), request.user, pk=pk)
    try:
        push_resend(push=push, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(_url())
    messages.success(request, _("已重新排队，将在下次上传时发送（也可点击“立即上传”）。"))
    return redirect(_url())


@login_required
@permission_required("national_sync.change_nationalpush", raise_exception=True)
@require_POST
def run_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    job = request.POST.get("job")
    if job not in (PULL_APPLICATIONS, PUSH_RECORDS):
        raise Http404
    job_queue_now(job, user=request.user)  # recorded as this user's run
    messages.success(request, _("已提交任务，稍后刷新本页查看运行记录。"))
    return redirect(_url())


urlpatterns = [
    path("national-sync/exchange/", exchange, name="exchange"),
    path("national-sync/exchange/applications/<int:pk>/retry/", retry, name="exchange_retry"),
    path("national-sync/exchange/pushes/<int:pk>/resend/", resend, name="exchange_resend"),
    path("national-sync/exchange/run/", run_now, name="exchange_run_now"),
]
