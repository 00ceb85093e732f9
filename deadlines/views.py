"""Pages of the deadline machinery: the supervisors' dashboard, the list behind each of its numbers (and its
xlsx export), and everyone's alert inbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.urgency import STATE_LABELS, STATES, due_soon_until
from common.xlsx import XlsxWriter, xlsx_response
from offices.auth import AuthenticatedHttpRequest
from offices.models import Office, User
from offices.scoping import can_see_region

from . import selectors, services
from .charts import rate_chart
from .models import AlertRecipient

PAGE_SIZE = 50
DASHBOARD_PERM = "deadlines.view_dashboard"
EXPORT_LIMIT = 100_000


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _by_key(summaries, attr: str, key: str) -> list[dict[str, Any]]:
    """Rows of one table across clocks (by office or by person): the row's names and ``cells``, one per clock
    in ``summaries`` order (the clock and its counts, None where it has no item)."""
    rows: dict[Any, dict[str, Any]] = {}
    for summary in summaries:
        for row in getattr(summary, attr):
            rows.setdefault(row[key], {**row, "by_clock": {}})["by_clock"][summary.clock.name] = row
    for entry in rows.values():
        entry["cells"] = [
            {"clock": s.clock, "url": s.list_url, "counts": entry["by_clock"].get(s.clock.name)}
            for s in summaries
        ]
    return sorted(rows.values(), key=lambda r: (r.get("office_label") or "", r.get("person_login") or ""))


@login_required
@permission_required(DASHBOARD_PERM, raise_exception=True)
@require_GET
def dashboard_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The supervisor's region (or a region below it): every clock by state, by office and by caseworker; the
    on-time rates this month and the 12 before it."""
    region = selectors.dashboard_region(request.user, request.GET.get("region"))
    data = selectors.dashboard(request.user, region)
    summaries = data["summaries"]
    for summary in summaries:  # reversed once per clock, not once per cell
        summary.list_url = reverse("deadlines:clock_list", args=[summary.clock.name])
        summary.export_url = reverse("deadlines:clock_export", args=[summary.clock.name])
    chart = rate_chart([(str(s.clock.label), s.rates) for s in summaries if s.clock.history])
    home = selectors.home_region(request.user)
    context = {
        **data,
        "region": region,
        "parent": region.parent
        if region.parent is not None and region != home and can_see_region(request.user, region.parent)
        else None,
        "state_labels": [(state, STATE_LABELS[state]) for state in STATES],
        "offices": _by_key(summaries, "by_office", "office_key"),
        "people": _by_key([s for s in summaries if s.clock.responsible], "by_person", "person_key"),
        "person_clocks": [s for s in summaries if s.clock.responsible],
        "chart": chart,
        "region_query": f"region={region.code}",
    }
    return render(request, "deadlines/dashboard.html", context)


def _due_text(due: date | datetime) -> str:
    if isinstance(due, datetime):
        return f"{timezone.localtime(due):%Y-%m-%d %H:%M}"
    return f"{due:%Y-%m-%d}"


def _list_args(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    state = request.GET.get("state", "")
    return {
        "state": state if state in STATES else "",
        "office_id": _int(request.GET.get("office")),
        "responsible_id": _int(request.GET.get("person")),
    }


def _list_query(region_code: str, args: dict[str, Any]) -> str:
    pairs = (
        ("region", region_code),
        ("state", args["state"]),
        ("office", args["office_id"] or ""),
        ("person", args["responsible_id"] or ""),
    )
    return urlencode({k: v for k, v in pairs if v})


@login_required
@permission_required(DASHBOARD_PERM, raise_exception=True)
@require_GET
def clock_list_view(request: AuthenticatedHttpRequest, clock: str) -> HttpResponse:
    """The items behind one number of the dashboard (one clock, state, office or person), earliest due first."""
    the_clock = selectors.clock_or_404(request.user, clock)
    region = selectors.dashboard_region(request.user, request.GET.get("region"))
    args = _list_args(request)
    now = timezone.now()
    soon_until = due_soon_until(now)
    items = selectors.clock_list(the_clock, request.user, region, now=now, **args)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "row": the_clock.row_of(item),
            "due_text": _due_text(selectors.due_of(the_clock, item)),
            "state": selectors.state_of(the_clock, item, now, soon_until),
        }
        for item in page
    ]
    office = Office.objects.filter(pk=args["office_id"]).first() if args["office_id"] else None
    person = User.objects.filter(pk=args["responsible_id"]).first() if args["responsible_id"] else None
    context = {
        "clock": the_clock,
        "region": region,
        "rows": rows,
        "page": page,
        "query": _list_query(region.code, args),
        "state": args["state"],
        "state_label": STATE_LABELS.get(args["state"], ""),
        "state_labels": dict((k, v) for k, v in STATE_LABELS.items()),
        "office": office,
        "person": person,
    }
    return render(request, "deadlines/clock_list.html", context)


