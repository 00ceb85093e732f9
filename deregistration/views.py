"""Pages of stage 3: the exit form of one registration (also a section of the person page), the supervisor's
approval queue (approve, or return with a comment) and the caseworkers' worklist of exit proposals (confirm
through the prefilled exit form, or dismiss with a reason); the corrections (a supervisor cancels an exit before
its upload, or moves a registration to another office of the province), the exits list with its xlsx export and
the printable notice for a person without a phone. Every page is scoped to the user's region.

The transfer page lives here, not in registration, although the rule is registration's
(``registration.services.registration_transfer``): it is one of stage 3's corrections of a registration's course
(notice 四), offered beside cancel on the person page's exit section and listed with them, and stage 1 keeps no
page that has to know about exits waiting for approval (the service refuses those through a signal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import add_service_errors
from common.xlsx import xlsx_response
from followup.models import MonthlyFollowUp
from offices.auth import AuthenticatedHttpRequest
from offices.roles import Role
from offices.scoping import get_in_scope_or_404
from registration.models import Registration
from registration.services import TRANSFER_NOT_ACTIVE, registration_transfer

from . import services
from .exports import exits_xlsx, export_filename
from .forms import CancelForm, DismissForm, ExitFilterForm, ExitForm, ReturnForm, TransferForm
from .models import Exit
from .selectors import (
    approval_queue,
    exit_options,
    exits_filtered,
    no_phone_exits,
    open_exit_proposals,
    open_proposals,
    proposal_exit_date,
    reason_counts,
    transfers_for,
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


def form_errors_text(form: Form) -> str:
    """All of ``form``'s error messages in one line, for a flash message."""
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


def decide(
    request: AuthenticatedHttpRequest, form: Form, action: Callable[[dict[str, Any]], object], success: str
) -> None:
    """The POST of a decision with a reason (return, cancel, dismiss): with a valid ``form``,
    ``action(form.cleaned_data)`` calls the service; the user is told ``success``, the service's refusal or the
    form's errors as a flash message (the caller redirects back to the list)."""
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, success)


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
    decide(
        request,
        ReturnForm(request.POST),
        lambda data: services.exit_return(exit=exit, user=request.user, comment=data["comment"]),
        _("已退回 %(name)s 的注销申请，失业登记仍有效。") % {"name": exit.name},
    )
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
    decide(
        request,
        DismissForm(request.POST),
        lambda data: services.proposal_dismiss(followup=followup, user=request.user, reason=data["reason"]),
        _("已不予注销，该提议已移出列表。"),
    )
    return redirect("deregistration:proposals")


urlpatterns = [
    path("deregistration/proposals/", proposals_view, name="proposals"),
    path("deregistration/proposals/<int:pk>/dismiss/", dismiss_view, name="dismiss"),
    path("deregistration/approvals/", approvals_view, name="approvals"),
    path("deregistration/exits/<int:pk>/approve/", approve_view, name="approve"),
    path("deregistration/exits/<int:pk>/return/", return_view, name="return"),
    path("registrations/<uuid:code>/exit/", exit_view, name="exit"),
]


# ---- corrections: cancel before upload, transfer; the exits list and its export; the printable notice ----------
EXITS_PER_PAGE = 50
TRANSFERS_PER_PAGE = 50


@login_required
@permission_required("deregistration.change_exit", raise_exception=True)
@require_POST
def cancel_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """撤销注销 (before the upload): the registration becomes active again; the reason is required."""
    exit = _exit(request, pk)
    decide(
        request,
        CancelForm(request.POST),
        lambda data: services.exit_cancel(exit=exit, user=request.user, reason=data["reason"]),
        _("已撤销 %(name)s 的注销，失业登记恢复有效，并已通知本人。") % {"name": exit.name},
    )
    return redirect("registration:person_detail", exit.registration.person.code)


