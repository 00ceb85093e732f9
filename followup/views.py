"""Pages of stage 2: my first contacts, this month's follow-ups (both with quick entry of an attempt per row), the
follow-up page of one registration (contacts, tier, services, policies, follow-ups, streaks) and the supervisor's
reassignment. Every page is scoped to the user's region; a caseworker's lists are their own cases."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.forms import add_service_errors
from common.urgency import DUE_FILTERS, counts, filter_due, urgency
from offices.auth import AuthenticatedHttpRequest
from offices.roles import Role
from offices.scoping import get_in_scope_or_404, scope_by_region
from registration.models import Registration

from . import services
from .forms import (
    ContactForm,
    PolicyIntroduceForm,
    PolicyStatusForm,
    QuickAttemptForm,
    ReassignForm,
    ServiceForm,
    TierForm,
    UnreachableForm,
    quick_choices,
)
from .models import TIER_PLANS, Case, MonthlyFollowUp, PolicyIntroduction, Tier
from .selectors import (
    by_caseworker,
    exit_streaks,
    first_contacts,
    followup_counts,
    followups_by_caseworker,
    monthly_followups,
    policy_suggestions,
    sees_region,
    this_month,
    with_attempt_counts,
)

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _back(request: AuthenticatedHttpRequest, default: str) -> HttpResponse:
    """Back to the list the quick entry came from (``next``, same site only), else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _errors_as_message(request: AuthenticatedHttpRequest, exc: ValidationError) -> None:
    messages.error(request, "；".join(str(m) for m in exc.messages))


def _case(request: AuthenticatedHttpRequest, code) -> Case:
    """The follow-up case of the registration with ``code`` in the user's scope (404 otherwise)."""
    registration = get_in_scope_or_404(Registration.objects.all(), request.user, code=code)
    return services.case_for(registration)