@login_required
@permission_required(DASHBOARD_PERM, raise_exception=True)
@require_GET
def clock_export_view(request: AuthenticatedHttpRequest, clock: str) -> HttpResponse:
    """The same list as an xlsx workbook (ID numbers masked; written by common.xlsx)."""
    the_clock = selectors.clock_or_404(request.user, clock)
    region = selectors.dashboard_region(request.user, request.GET.get("region"))
    args = _list_args(request)
    now = timezone.now()
    soon_until = due_soon_until(now)
    items = selectors.clock_list(the_clock, request.user, region, now=now, **args)[:EXPORT_LIMIT]
    book = XlsxWriter()
    sheet = book.sheet(
        str(the_clock.label),
        header=[_("编号"), _("姓名"), _("证件号码"), _("时限"), _("状态"), _("说明")],
        widths=[22, 12, 22, 18, 10, 30],
    )
    for item in items.iterator(chunk_size=2000):
        row = the_clock.row_of(item)
        due_text = _due_text(selectors.due_of(the_clock, item))
        state = selectors.state_of(the_clock, item, now, soon_until)
        sheet.append([row.number, row.name, row.id_number, due_text, str(STATE_LABELS[state]), row.detail])
    filename = f"{the_clock.name.replace('.', '-')}-{region.code}-{args['state'] or 'all'}.xlsx"
    return xlsx_response(book, filename)


# ---- the inbox ---------------------------------------------------------------------------------------------
@login_required
@require_GET
def inbox_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """My alerts: unread first; ``?history=1`` also the acknowledged ones, with when."""
    history = request.GET.get("history") == "1"
    rows = AlertRecipient.objects.filter(user=request.user).select_related("alert", "alert__office")
    if not history:
        rows = rows.filter(acknowledged_at__isnull=True)
    rows = rows.order_by("acknowledged_at", "-alert__created_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {name: clock.label for name, clock in selectors.clocks().items()}
    described = services.describe_alerts([r.alert for r in page])
    context = {
        "page": page,
        "rows": [
            {
                "r": r,
                "clock_label": labels.get(r.alert.clock, r.alert.clock),
                "item": described.get(r.alert.pk),
            }
            for r in page
        ],
        "history": history,
        "query": "history=1" if history else "",
    }
    return render(request, "deadlines/inbox.html", context)


@login_required
@require_POST
def acknowledge_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Acknowledge the alerts ticked (``id``), or all of mine (``all``); they stay in the history."""
    if request.POST.get("all"):
        done = services.alert_acknowledge(user=request.user)
    else:
        ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()]
        done = services.alert_acknowledge(user=request.user, recipient_ids=ids) if ids else 0
    if done:
        messages.success(request, _("已确认 %(n)d 条提醒") % {"n": done})
    else:
        messages.info(request, _("没有选中未确认的提醒"))
    return redirect("deadlines:inbox")


urlpatterns = [
    path("deadlines/", dashboard_view, name="dashboard"),
    path("deadlines/<str:clock>/", clock_list_view, name="clock_list"),
    path("deadlines/<str:clock>/export.xlsx", clock_export_view, name="clock_export"),
    path("alerts/", inbox_view, name="inbox"),
    path("alerts/acknowledge", acknowledge_view, name="acknowledge"),
]
