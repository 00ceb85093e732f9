"""The ops page of the national sync (部级平台上传): the queues (pending, invalid with the rules broken and a link
to the source, rejected with the platform's reason and a resend, acknowledged with the receipt), the job's runs,
the platform's health, "run now", and the day's records as xlsx for a manual upload. Scoped to the ops user's
region; ID numbers masked except in the xlsx (a logged reveal)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.forms import FocusFirstMixin
from common.jobs import job_queue_now
from common.xlsx import xlsx_response
from offices.auth import AuthenticatedHttpRequest
from offices.scoping import get_in_scope_or_404

from . import selectors, services
from .exports import exit_records_xlsx
from .jobs import UPLOAD_EXITS
from .models import ExitUpload
from .transport import get_transport

PER_PAGE = 50


class DayForm(FocusFirstMixin, forms.Form):
    day = forms.DateField(
        label=gettext_lazy("经办日期（AAE036）"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": gettext_lazy("请选择日期"), "invalid": gettext_lazy("请输入有效的日期")},
    )


@login_required
@permission_required("national_sync.view_exitupload", raise_exception=True)
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ExitUpload.Status.PENDING
    if status not in ExitUpload.Status.values:
        status = ExitUpload.Status.PENDING
    page = Paginator(selectors.uploads_list(request.user, status), PER_PAGE).get_page(request.GET.get("page"))
    counts = selectors.status_counts(request.user)
    context = {
        "tabs": [(value, label, counts[value]) for value, label in ExitUpload.Status.choices],
        "status": status,
        "status_label": ExitUpload.Status(status).label,
        "page": page,
        "query": f"status={status}",
        "runs": selectors.recent_runs(),
        "health": get_transport().health(),
        "day_form": DayForm(initial={"day": timezone.localdate()}),
        "can_export": request.user.has_perm("national_sync.export_exitupload"),
        "can_resend": request.user.has_perm("national_sync.change_exitupload"),
    }
    return render(request, "national_sync/dashboard.html", context)


@login_required
@permission_required("national_sync.change_exitupload", raise_exception=True)
@require_POST
def resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    upload = get_in_scope_or_404(ExitUpload.objects.all(), request.user, pk=pk)
    try:
        services.upload_resend(upload=upload, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect(f"{_url()}?status={upload.status}")
    messages.success(request, _("已重新排队，将在下次上传时发送（也可点击“立即上传”）。"))
    return redirect(f"{_url()}?status={ExitUpload.Status.PENDING}")


@login_required
@permission_required("national_sync.change_exitupload", raise_exception=True)
@require_POST
def run_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    job_queue_now(UPLOAD_EXITS, user=request.user)  # recorded as this user's run
    messages.success(request, _("已提交上传任务，稍后刷新本页查看运行记录。"))
    return redirect(_url())


@login_required
@permission_required("national_sync.export_exitupload", raise_exception=True)
@require_GET
def export_day(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DayForm(request.GET)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_url())
    day: date = form.cleaned_data["day"]
    content = exit_records_xlsx(selectors.day_records(request.user, day), user=request.user)
    response = xlsx_response(content, f"失业登记退出信息_{day:%Y%m%d}.xlsx")
    response["Cache-Control"] = "no-store"
    return response


def _url() -> str:
    from django.urls import reverse

    return reverse("national_sync:dashboard")


urlpatterns = [
    path("national-sync/", dashboard, name="dashboard"),
    path("national-sync/uploads/<int:pk>/resend/", resend, name="resend"),
    path("national-sync/run/", run_now, name="run_now"),
    path("national-sync/export.xlsx", export_day, name="export_day"),
]
