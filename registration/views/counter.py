"""Caseworkers' pages: worklist, counter application (two steps), decision or withdrawal, commitment letter,
bundle."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.forms import add_service_errors
from common.urgency import DUE_FILTERS, urgency
from common.urgency import counts as urgency_counts_of
from common.xlsx import xlsx_response
from offices.auth import AuthenticatedHttpRequest
from offices.models import Office
from offices.scoping import can_see_region, get_in_scope_or_404, scope_by_region

from .. import services
from ..exports import dibao_referrals_xlsx
from ..forms import (
    BundleOpenForm,
    BundleStatusForm,
    CounterApplicationForm,
    LookupForm,
    ManualVerificationForm,
    RegisterForm,
    RejectForm,
    WithdrawForm,
)
from ..models import (
    CITIZEN_ID,
    REJECTION_EXPLANATIONS,
    Application,
    BundleRequest,
    IdReveal,
    Registration,
    RejectionReason,
    Verification,
)
from ..selectors import person_by_document, worklist, worklist_filtered

WORKLIST_PAGE_SIZE = 100
LOOKUP_STEP = "lookup"  # the hidden ``step`` of the counter's step-1 form


def _application(request: AuthenticatedHttpRequest, code) -> Application:
    return get_in_scope_or_404(
        Application.objects.select_related("person", "office", "region", "decided_by", "received_by"),
        request.user,
        code=code,
    )


def _duplicate_message(request: AuthenticatedHttpRequest, exc: services.DuplicateApplication) -> str:
    existing = exc.existing
    if can_see_region(request.user, existing.region):
        if isinstance(existing, Registration):
            url = reverse("registration:person_detail", args=[existing.person.code])
        else:
            url = reverse("registration:application_detail", args=[existing.code])
        return format_html('{} <a href="{}">{}</a>', exc.message, url, _("查看"))
    return format_html("{} {}", exc.message, _("（由%(office)s办理）") % {"office": existing.office.name})


@login_required
@permission_required("registration.view_application", raise_exception=True)
@require_GET
def worklist_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pending applications in my scope, most urgent first; due today and overdue are marked and counted."""
    now = timezone.now()
    office_id = request.GET.get("office", "")
    due = request.GET.get("due", "")
    filters: dict[str, Any] = {
        "office_id": int(office_id) if office_id.isdigit() else None,
        "due": due if due in DUE_FILTERS else "",
    }
    pending = worklist_filtered(worklist(request.user), now=now, **filters)
    counts = urgency_counts_of(pending, now, field="due_at")
    office = (
        scope_by_region(Office.objects.all(), request.user).filter(pk=filters["office_id"]).first()
        if filters["office_id"] is not None
        else None
    )
    query = urlencode({k: v for k, v in (("office", office_id), ("due", filters["due"])) if v})
    page = Paginator(
        pending.prefetch_related(
            Prefetch(
                "verifications",
                queryset=Verification.objects.filter(method=Verification.Method.COMPARISON),
                to_attr="comparisons",
            )
        ),
        WORKLIST_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rows = [{"app": a, "urgency": urgency(a.due_at, now)} for a in page]
    context = {"rows": rows, "page": page, "office": office, "due": filters["due"], "query": query, **counts}
    return render(request, "registration/worklist.html", context)


@login_required
@permission_required("registration.add_application", raise_exception=True)
@require_http_methods(["GET", "POST"])
def application_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 1 (POST with ``step=lookup``, id_type + id_number): find the person, refuse a duplicate. Step 2 (POST):
    submit. Both steps are POSTs so that the document number never lands in a URL (access and proxy logs,
    browser history); a GET only shows an empty step 1, whatever its query string says."""
    if request.method == "POST" and request.POST.get("step") == LOOKUP_STEP:
        return _application_lookup(request)
    if request.method == "POST":
        form = CounterApplicationForm(request.POST, user=request.user)
        valid = form.is_valid()
        # Under 16 (十): told at intake, whatever else is wrong; the decision will refuse it.
        age_warning = services.working_age_warning(form.applicant_birth_date())
        if valid:
            try:
                application = services.application_submit(
                    person=form.person_data(),
                    channel=Application.Channel.COUNTER,
                    received_by=request.user,
                    **form.application_kwargs(),
                )
            except services.DuplicateApplication as exc:
                messages.error(request, _duplicate_message(request, exc))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已受理失业登记申请 %(number)s，请打印告知承诺书交申请人签字。")
                    % {"number": application.number},
                )
                if age_warning:
                    messages.warning(request, age_warning)
                return redirect("registration:application_detail", code=application.code)
        form.focus_first()
        context = {"form": form, "step": 2, "age_warning": age_warning}
        return render(request, "registration/application_form.html", context)
    return _lookup_page(request, LookupForm())


def _lookup_page(request: AuthenticatedHttpRequest, lookup: LookupForm) -> HttpResponse:
    lookup.focus_first()
    context = {"lookup": lookup, "step": 1, "lookup_step": LOOKUP_STEP}
    return render(request, "registration/application_form.html", context)


def _application_lookup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step 1's POST: the person with this document, or the duplicate that stops a second application. The
    number comes normalised and, for a citizen ID, checked (LookupForm); an applicant under 16 is warned
    about at once."""
    lookup = LookupForm(request.POST)
    if not lookup.is_valid():
        return _lookup_page(request, lookup)
    id_type = lookup.cleaned_data["id_type"]
    id_number = lookup.cleaned_data["id_number"]
    birth_date = lookup.birth_date()
    person = person_by_document(id_type, id_number)
    office = request.user.office
    initial: dict[str, Any] = {
        "id_type": id_type,
        "id_number": id_number,
        "region": office.region_id if office else "",
    }
    recorded_elsewhere = None
    if person is not None:
        duplicate = services.duplicate_of(person)
        if duplicate is not None:
            messages.error(request, _duplicate_message(request, duplicate))
            return _lookup_page(request, lookup)
        if services.person_holds(request.user, person):
            initial.update(
                {
                    f: getattr(person, f)
                    for f in (
                        "name",
                        "sex",
                        "birth_date",
                        "ethnicity",
                        "education",
                        "household_type",
                        "address",
                        "phone",
                    )
                }
            )
            initial["hukou_region"] = person.hukou_region_id or ""
            initial["residence_region"] = person.residence_region_id or ""
            if id_type != CITIZEN_ID:
                initial["social_security_number"] = person.social_security_number
                birth_date = birth_date or person.birth_date
        else:
            # Recorded by an office that does not hold them here: the applicant gives the recorded name, which
            # is checked and never shown (services.person_save); nothing recorded there is changed.
            recorded_elsewhere = person.region
    form = CounterApplicationForm(initial=initial, user=request.user)
    form.focus_first()
    context = {
        "form": form,
        "step": 2,
        "known": person,
        "recorded_elsewhere": recorded_elsewhere,
        "age_warning": services.working_age_warning(birth_date),
    }
    return render(request, "registration/application_form.html", context)


@login_required
@permission_required("registration.view_application", raise_exception=True)
@require_GET
def application_detail(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    application = _application(request, code)
    blocked = (
        services.rejection_blockers(application) if application.status == Application.Status.PENDING else {}
    )
    context = {
        "app": application,
        "urgency": urgency(application.due_at),
        "verifications": application.verifications.select_related("performed_by"),
        "register_form": RegisterForm(),
        # its "note" is not the register form's; reasons without their evidence are listed apart, with why
        "reject_form": RejectForm(auto_id="id_reject_%s", blocked=blocked),
        "blocked_reasons": [(RejectionReason(reason).label, missing) for reason, missing in blocked.items()],
        "withdraw_form": WithdrawForm(),
        "verify_form": ManualVerificationForm(),
        "explanations": [(RejectionReason(k).label, v) for k, v in REJECTION_EXPLANATIONS.items()],
        "registration": Registration.objects.filter(application=application).first(),
        "can_decide": request.user.has_perm("registration.change_application"),
        "no_handler_name": services.NO_HANDLER_NAME if not request.user.handler_name.strip() else "",
    }
    return render(request, "registration/application_detail.html", context)


def _form_errors_as_messages(request: AuthenticatedHttpRequest, form) -> None:
    """A form of a page the view redirects back to: each field's errors as a message, prefixed with the field's
    name unless the message names it already ("请填写核查情况", "核查情况最多 500 个字，…")."""
    for field, errors in form.errors.items():
        label = str(form.fields[field].label or "") if field in form.fields else ""
        text = "；".join(errors)
        messages.error(request, f"{label}：{text}" if label and label not in text else text)


def _decide(request: AuthenticatedHttpRequest, code, form_class, action) -> HttpResponse:
    application = _application(request, code)
    form = form_class(request.POST)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return redirect("registration:application_detail", code=application.code)
    try:
        message = action(application, form.cleaned_data)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, message)
    return redirect("registration:application_detail", code=application.code)


@login_required
@permission_required("registration.change_application", raise_exception=True)
@require_POST
def application_register(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    def action(application, data):
        registration = services.application_register(
            application=application, user=request.user, note=data["note"]
        )
        return _("已办理失业登记，登记编号 %(number)s；首次联系须在 %(due)s 前完成。") % {
            "number": registration.number,
            "due": timezone.localtime(registration.first_contact_due_at).strftime("%Y-%m-%d"),
        }

    return _decide(request, code, RegisterForm, action)


@login_required
@permission_required("registration.change_application", raise_exception=True)
@require_POST
def application_reject(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    def action(application, data):
        services.application_reject(
            application=application, user=request.user, reason=data["reason"], note=data["note"]
        )
        return _("已作出不予登记决定，并已通知申请人原因。")

    return _decide(request, code, RejectForm, action)


@login_required
@permission_required("registration.change_application", raise_exception=True)
@require_POST
def application_withdraw(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """Withdraw a pending application because the applicant asked to (reason required)."""

    def action(application, data):
        services.application_withdraw(application=application, user=request.user, reason=data["reason"])
        return _("已按申请人本人要求撤回申请，并已短信告知申请人。")

    return _decide(request, code, WithdrawForm, action)


@login_required
@permission_required("registration.change_application", raise_exception=True)
@require_POST
def application_verify(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    def action(application, data):
        services.application_verify_manually(
            application=application, user=request.user, outcome=data["outcome"], detail=data["detail"]
        )
        return _("已记录人工核查结果。")

    return _decide(request, code, ManualVerificationForm, action)


@login_required
@permission_required("registration.view_application", raise_exception=True)
@require_GET
def commitment_letter(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """The printable commitment letter (告知承诺书) for the applicant to sign. The full ID number is printed
    only for users allowed to see it, and that counts as a reveal."""
    application = _application(request, code)
    try:
        id_number = services.person_reveal_id(
            person=application.person, user=request.user, context=IdReveal.Context.COMMITMENT_LETTER
        )
    except PermissionDenied:
        id_number = application.person.masked_id_number
    response = render(
        request, "registration/commitment_letter.html", {"app": application, "id_number": id_number}
    )
    add_never_cache_headers(response)  # the full number: no copy in a browser or proxy cache
    return response


@login_required
@permission_required("registration.add_bundlerequest", raise_exception=True)
@require_POST
def bundle_open(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    registration = get_in_scope_or_404(Registration.objects.select_related("person"), request.user, code=code)
    form = BundleOpenForm(request.POST)
    if form.is_valid():
        try:
            request_ = services.bundle_request_open(
                registration=registration,
                user=request.user,
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已发起关联事项：%(kind)s") % {"kind": request_.get_kind_display()})
    else:
        _form_errors_as_messages(request, form)
    return redirect("registration:person_detail", code=registration.person.code)


@login_required
@permission_required("registration.change_bundlerequest", raise_exception=True)
@require_POST
def bundle_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    bundle = get_in_scope_or_404(
        BundleRequest.objects.select_related("registration__person"),
        request.user,
        field="registration__region",
        pk=pk,
    )
    form = BundleStatusForm(request.POST)
    if form.is_valid():
        try:
            services.bundle_request_set_status(
                request=bundle,
                user=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已更新：%(kind)s") % {"kind": bundle.get_kind_display()})
    else:
        _form_errors_as_messages(request, form)
    return redirect("registration:person_detail", code=bundle.registration.person.code)


@login_required
@permission_required("registration.reveal_id_number", raise_exception=True)
@require_GET
def dibao_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """低保 referrals in my scope as xlsx for civil affairs (full ID numbers: the export is logged per person)."""
    referrals = scope_by_region(
        BundleRequest.objects.filter(kind=BundleRequest.Kind.DIBAO),
        request.user,
        field="registration__region",
    ).select_related("registration__person", "registration__office")
    content = dibao_referrals_xlsx(referrals, user=request.user)
    response = xlsx_response(content, f"dibao-referrals-{timezone.localdate():%Y%m%d}.xlsx")
    add_never_cache_headers(response)  # full numbers: Cache-Control no-store, no copy left in any cache
    return response


urlpatterns = [
    path("applications/", worklist_view, name="worklist"),
    path("applications/new/", application_new, name="application_new"),
    path("applications/<uuid:code>/", application_detail, name="application_detail"),
    path("applications/<uuid:code>/register/", application_register, name="application_register"),
    path("applications/<uuid:code>/reject/", application_reject, name="application_reject"),
    path("applications/<uuid:code>/withdraw/", application_withdraw, name="application_withdraw"),
    path("applications/<uuid:code>/verify/", application_verify, name="application_verify"),
    path("applications/<uuid:code>/commitment/", commitment_letter, name="commitment_letter"),
    path("registrations/<uuid:code>/bundle/", bundle_open, name="bundle_open"),
    path("bundle/<int:pk>/status/", bundle_status, name="bundle_status"),
    path("bundle/dibao.xlsx", dibao_export, name="dibao_export"),
]
