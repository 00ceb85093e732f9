from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from offices.roles import Role

from .health import health_report
from .home import panels_for


@require_GET
@never_cache
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the proxy and ops: JSON with database, broker and beat; 503 when the database is down."""
    report, status = health_report()
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's start page. Later stages fill their panels (worklist, dashboard, job runs)."""
    user = request.user
    office = user.office
    context = {
        "office": office,
        "region": office.region if office else None,
        "is_caseworker": user.has_role(Role.CASEWORKER),
        "is_supervisor": user.has_role(Role.SUPERVISOR),
        "is_ops": user.has_role(Role.OPS),
        "is_administrator": user.has_role(Role.ADMINISTRATOR),
        "stage_panels": panels_for(request),
    }
    return render(request, "common/home.html", context)
