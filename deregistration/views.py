"""Pages of stage 3: the exit form of one registration (also a section of the person page) and the supervisor's
approval queue (approve, or return with a comment). Every page is scoped to the user's region."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import add_service_errors
from offices.auth import AuthenticatedHttpRequest
from offices.roles import Role
from offices.scoping import get_in_scope_or_404
from registration.models import Registration

from . import services
from .forms import ExitForm, ReturnForm
from .models import Exit
from .selectors import approval_queue, exit_options


@login_required
@permission_required("deregistration.add_exit", raise_exception=True)
@require_http_methods(["GET", "POST"])
def exit_view(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """注销登记: the exit form of an active registration, with only the codes its follow-up streaks allow."""
    registration = get_in_scope_or_404(
        Registration.objects.select_related("person", "office", "region"), request.user, code=code
    )
    person_url = ("registration:person_detail", registration.person.code)
    if registration.status != Registration.Status.ACTIVE:
        messages.error(request, str(services.NOT_ACTIVE))
        return redirect(*person_url)
    options = exit_options(registration)
    form = ExitForm(request.POST or None, offered=options["offered"])
    if request.method == "POST" and form.is_valid():
        try:
            exit = services.exit_propose(registration=registration, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if exit.status == Exit.Status.EFFECTIVE:
                messages.success(request, _("已注销失业登记，并已通知本人。"))
            else:
                messages.success(request, _("已提交注销申请，待主管审批；审批前失业登记仍有效。"))
            return redirect(*person_url)
    form.focus_first()
    return render(
        request, "deregistration/exit_form.html", {"registration": registration, "form": form, **options}
    )


def _supervisor(request: AuthenticatedHttpRequest) -> None:
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied


@login_required
@permission_required("deregistration.change_exit", raise_exception=True)
@require_GET
def approvals_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """待审批注销: the 31/32/90 exits of the supervisor's region, oldest first."""
    _supervisor(request)
    return render(
        request,
        "deregistration/approvals.html",
        {"exits": approval_queue(request.user), "return_form": ReturnForm()},
    )


def _exit(request: AuthenticatedHttpRequest, pk: int) -> Exit:
    _supervisor(request)
    return get_in_scope_or_404(Exit.objects.select_related("registration"), request.user, pk=pk)


@login_required
@permission_required("deregistration.change_exit", raise_exception=True)
@require_POST
def approve_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    exit = _exit(request, pk)
    try:
        services.exit_approve(exit=exit, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已批准注销 %(name)s 的失业登记，并已通知本人。") % {"name": exit.name})
    return redirect("deregistration:approvals")


@login_required
@permission_required("deregistration.change_exit", raise_exception=True)
@require_POST
def return_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    exit = _exit(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.exit_return(exit=exit, user=request.user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已退回 %(name)s 的注销申请，失业登记仍有效。") % {"name": exit.name})
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("deregistration:approvals")


urlpatterns = [
    path("deregistration/approvals/", approvals_view, name="approvals"),
    path("deregistration/exits/<int:pk>/approve/", approve_view, name="approve"),
    path("deregistration/exits/<int:pk>/return/", return_view, name="return"),
    path("registrations/<uuid:code>/exit/", exit_view, name="exit"),
]
