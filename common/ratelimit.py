"""Per-address hourly limits for pages without login (the online application, the progress query, ...), and
the one answer to "which address is this client?" (also used by the sign-in lockout and its log).

    if not within_hourly_limit(request, "status", settings.PROGRESS_QUERY_LIMIT_PER_HOUR):
        return render(..., status=429)

Each call counts one request of the client's address against the bucket's limit for the current hour.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from functools import cache

from django.conf import settings
from django.core.cache import cache as django_cache
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

RATE_KEY = "ratelimit:{bucket}:{ip}:{hour}"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def _trusted_proxies(setting: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in setting if entry.strip())


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted_proxies(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, unless the direct peer is one of ``TRUSTED_PROXIES``.

    Only then is ``X-Forwarded-For`` read, from the right: each trusted proxy appends the address it received
    the request from, so the first address that is not a trusted proxy is the client. Entries further left
    were written by the client itself and are never believed. A header from any other peer is ignored, so a
    client cannot reset its own limit by inventing addresses.

    (django-ipware was considered: it trusts proxies by what the header says, not by who connected, which is
    exactly the rule this function must not follow.)
    """
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    if not _is_trusted_proxy(remote):
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed([part for part in forwarded if part]):
        try:
            ipaddress.ip_address(address)
        except ValueError:
            return remote  # a malformed chain: count the proxy, never a made-up value
        if not _is_trusted_proxy(address):
            return address
    return remote


# While the cache (Redis) is down, each web process keeps its own counts: the limit still holds per process
# (so at most limit × processes an hour) instead of lapsing for everyone.
_local_counts: dict[str, int] = {}
_local_lock = threading.Lock()


def _count_locally(key: str) -> int:
    with _local_lock:
        hour = key.rsplit(":", 1)[1]
        for stale in [k for k in _local_counts if not k.endswith(hour)]:
            del _local_counts[stale]
        _local_counts[key] = _local_counts.get(key, 0) + 1
        return _local_counts[key]


def within_hourly_limit(request: HttpRequest, bucket: str, limit: int) -> bool:
    """Count this request against the client's hourly limit for ``bucket``; False once it is exceeded.

    An atomic counter in the cache (Redis): ``add`` creates the hour's key only if missing, ``incr`` is a
    Redis INCR, so concurrent requests never lose a count. The key names the hour, so it starts from zero
    each hour; it expires after an hour, i.e. once its hour is over. With the cache down the count moves to
    the web process's memory (logged): the pages stay usable and still limited.
    """
    key = RATE_KEY.format(bucket=bucket, ip=client_ip(request), hour=timezone.now().strftime("%Y%m%d%H"))
    try:
        django_cache.add(key, 0, timeout=3600)
        try:
            count = django_cache.incr(key)
        except ValueError:  # the key expired between add and incr
            django_cache.set(key, 1, timeout=3600)
            count = 1
    except Exception:  # noqa: BLE001  (the cache (Redis) is down: count in this process instead)
        logger.warning("rate limit %s: cache unavailable, counting in this process", bucket, exc_info=True)
        count = _count_locally(key)
    return count <= limit
