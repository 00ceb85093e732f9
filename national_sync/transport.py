"""The adapter between this system and the ministry platform: the ``Transport`` interface, the default HTTP/JSON
client on ``requests`` (docs/ministry-protocol.md) and ``get_transport()``, which the services call.

A province whose platform speaks otherwise (another signature, a gateway, a message queue) writes its own class
with the same methods and names it in ``NATIONAL_SYNC_TRANSPORT``; nothing else changes.

    transport = get_transport()
    results = transport.send_exits(batch_id="…", records=[record, …])   # [RecordResult, …] one per record
    transport.health()                                                   # {"ok": True, "detail": "…"}

Errors: ``PlatformError`` with ``transient`` true (timeouts, connection errors, 429, 502, 503, 504 after the
retries are used up: the records stay queued for the next run) or false (the platform refused the request as a
whole: 400, 401, 409, 413, 500 — ops must look).
"""

from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from . import protocol
from .signing import HEADER_IDEMPOTENCY_KEY, signed_headers

logger = logging.getLogger(__name__)


class PlatformError(Exception):
    """The platform could not be reached or refused the request as a whole."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.code = code


class NotConfigured(PlatformError):
    def __init__(self) -> None:
        super().__init__("NATIONAL_SYNC_BASE_URL is not set", transient=True, code="NOT_CONFIGURED")


@dataclass(frozen=True)
class RecordResult:
    """The platform's answer for one record of a batch."""

    region_code: str  # AAB301
    serial: str  # AAZ341
    result: str  # protocol.ACCEPTED | ALREADY_RECEIVED | REJECTED
    receipt: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return (self.region_code, self.serial)

    @property
    def acknowledged(self) -> bool:
        return self.result in protocol.ACKNOWLEDGED


class Transport(ABC):
    """What the upload services need from the platform. Implementations must be safe to call again with the
    same ``batch_id`` (the idempotency key) and the same records after any failure."""

    @abstractmethod
    def send_exits(self, *, batch_id: str, records: Sequence[dict[str, str]]) -> list[RecordResult]:
        """Send one batch of deregistration records; the answer for each record (in any order; a record may be
        answered twice, never not at all unless the whole call raises ``PlatformError``)."""

    @abstractmethod
    def health(self) -> dict[str, Any]:
        """{"ok": bool, "detail": str}: whether the platform answers now (never raises)."""


def get_transport() -> Transport:
    """The configured transport (``NATIONAL_SYNC_TRANSPORT``), built with the settings."""
    cls = import_string(settings.NATIONAL_SYNC_TRANSPORT)
    return cls()


def _result_from(item: Any) -> RecordResult:
    if not isinstance(item, dict) or item.get("result") not in protocol.RESULT_CODES:
        raise PlatformError(f"unexpected record result {item!r:.200}", transient=False, code="BAD_ANSWER")
    errors = item.get("errors") or []
    return RecordResult(
        region_code=str(item.get("AAB301", "")),
        serial=str(item.get("AAZ341", "")),
        result=item["result"],
        receipt=str(item.get("receipt") or ""),
        errors=[{"field": str(e.get("field", "")), "message": str(e.get("message", ""))} for e in errors],
    )


