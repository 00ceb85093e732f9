from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from offices.auth import AuthenticatedHttpRequest
from offices.roles import Role

from .plugins import home_panels, render_sections


def panels_for(request: HttpRequest) -> list[str]:
    """The HTML of every stage panel this user gets, in INSTALLED_APPS order."""
    return render_sections(home_panels(), request)


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each role's start page: who and where I am, then the panels of every stage for me."""
    user = request.user
    office = user.office
    context: dict[str, Any] = {
        "office": office,
        "region": office.region if office else None,
        "is_caseworker": user.has_role(Role.CASEWORKER),
        "is_supervisor": user.has_role(Role.SUPERVISOR),
        "is_ops": user.has_role(Role.OPS),
        "is_administrator": user.has_role(Role.ADMINISTRATOR),
        "stage_panels": panels_for(request),
        "job_flags": [],
    }
    if context["is_ops"]:  # a job that failed or did not run when due (common.jobs.jobs_health)
        from common.jobs import jobs_health

        context["job_flags"] = [h for h in jobs_health() if not h.ok]
    return render(request, "portal/home.html", context)
