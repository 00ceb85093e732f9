from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report


@require_GET
@never_cache
@transaction.non_atomic_requests
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the proxy and ops: JSON with database, broker and beat; 503 when the database is down."""
    report, status = health_report()
    return JsonResponse(report, status=status, json_dumps_params={"ensure_ascii": False})
