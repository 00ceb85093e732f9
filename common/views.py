import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import DatabaseError, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from offices.roles import Role

from .health import health_report, public_report
from .jobs import job_queue_now, jobs_health, registered_jobs
from .models import JobRun

logger = logging.getLogger(__name__)

# Who reads the detail of /healthz, besides staff users of the admin site.
HEALTH_DETAIL_ROLES = (Role.OPS, Role.ADMINISTRATOR)


def may_read_health_detail(request: HttpRequest) -> bool:
    """Signed-in ops, administrators and admin-site staff. The user comes from the session, kept in the database:
    while that cannot be read, the caller counts as anonymous (and learns the status alone)."""
    try:
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return False
        has_role = getattr(user, "has_role", None)
        return bool(user.is_staff or (has_role and any(has_role(role) for role in HEALTH_DETAIL_ROLES)))
    except DatabaseError:
        logger.warning("health check: could not tell who is asking (database error); status only")
        return False


@require_GET
@never_cache
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the proxy and ops: 200 while the database answers, 503 when it does not. Anonymous callers
    (the container healthcheck, the proxy) get {"status": "ok" | "degraded" | "down"} only; signed-in ops and
    administrators get the database, broker and beat detail (never an exception's text)."""
    report, status = health_report()
    if not may_read_health_detail(request):
        report = public_report(report)
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})


# ---- the ops page: every job, its schedule, its last runs, "run now" --------------------------------------
RUNS_SHOWN = 5


@login_required
@permission_required("common.view_jobrun", raise_exception=True)
@require_GET
def ops_jobs(request: HttpRequest) -> HttpResponse:
    """Every job of the registry with its schedule in words, its last runs (start, end, duration, counts,
    errors, who started it) and a "run now" button for ops; failed and late jobs flagged first."""
    health = jobs_health()
    runs = (
        JobRun.objects.annotate(
            row=Window(RowNumber(), partition_by=[F("job")], order_by=F("started_at").desc())
        )
        .filter(row__lte=RUNS_SHOWN)
        .select_related("triggered_by")
        .order_by("job", "-started_at")
    )
    by_job: dict[str, list[JobRun]] = {}
    for run in runs:
        by_job.setdefault(run.job, []).append(run)
    health.sort(key=lambda h: (h.ok, h.job.name))
    rows = [{"health": h, "runs": by_job.get(h.job.name, [])} for h in health]
    context = {
        "rows": rows,
        "flagged": [h for h in health if not h.ok],
        "can_run": request.user.has_perm("common.run_job"),
    }
    return render(request, "common/ops_jobs.html", context)


@login_required
@permission_required("common.run_job", raise_exception=True)
@require_http_methods(["GET", "POST"])
@transaction.non_atomic_requests
def ops_job_run(request: HttpRequest, name: str) -> HttpResponse:
    """ "Run now": GET asks for confirmation, POST queues the job for a worker (``common.run_job``, the task beat
    uses), recorded as this user's run when it starts; its lock keeps it single. A job is never run inside the
    web request: a long one would outlive the proxy's timeout and be killed half-way."""
    declared = registered_jobs().get(name)
    if declared is None:
        raise Http404
    if request.method == "GET":
        return render(request, "common/ops_job_confirm.html", {"job": declared})
    job_queue_now(name, user=request.user)
    messages.success(request, _("任务 %(job)s 已提交后台运行，稍后刷新本页查看运行记录") % {"job": name})
    return redirect("ops_jobs")
