"""The applicant's own pages, without login (notice 六: 申请、进度查询、结果反馈): the online application, its
confirmation and the progress query. Mounted at /apply/ by ``registration/urls_public.py``.

Applicants are anonymous, so these pages reveal nothing about anyone else: a duplicate application is refused
without the other case's details, and the progress query answers the same for a wrong number as for a wrong ID.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from common.forms import add_service_errors
from common.ratelimit import within_hourly_limit
from common.urgency import urgency
from portal.plugins import progress_providers
from workdays.calendar import SHANGHAI

from ..forms_public import OnlineApplicationForm, ProgressQueryForm
from ..models import Application
from ..selectors import application_progress
from ..services import DuplicateApplication, application_submit, working_age_warning

logger = logging.getLogger(__name__)

# The number of the application just submitted, for the confirmation page (never the ID number in a URL).
SESSION_NUMBER = "apply_submitted_number"
# With it, what the applicant is told when the number (or birth date) says under 16; absent otherwise.
SESSION_AGE_NOTICE = "apply_submitted_age_notice"


def duplicate_message() -> str:
    """Shown to an anonymous visitor whose document already has an open application or an active
    registration. Says only that one exists (never its number, office or data) and how to go on."""
    return _(
        "该证件已有正在办理的失业登记申请，或已办理失业登记且仍在有效期内，无需重复申请。"
        "请使用申请编号和证件号码查询办理进度；如忘记申请编号，请携带本人身份证件到就业服务窗口咨询。"
    )


def not_found_message() -> str:
    """The one answer to any pair of application number and ID number that does not match."""
    return _("未找到与申请编号和证件号码相符的申请，请核对后重新输入。")


def cn_date(moment: datetime) -> str:
    """``2026年11月26日`` in Asia/Shanghai (deadlines are ends of Beijing-time days)."""
    local = moment.astimezone(SHANGHAI)
    return _("%(y)d年%(m)d月%(d)d日") % {"y": local.year, "m": local.month, "d": local.day}


def cn_datetime(moment: datetime) -> str:
    local = moment.astimezone(SHANGHAI)
    return _("%(date)s %(hh)02d:%(mm)02d") % {"date": cn_date(local), "hh": local.hour, "mm": local.minute}


# ---- the online application -------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    """网上申请: the form; on success POST/redirect/GET to the confirmation page.

    An applicant under 16 (by the citizen ID, or the birth date given with another document) may apply like
    anyone (the decision refuses it, "不在劳动年龄内"), and is told so plainly: on the form when it comes back
    with a mistake, and on the confirmation page."""
    duplicate = False
    age_notice = None
    if request.method == "POST":
        form = OnlineApplicationForm(request.POST)
        # Each submission tells whether a document already has a case: limited like the progress query.
        if not within_hourly_limit(request, "apply", settings.ONLINE_APPLICATION_LIMIT_PER_HOUR):
            form.full_clean()
            form.add_error(None, _("提交过于频繁，请一小时后再试，或到就业服务窗口办理。"))
            return _render_apply(request, form, duplicate, status=429)
        valid = form.is_valid()
        age_notice = working_age_warning(form.applicant_birth_date(), applicant=True)
        if valid:
            try:
                application = application_submit(
                    person=form.person_data(),
                    channel=Application.Channel.ONLINE,
                    received_by=None,
                    **form.application_kwargs(),
                )
            except DuplicateApplication:
                # Its message names the existing case's number: not for an anonymous visitor.
                form.add_error(None, duplicate_message())
                duplicate = True
            except ValidationError as exc:
                if getattr(exc, "code", None) != "calendar":
                    add_service_errors(form, exc)
                    return _render_apply(request, form, duplicate, age_notice=age_notice)
                # The deadline reaches into a year ops have not loaded yet: nothing was saved. The service's
                # message speaks to ops; the applicant gets this one.
                logger.error("online application refused: %s", exc.messages[0])
                form.add_error(
                    None,
                    _(
                        "系统暂时无法计算办结时限，网上申请暂停受理。请稍后再试，或携带身份证件到就业服务窗口办理。"
                    ),
                )
            else:
                request.session[SESSION_NUMBER] = application.number
                # What the applicant typed decides it, never a record kept elsewhere (nothing revealed).
                if age_notice:
                    request.session[SESSION_AGE_NOTICE] = age_notice
                else:
                    request.session.pop(SESSION_AGE_NOTICE, None)
                return redirect("apply:submitted")
    else:
        form = OnlineApplicationForm()
    return _render_apply(request, form, duplicate, age_notice=age_notice)


def _render_apply(
    request: HttpRequest,
    form: OnlineApplicationForm,
    duplicate: bool,
    status: int = 200,
    age_notice: str | None = None,
) -> HttpResponse:
    form.focus_first()
    context = {
        "form": form,
        "duplicate": duplicate,
        "status_url": reverse("apply:status"),
        "age_notice": age_notice,
    }
    return render(request, "registration/public/apply.html", context, status=status)


@require_safe
def submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation: number, handling office, due date, where to query progress."""
    number = request.session.get(SESSION_NUMBER)
    application = (
        Application.objects.filter(number=number).select_related("office", "person").first()
        if number
        else None
    )
    if application is None:
        return redirect("apply:apply")
    return render(
        request,
        "registration/public/submitted.html",
        {
            "application": application,
            "due_date": cn_date(application.due_at),
            "submitted": cn_datetime(application.submitted_at),
            "status_url": f"{reverse('apply:status')}?number={application.number}",
            "age_notice": request.session.get(SESSION_AGE_NOTICE),
        },
    )


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """办理进度查询: application number + ID number → status, deadline, office, result.

    The query is a POST, so the ID number never lands in a URL, a proxy log or the browser history.
    """
    context: dict = {"limit": settings.PROGRESS_QUERY_LIMIT_PER_HOUR}
    http_status = 200
    if request.method == "POST":
        form = ProgressQueryForm(request.POST)
        if not within_hourly_limit(request, "status", settings.PROGRESS_QUERY_LIMIT_PER_HOUR):
            http_status = 429
            context["too_many"] = True
        elif form.is_valid():
            application = application_progress(form.cleaned_data["number"], form.cleaned_data["id_number"])
            if application is None:
                form.add_error(None, not_found_message())
            else:
                context.update(_progress(application))
    else:
        number = (request.GET.get("number") or "").strip()[:20]
        form = ProgressQueryForm(initial={"number": number} if number else None)
    if "application" not in context:  # with a result on the page, reading starts there, not in the form
        form.focus_first()
    context["form"] = form
    return render(request, "registration/public/status.html", context, status=http_status)


def _progress(application: Application) -> dict:
    """What the applicant is shown about their own application."""
    now = timezone.now()
    office = application.office
    result: dict = {
        "application": application,
        "submitted": cn_datetime(application.submitted_at),
        "due_date": cn_date(application.due_at),
        "office": office,
        "overdue": application.status == Application.Status.PENDING
        and urgency(application.due_at, now).overdue,
    }
    if application.decided_at:
        result["decided"] = cn_datetime(application.decided_at)
    if application.status == Application.Status.REGISTERED:
        registration = getattr(application, "registration", None)
        result["registration_number"] = registration.number if registration else ""
        # 服务提供 (notice 六): what later stages delivered, without internal notes (their progress_providers).
        if registration is not None:
            result["services"] = [
                item for provider in progress_providers() for item in provider(registration)
            ]
    return result


urlpatterns = [
    path("", apply, name="apply"),
    path("submitted/", submitted, name="submitted"),
    path("status/", status, name="status"),
]
