"""Per-address hourly limits for pages without login (the online application, the progress query, ...).

    if not within_hourly_limit(request, "status", settings.PROGRESS_QUERY_LIMIT_PER_HOUR):
        return render(..., status=429)

Each call counts one request of the client's address against the bucket's limit for the current hour.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

RATE_KEY = "ratelimit:{bucket}:{ip}:{hour}"


def client_ip(request: HttpRequest) -> str:
    """The client's address as the rate limit sees it: REMOTE_ADDR only.

    X-Forwarded-For is not read: anyone can send it, and trusting it would let one client reset its own limit
    at will. Behind the reverse proxy, gunicorn must be started with ``--forwarded-allow-ips=<proxy address>``
    (and the proxy must set X-Forwarded-For / X-Real-IP itself) so that REMOTE_ADDR is the real client and not
    the proxy — otherwise every applicant shares the proxy's one limit.
    """
    return request.META.get("REMOTE_ADDR") or "unknown"


def within_hourly_limit(request: HttpRequest, bucket: str, limit: int) -> bool:
    """Count this request against the client's hourly limit for ``bucket``; False once it is exceeded.

    An atomic counter in the cache (Redis): ``add`` creates the hour's key only if missing, ``incr`` is a
    Redis INCR, so concurrent requests never lose a count. The key names the hour, so it starts from zero
    each hour; it expires after an hour, i.e. once its hour is over. With the cache down the request is
    allowed (and logged): the pages stay usable rather than fail.
    """
    key = RATE_KEY.format(bucket=bucket, ip=client_ip(request), hour=timezone.now().strftime("%Y%m%d%H"))
    try:
        cache.add(key, 0, timeout=3600)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            cache.set(key, 1, timeout=3600)
            count = 1
    except Exception:  # the cache (Redis) is down: answer the request rather than fail, and log it
        logger.exception("rate limit %s unavailable (cache error); request allowed", bucket)
        return True
    return count <= limit
