import logging

from django.db import DatabaseError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from offices.roles import Role

from .health import health_report, public_report

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