@login_required
@permission_required("registration.add_transfer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def transfer_view(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """转移: a supervisor moves an active registration to another office of the province (no exit recorded)."""
    _supervisor(request)
    registration = get_in_scope_or_404(
        Registration.objects.select_related("person", "office", "region"), request.user, code=code
    )
    if registration.status != Registration.Status.ACTIVE:
        messages.error(request, str(TRANSFER_NOT_ACTIVE))
        return redirect("registration:person_detail", registration.person.code)
    form = TransferForm(request.POST or None, registration=registration)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = registration_transfer(
                registration=registration,
                user=request.user,
                to_office=form.cleaned_data["to_office"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已将 %(name)s 的失业登记（%(number)s）转移至 %(office)s。")
                % {
                    "name": registration.person.name,
                    "number": registration.number,
                    "office": transfer.to_office.name,
                },
            )
            return redirect("deregistration:transfers")
    form.focus_first()
    return render(request, "deregistration/transfer_form.html", {"registration": registration, "form": form})


@login_required
@permission_required("registration.view_transfer", raise_exception=True)
@require_GET
def transfers_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """失业登记转移: the moves out of and into the user's region, newest first (read-only)."""
    page = Paginator(transfers_for(request.user), TRANSFERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "deregistration/transfers.html", {"page": page})


def _exit_filters(request: AuthenticatedHttpRequest, data) -> tuple[ExitFilterForm, dict]:
    form = ExitFilterForm(data or None, user=request.user)
    return form, (form.cleaned_data if form.is_valid() else {})


def _invalid_filters(request: AuthenticatedHttpRequest, form: ExitFilterForm) -> HttpResponse:
    """Nothing is exported for filters that do not hold (never "everything" instead): back to the list."""
    messages.error(request, form_errors_text(form))
    return redirect("deregistration:exits")


@login_required
@permission_required("deregistration.view_exit", raise_exception=True)
@require_GET
def exits_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """注销名单: exits by day, reason and office, with the count per reason; numbers masked."""
    form, data = _exit_filters(request, request.GET)
    exits = exits_filtered(request.user, data)
    page = Paginator(exits, EXITS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    rows = list(page)
    return render(
        request,
        "deregistration/exits.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "counts": reason_counts(exits),
            "total": page.paginator.count,
            "query": query.urlencode(),
            "no_phone": no_phone_exits(rows),
            "can_export_full": request.user.has_perm("deregistration.export_exit_id_numbers")
            and request.user.has_perm("registration.reveal_id_number"),
        },
    )


@login_required
@permission_required("deregistration.view_exit", raise_exception=True)
@require_GET
def exits_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The exits list as xlsx, with masked numbers, for the same filters."""
    form, data = _exit_filters(request, request.GET)
    if form.is_bound and not form.is_valid():
        return _invalid_filters(request, form)
    content = exits_xlsx(exits_filtered(request.user, data), user=request.user)
    return xlsx_response(content, export_filename(full=False))


@login_required
@permission_required("deregistration.export_exit_id_numbers", raise_exception=True)
@permission_required("registration.reveal_id_number", raise_exception=True)
@require_POST
def exits_export_full(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The exits list as xlsx with full ID numbers: a POST (never from a link or a reload), each row a logged
    reveal (证件号码查看记录), served with Cache-Control no-store."""
    form, data = _exit_filters(request, request.POST)
    if form.is_bound and not form.is_valid():
        return _invalid_filters(request, form)
    content = exits_xlsx(exits_filtered(request.user, data), user=request.user, full_numbers=True)
    response = xlsx_response(content, export_filename(full=True))
    add_never_cache_headers(response)
    return response


@login_required
@permission_required("deregistration.view_exit", raise_exception=True)
@require_GET
def notice_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """注销失业登记告知书: the printable notice of an effective exit, handed or posted to a person without a phone
    (none for code 26, death)."""
    exit = get_in_scope_or_404(
        Exit.objects.select_related("registration__office", "registration__person"), request.user, pk=pk
    )
    if not exit.has_notice:
        raise Http404
    return render(
        request,
        "deregistration/notice.html",
        {"exit": exit, "registration": exit.registration, "office": exit.registration.office},
    )


urlpatterns += [
    path("deregistration/exits/", exits_view, name="exits"),
    path("deregistration/exits/export.xlsx", exits_export, name="exits_export"),
    path("deregistration/exits/export-full.xlsx", exits_export_full, name="exits_export_full"),
    path("deregistration/exits/<int:pk>/cancel/", cancel_view, name="cancel"),
    path("deregistration/exits/<int:pk>/notice/", notice_view, name="notice"),
    path("deregistration/transfers/", transfers_view, name="transfers"),
    path("registrations/<uuid:code>/transfer/", transfer_view, name="transfer"),
]
