"""Pages of stage 3: the exit form of one registration (also a section of the person page), the supervisor's
approval queue (approve, or return with a comment) and the caseworkers' worklist of exit proposals (confirm
through the prefilled exit form, or dismiss with a reason). Every page is scoped to the user's region."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import add_service_errors
from followup.models import MonthlyFollowUp
from offices.auth import AuthenticatedHttpRequest
from offices.roles import Role
from offices.scoping import get_in_scope_or_404
from registration.models import Registration

from . import services
from .forms import DismissForm, ExitForm, ReturnForm
from .models import Exit
from .selectors import (
    approval_queue,
    exit_options,
    open_exit_proposals,
    open_proposals,
    proposal_exit_date,
)

PROPOSALS_PER_PAGE = 50


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
    initial = {}
    if request.method == "GET":  # prefilled from the proposals worklist: ?code=11&deregistered_on=YYYY-MM-DD
        if request.GET.get("code") in options["offered"]:
            initial["code"] = request.GET["code"]
        if request.GET.get("deregistered_on"):
            initial["deregistered_on"] = request.GET["deregistered_on"]
    form = ExitForm(request.POST or None, offered=options["offered"], initial=initial)
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


@login_required
@permission_required("deregistration.add_exit", raise_exception=True)
@require_GET
def proposals_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """注销提议: the undecided exit proposals of the caseworker's region, with their evidence — from comparison data
    (pension 21, death 26, school or enlistment 24, prison 25, new job 11, new business 12; newest event first)
    and from follow-up outcomes (found work → 11, started a business → 12; newest first). ``?mine=1``: only the
    registrations the user is the responsible caseworker of."""
    mine = request.GET.get("mine") == "1"
    page = Paginator(open_proposals(request.user, mine=mine), PROPOSALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = []
    for f in page:
        at = f.attempt.at if f.attempt else f.done_at
        rows.append(
            {"followup": f, "code": f.proposed_exit_code, "on": timezone.localdate(at) if at else None}
        )
    data_page = Paginator(open_exit_proposals(request.user, mine=mine), PROPOSALS_PER_PAGE).get_page(
        request.GET.get("data_page")
    )
    data_rows = [
        {
            "proposal": p,
            "on": proposal_exit_date(p),
            "form": DismissForm(auto_id=f"id_p{p.pk}_%s"),
            "can_dismiss": request.user.has_perm("deregistration.change_exitproposal"),
        }
        for p in data_page
    ]
    return render(
        request,
        "deregistration/proposals.html",
        {
            "page": page,
            "rows": rows,
            "dismiss_form": DismissForm(),
            "data_page": data_page,
            "data_rows": data_rows,
            "mine": mine,
            "query": "mine=1" if mine else "",
        },
    )


@login_required
@permission_required("deregistration.add_proposaldismissal", raise_exception=True)
@require_POST
def dismiss_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """不予注销: the proposal leaves the worklist, with the reason kept."""
    followup = get_in_scope_or_404(
        MonthlyFollowUp.objects.select_related("case__registration"),
        request.user,
        field="case__region",
        pk=pk,
    )
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            services.proposal_dismiss(
                followup=followup, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已不予注销，该提议已移出列表。"))
    else:
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("deregistration:proposals")


urlpatterns = [
    path("deregistration/proposals/", proposals_view, name="proposals"),
    path("deregistration/proposals/<int:pk>/dismiss/", dismiss_view, name="dismiss"),
    path("deregistration/approvals/", approvals_view, name="approvals"),
    path("deregistration/exits/<int:pk>/approve/", approve_view, name="approve"),
    path("deregistration/exits/<int:pk>/return/", return_view, name="return"),
    path("registrations/<uuid:code>/exit/", exit_view, name="exit"),
]
