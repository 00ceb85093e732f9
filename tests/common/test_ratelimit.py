"""The per-address hourly limit (common/ratelimit.py) on Redis."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
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


def test_it_allows_the_request_when_the_cache_is_down(monkeypatch):
    class DownCache:
        def add(self, *args, **kwargs):
            raise ConnectionError("redis down")

    monkeypatch.setattr(ratelimit, "cache", DownCache())

    assert ratelimit.within_hourly_limit(request_from("10.0.0.3"), "a", 0)