class HttpTransport(Transport):
    """The protocol of docs/ministry-protocol.md over HTTPS with ``requests``: signed JSON, connect and read
    timeouts, the CA bundle of ``NATIONAL_SYNC_CA_BUNDLE``, and retries with exponential backoff only on
    timeouts, connection errors, 429, 502, 503 and 504 (the same body and idempotency key each time).

    ``request(...)`` is public so that further exchanges (national applications, decisions, local
    registrations) reuse the signing, retries and error mapping."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        app_id: str | None = None,
        secret: str | None = None,
        ca_bundle: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        max_attempts: int | None = None,
        backoff_seconds: float | None = None,
    ) -> None:
        self.base_url = (base_url if base_url is not None else settings.NATIONAL_SYNC_BASE_URL).rstrip("/")
        self.app_id = app_id if app_id is not None else settings.NATIONAL_SYNC_APP_ID
        self.secret = secret if secret is not None else settings.NATIONAL_SYNC_APP_SECRET
        bundle = ca_bundle if ca_bundle is not None else settings.NATIONAL_SYNC_CA_BUNDLE
        self.verify: bool | str = bundle or True
        self.timeout = (
            connect_timeout if connect_timeout is not None else settings.NATIONAL_SYNC_CONNECT_TIMEOUT,
            read_timeout if read_timeout is not None else settings.NATIONAL_SYNC_READ_TIMEOUT,
        )
        self.max_attempts = max(
            1, max_attempts if max_attempts is not None else settings.NATIONAL_SYNC_MAX_ATTEMPTS
        )
        self.backoff = (
            backoff_seconds if backoff_seconds is not None else settings.NATIONAL_SYNC_BACKOFF_SECONDS
        )
        self.session = requests.Session()

    # ---- the generic signed request with retries ----
    def _path(self, endpoint: str) -> str:
        from urllib.parse import urlsplit

        return urlsplit(self.base_url).path.rstrip("/") + endpoint

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        idempotency_key: str = "",
    ) -> Any:
        """One signed JSON request to ``endpoint`` (below the base URL); the decoded JSON answer. Retries
        transient failures; raises ``PlatformError`` when they are used up or the platform refuses."""
        if not self.base_url:
            raise NotConfigured()
        from urllib.parse import urlencode

        query = ("?" + urlencode(sorted(params.items()))) if params else ""
        data = (
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() if body is not None else b""
        )
        last: PlatformError | None = None
        for attempt in range(1, self.max_attempts + 1):
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                **signed_headers(
                    app_id=self.app_id,
                    secret=self.secret,
                    method=method,
                    path=self._path(endpoint) + query,
                    body=data,
                ),
            }
            if idempotency_key:
                headers[HEADER_IDEMPOTENCY_KEY] = idempotency_key
            retry_after = 0.0
            try:
                response = self.session.request(
                    method,
                    self.base_url + endpoint + query,
                    data=data or None,
                    headers=headers,
                    timeout=self.timeout,
                    verify=self.verify,
                )
            except requests.Timeout as exc:
                last = PlatformError(f"timeout: {exc}", transient=True, code="TIMEOUT")
            except requests.ConnectionError as exc:
                last = PlatformError(f"connection error: {exc}", transient=True, code="CONNECTION")
            else:
                if response.status_code < 400:
                    try:
                        return response.json()
                    except ValueError as exc:
                        raise PlatformError(
                            f"HTTP {response.status_code}: not JSON", transient=False, code="BAD_ANSWER"
                        ) from exc
                error = _error_of(response)
                transient = response.status_code in protocol.TRANSIENT_STATUSES
                last = PlatformError(
                    f"HTTP {response.status_code} {error.get('code', '')}: {error.get('message', '')}".strip(),
                    transient=transient,
                    status=response.status_code,
                    code=str(error.get("code", "")),
                )
                if not transient:
                    raise last
                retry_after = _retry_after(response)
            if attempt < self.max_attempts:
                delay = max(retry_after, self.backoff * 2 ** (attempt - 1))
                logger.warning(
                    "ministry platform %s %s: %s; attempt %d of %d, again in %.1fs",
                    method,
                    endpoint,
                    last,
                    attempt,
                    self.max_attempts,
                    delay,
                )
                time.sleep(min(delay, 60.0))
        assert last is not None
        raise last

    # ---- the exchanges ----
    def send_exits(self, *, batch_id: str, records: Sequence[dict[str, str]]) -> list[RecordResult]:
        answer = self.request(
            "POST",
            protocol.EXIT_BATCHES,
            body={"batch_id": batch_id, "records": list(records)},
            idempotency_key=batch_id,
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
            raise PlatformError("answer without results", transient=False, code="BAD_ANSWER")
        return [_result_from(item) for item in answer["results"]]

    def health(self) -> dict[str, Any]:
        if not self.base_url:
            return {"ok": False, "detail": "NATIONAL_SYNC_BASE_URL is not set"}
        try:
            answer = self.session.get(
                self.base_url + protocol.HEALTH, timeout=(min(self.timeout[0], 2.0), 3.0), verify=self.verify
            )
        except requests.RequestException as exc:
            return {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
        if answer.status_code != 200:
            return {"ok": False, "detail": f"HTTP {answer.status_code}"}
        try:
            data = answer.json()
        except ValueError:
            return {"ok": False, "detail": "not JSON"}
        return {"ok": data.get("status") == "ok", "detail": json.dumps(data, ensure_ascii=False)[:300]}


def _error_of(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, dict) else {}


def _retry_after(response: requests.Response) -> float:
    try:
        return min(float(response.headers.get("Retry-After", "0")), 60.0)
    except ValueError:
        return 0.0
