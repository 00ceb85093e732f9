"""The per-address hourly limit (common/ratelimit.py) on Redis."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory

from common import ratelimit


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-ratelimit-{uuid.uuid4().hex}"}
    }


def request_from(address: str, **headers):
    return RequestFactory().post("/", REMOTE_ADDR=address, **headers)


def test_it_counts_per_address_and_bucket_and_starts_again_each_hour(time_machine):
    time_machine.move_to(datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    one = request_from("10.0.0.1")

    assert [ratelimit.within_hourly_limit(one, "a", 2) for _ in range(3)] == [True, True, False]
    assert ratelimit.within_hourly_limit(one, "b", 2)  # another bucket
    assert ratelimit.within_hourly_limit(request_from("10.0.0.2"), "a", 2)  # another address
    forged = request_from("10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.7")
    assert not ratelimit.within_hourly_limit(forged, "a", 2)  # a forged header is not another address

    time_machine.move_to(datetime(2026, 11, 23, 11, 0, 1, tzinfo=ZoneInfo("Asia/Shanghai")))
    assert ratelimit.within_hourly_limit(one, "a", 2)


def test_it_keeps_limiting_in_the_process_when_the_cache_is_down(monkeypatch, caplog):
    dead_redis = RedisCache("redis://127.0.0.1:1/0", {})  # a real client; nothing listens on port 1
    monkeypatch.setattr(ratelimit, "django_cache", dead_redis)
    one = request_from("10.0.0.3")
    assert [ratelimit.within_hourly_limit(one, "down", 2) for _ in range(3)] == [True, True, False]
    assert ratelimit.within_hourly_limit(request_from("10.0.0.4"), "down", 2)
    assert "cache unavailable, counting in this process" in caplog.text


def test_it_believes_the_forwarding_header_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.9.0.0/24"]
    from_proxy = request_from("10.9.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert ratelimit.client_ip(from_proxy) == "198.51.100.7"  # the address the proxy received it from
    spoofed = request_from("192.0.2.50", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert ratelimit.client_ip(spoofed) == "192.0.2.50"  # not a proxy of ours: the header is ignored
    chained = request_from("10.9.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.9.0.6")
    assert ratelimit.client_ip(chained) == "203.0.113.9"  # two proxies of ours in a row
    garbage = request_from("10.9.0.5", HTTP_X_FORWARDED_FOR="not-an-address")
    assert ratelimit.client_ip(garbage) == "10.9.0.5"