# ---- worklists -----------------------------------------------------------------------------------------
@login_required
@permission_required("followup.view_case", raise_exception=True)
@require_GET
def first_contacts_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My registrations still without a first contact (a supervisor: the region's, by caseworker), the earliest
    due first, marked overdue / due today; a quick entry of a failed attempt on each row."""
    services.cases_open(
        recent=True
    )  # a registration made a moment ago is listed without waiting for the sweep
    now = timezone.now()
    user = request.user
    responsible_id = _int(request.GET.get("responsible")) if sees_region(user) else None
    due = request.GET.get("due", "")
    due = due if due in DUE_FILTERS else ""
    cases = first_contacts(user, responsible_id=responsible_id)
    listed = filter_due(cases, due, now, "first_contact_due_at")
    page = Paginator(with_attempt_counts(listed), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in (("responsible", responsible_id or ""), ("due", due)) if v})
    context: dict[str, Any] = {
        "rows": [{"case": c, "urgency": urgency(c.first_contact_due_at, now)} for c in page],
        "page": page,
        "query": query,
        "due": due,
        "counts": counts(listed, now, "first_contact_due_at"),
        "supervisor": sees_region(user),
        "by_caseworker": by_caseworker(first_contacts(user), now) if sees_region(user) else [],
        "responsible_id": responsible_id,
        "quick": quick_choices(outcomes=False),
        "can_record": user.has_perm("followup.add_contactattempt"),
        "can_reassign": user.has_perm("followup.add_assignment") and user.has_role(Role.SUPERVISOR),
        "next": request.get_full_path(),
    }
    if context["can_reassign"]:
        context["reassign_form"] = ReassignForm(user=user)  # no autofocus: the list comes first
    return render(request, "followup/first_contacts.html", context)


def _month(value: str | None) -> date:
    """``YYYY-MM`` from the query string, else this month."""
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return this_month()


@login_required
@permission_required("followup.view_monthlyfollowup", raise_exception=True)
@require_GET
def monthly_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """This month's follow-ups (``?month=YYYY-MM`` another), open first, with a quick entry on each open row."""
    now = timezone.now()
    user = request.user
    month = _month(request.GET.get("month"))
    status = request.GET.get("status", "")
    responsible_id = _int(request.GET.get("responsible")) if sees_region(user) else None
    all_of_month = monthly_followups(user, month, responsible_id=responsible_id)
    listed = monthly_followups(user, month, responsible_id=responsible_id, status=status)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode(
        {
            k: v
            for k, v in (
                ("month", f"{month:%Y-%m}"),
                ("responsible", responsible_id or ""),
                ("status", status),
            )
            if v
        }
    )
    context = {
        "month": month,
        "status": status,
        "rows": [{"f": f, "urgency": urgency(f.due_on, now)} for f in page],
        "page": page,
        "query": query,
        "counts": followup_counts(all_of_month),
        "supervisor": sees_region(user),
        "responsible_id": responsible_id,
        "by_caseworker": followups_by_caseworker(all_of_month) if sees_region(user) else [],
        "quick": quick_choices(outcomes=True),
        "can_record": user.has_perm("followup.add_contactattempt"),
        "next": request.get_full_path(),
    }
    return render(request, "followup/monthly.html", context)


# ---- the follow-up page of one registration -------------------------------------------------------------
def _case_page(request: AuthenticatedHttpRequest, case: Case, **forms: Any) -> HttpResponse:
    registration = case.registration
    today = timezone.localdate()
    followups = list(case.monthly_followups.select_related("done_by", "attempt").order_by("-month"))
    open_now = next((f for f in followups if f.month == today.replace(day=1) and f.status == "open"), None)
    first = case.first_contact_at is None
    contact_form = forms.get("contact_form") or ContactForm(
        first=first,
        open_followup=open_now is not None,
        initial={
            "reached": "yes",
            "unemployment_reason": registration.application.unemployment_reason
            if registration.application
            else "",
            "tier": Tier.INTENSIVE if services.is_difficulty_case(case) else "",
        },
    )
    introductions = list(case.policy_introductions.select_related("policy", "by").order_by("created_at"))
    introduced = {i.policy_id for i in introductions}
    context = {
        "case": case,
        "registration": registration,
        "person": registration.person,
        "active": registration.status == Registration.Status.ACTIVE,
        "urgency": urgency(case.first_contact_due_at),
        "attempts": case.attempts.select_related("by").order_by("-at", "-pk"),
        "followups": followups,
        "open_now": open_now,
        "tier_changes": case.tier_changes.select_related("by").order_by("-at"),
        "assignments": case.assignments.select_related("previous", "responsible", "by").order_by("-at"),
        "deliveries": case.services.select_related("service", "policy", "by").order_by(
            "-delivered_on", "-pk"
        ),
        "introductions": introductions,
        "suggestions": [p for p in policy_suggestions(case, today) if p.pk not in introduced],
        "streaks": exit_streaks(case, today),
        "contact_form": contact_form,
        "tier_form": forms.get("tier_form") or TierForm(),
        "service_form": forms.get("service_form") or ServiceForm(),
        "policy_status_form": PolicyStatusForm(),
        "policy_form": PolicyIntroduceForm(),
        "tier_plans": [(t, str(p)) for t, p in TIER_PLANS.items()],
        "difficulty": services.is_difficulty_case(case),
    }
    for key in ("contact_form", "tier_form", "service_form"):
        if key in forms:
            forms[key].focus_first()
    if not forms and first and context["active"]:
        contact_form.focus_first()  # the first contact is what this page is opened for
    return render(request, "followup/case.html", context, status=400 if forms else 200)


@login_required
@permission_required("followup.view_case", raise_exception=True)
@require_GET
def case_view(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    return _case_page(request, _case(request, code))


@login_required
@permission_required("followup.add_contactattempt", raise_exception=True)
@require_POST
def contact_view(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """The full contact form of the case page (the first contact, or any later one)."""
    case = _case(request, code)
    open_now = case.monthly_followups.filter(month=this_month(), status=MonthlyFollowUp.Status.OPEN).exists()
    form = ContactForm(request.POST, first=case.first_contact_at is None, open_followup=open_now)
    if form.is_valid():
        try:
            attempt = services.contact_record(case=case, user=request.user, data=form.contact_data())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if attempt.first_contact:
                messages.success(
                    request,
                    _("已记录首次联系，并已短信告知本人经办机构的联系方式和服务、政策清单的查看方式。"),
                )
            elif attempt.reached:
                messages.success(request, _("已记录联系情况。"))
            else:
                messages.success(request, _("已记录未联系上的尝试。"))
            return redirect("followup:case", code=code)
    return _case_page(request, case, contact_form=form)


@login_required
@permission_required("followup.add_contactattempt", raise_exception=True)
@require_POST
def quick_attempt_view(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    """A worklist row's quick entry: a failed attempt, or (month's list) a reached contact with its outcome."""
    case = _case(request, code)
    form = QuickAttemptForm(request.POST, outcomes=True)
    name = case.registration.person.name
    if not form.is_valid():
        messages.error(request, _("%(name)s：请选择联系方式和结果") % {"name": name})
        return _back(request, reverse("followup:case", args=[code]))
    try:
        attempt = services.contact_record(case=case, user=request.user, data=form.contact_data())
    except ValidationError as exc:
        messages.error(request, f"{name}：" + "；".join(str(m) for m in exc.messages))
    else:
        if attempt.reached:
            messages.success(request, _("%(name)s：已记录本月跟踪结果。") % {"name": name})
        else:
            messages.success(
                request,
                _("%(name)s：已记录未联系上（%(reason)s）。")
                % {"name": name, "reason": attempt.get_not_reached_reason_display()},
            )
    return _back(request, reverse("followup:case", args=[code]))


def _followup(request: AuthenticatedHttpRequest, pk: int) -> MonthlyFollowUp:
    return get_in_scope_or_404(
        MonthlyFollowUp.objects.select_related("case__registration__person", "case__region"),
        request.user,
        field="case__region",
        pk=pk,
    )


@login_required
@permission_required("followup.change_monthlyfollowup", raise_exception=True)
@require_POST
def unreachable_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Complete a month's follow-up as "could not be reached" (after failed attempts only)."""
    followup = _followup(request, pk)
    form = UnreachableForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.followup_close_unreachable(followup=followup, user=request.user, note=note)
    except ValidationError as exc:
        _errors_as_message(request, exc)
    else:
        messages.success(
            request, _("已将 %(month)s 跟踪调查记为“无法取得联系”。") % {"month": f"{followup.month:%Y-%m}"}
        )
    return _back(request, reverse("followup:case", args=[followup.case.registration.code]))


@login_required
@permission_required("followup.change_case", raise_exception=True)
@require_POST
def tier_view(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    case = _case(request, code)
    form = TierForm(request.POST)
    if form.is_valid():
        try:
            services.tier_change(
                case=case,
                user=request.user,
                tier=form.cleaned_data["tier"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已调整服务类别。"))
            return redirect("followup:case", code=code)
    return _case_page(request, case, tier_form=form)


@login_required
@permission_required("followup.add_servicedelivery", raise_exception=True)
@require_POST
def service_view(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    case = _case(request, code)
    form = ServiceForm(request.POST)
    if form.is_valid():
        try:
            delivery = services.service_record(case=case, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已记录服务：%(name)s") % {"name": delivery.service.name})
            return redirect("followup:case", code=code)
    return _case_page(request, case, service_form=form)


@login_required
@permission_required("followup.add_policyintroduction", raise_exception=True)
@require_POST
def policy_introduce_view(request: AuthenticatedHttpRequest, code) -> HttpResponse:
    case = _case(request, code)
    form = PolicyIntroduceForm(request.POST)
    if form.is_valid():
        try:
            services.policy_introduce(case=case, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_as_message(request, exc)
        else:
            messages.success(
                request, _("已记录政策介绍：%(name)s") % {"name": form.cleaned_data["policy"].name}
            )
    else:
        messages.error(request, _("请选择政策"))
    return redirect("followup:case", code=code)


@login_required
@permission_required("followup.change_policyintroduction", raise_exception=True)
@require_POST
def policy_status_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    introduction = get_in_scope_or_404(
        PolicyIntroduction.objects.select_related("case__registration", "case__region", "policy"),
        request.user,
        field="case__region",
        pk=pk,
    )
    form = PolicyStatusForm(request.POST)
    if form.is_valid():
        try:
            services.policy_introduction_set_status(
                introduction=introduction, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_as_message(request, exc)
        else:
            messages.success(request, _("已更新：%(name)s") % {"name": introduction.policy.name})
    else:
        messages.error(request, _("请选择状态"))
    return redirect("followup:case", code=introduction.case.registration.code)


@login_required
@permission_required("followup.add_assignment", raise_exception=True)
@require_POST
def reassign_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A supervisor makes a caseworker responsible for the ticked cases (one or many), with the reason."""
    user = request.user
    if not user.has_role(Role.SUPERVISOR):
        raise PermissionDenied
    form = ReassignForm(request.POST, user=user)
    ids = [int(v) for v in request.POST.getlist("case") if v.isdigit()]
    cases = list(
        scope_by_region(Case.objects.filter(pk__in=ids), user).select_related("region", "registration")
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = "；".join(str(e) for e in errors)
            messages.error(request, f"{label}：{text}" if label else text)
        return _back(request, reverse("followup:first_contacts"))
    to = form.caseworkers[form.cleaned_data["responsible"]]
    try:
        moved = services.cases_reassign(cases=cases, to=to, by=user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _errors_as_message(request, exc)
    else:
        messages.success(request, _("已将 %(count)d 人调整给 %(name)s 负责。") % {"count": moved, "name": to})
    return _back(request, reverse("followup:first_contacts"))


urlpatterns = [
    path("first-contacts/", first_contacts_view, name="first_contacts"),
    path("first-contacts/reassign/", reassign_view, name="reassign"),
    path("followups/", monthly_view, name="monthly"),
    path("followups/<int:pk>/unreachable/", unreachable_view, name="unreachable"),
    path("followup/<uuid:code>/", case_view, name="case"),
    path("followup/<uuid:code>/contact/", contact_view, name="contact"),
    path("followup/<uuid:code>/attempt/", quick_attempt_view, name="quick_attempt"),
    path("followup/<uuid:code>/tier/", tier_view, name="tier"),
    path("followup/<uuid:code>/service/", service_view, name="service"),
    path("followup/<uuid:code>/policy/", policy_introduce_view, name="policy_introduce"),
    path("policy-introductions/<int:pk>/status/", policy_status_view, name="policy_status"),
]
