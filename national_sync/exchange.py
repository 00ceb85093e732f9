"""The national platform exchange's side of the adapter (docs/ministry-protocol.md, "National applications",
"Decisions", "Local registrations"): pull a page of national applications, push a batch of decisions or of local
registrations.

    exchange = get_exchange()
    page = exchange.pull_applications(cursor="", limit=100)     # Page(applications=[{…}], next_cursor, has_more)
    results = exchange.send_decisions(batch_id="…", records=[…])      # [PushResult, …] one per record
    results = exchange.send_registrations(batch_id="…", records=[…])

A province whose platform speaks otherwise writes one class inheriting both ``transport.Transport`` and
``NationalExchange`` and names it in ``NATIONAL_SYNC_TRANSPORT``: ``get_exchange`` then returns it as it is.
The default ``HttpTransport`` is wrapped in ``HttpExchange``, which reuses its signed requests, retries and error
mapping (``HttpTransport.request``). Errors are the transport's ``PlatformError``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import protocol
from .local_records import DECISION_KEY, REGISTRATION_KEY
from .transport import HttpTransport, PlatformError, Transport, get_transport

# Endpoints below the base URL (…/api/v1).
NATIONAL_APPLICATIONS = "/national/applications"  # GET ?cursor=&limit=: a page of national applications
DECISION_BATCHES = "/national/decisions/batches"  # POST: decisions on national applications
REGISTRATION_BATCHES = "/registrations/batches"  # POST: registrations decided or recorded locally
MAX_PAGE = 500


@dataclass(frozen=True)
class Page:
    """One page of the national application queue after a cursor."""

    applications: list[Any]
    next_cursor: str
    has_more: bool


@dataclass(frozen=True)
class PushResult:
    """The platform's answer for one pushed record: its business key (the key fields' values, joined by "/"),
    the result code, the receipt or the errors."""

    key: str
    result: str
    receipt: str = ""
    errors: list[dict[str, str]] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.result in protocol.ACKNOWLEDGED


class NationalExchange(ABC):
    """What the pull and push services need from the national platform. Sends must be safe to repeat with the
    same ``batch_id`` and records after any failure; a record is taken once by its business key."""

    @abstractmethod
    def pull_applications(self, *, cursor: str, limit: int) -> Page:
        """The national applications after ``cursor`` (oldest first, at most ``limit``)."""

    @abstractmethod
    def send_decisions(self, *, batch_id: str, records: Sequence[dict[str, str]]) -> list[PushResult]:
        """Send decisions on national applications (business key QGSQBH)."""

    @abstractmethod
    def send_registrations(self, *, batch_id: str, records: Sequence[dict[str, str]]) -> list[PushResult]:
        """Send local registrations (business key AAB301 + DJBH)."""


def result_key(item: dict, key_fields: Sequence[str]) -> str:
    return "/".join(str(item.get(code, "")) for code in key_fields)


def _results(answer: Any, key_fields: Sequence[str]) -> list[PushResult]:
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        raise PlatformError("answer without results", transient=False, code="BAD_ANSWER")
    results = []
    for item in answer["results"]:
        if not isinstance(item, dict) or item.get("result") not in protocol.RESULT_CODES:
            raise PlatformError(f"unexpected record result {item!r:.200}", transient=False, code="BAD_ANSWER")
        results.append(
            PushResult(
                key=result_key(item, key_fields),
                result=item["result"],
                receipt=str(item.get("receipt") or ""),
                errors=[
                    {"field": str(e.get("field", "")), "message": str(e.get("message", ""))}
                    for e in item.get("errors") or []
                    if isinstance(e, dict)
                ],
            )
        )
    return results


class HttpExchange(NationalExchange):
    """The exchange over the default HTTP transport (signing, timeouts, retries: ``HttpTransport.request``)."""

    def __init__(self, transport: HttpTransport | None = None) -> None:
        self.transport = transport or HttpTransport()

    def pull_applications(self, *, cursor: str, limit: int) -> Page:
        answer = self.transport.request(
            "GET", NATIONAL_APPLICATIONS, params={"cursor": cursor, "limit": str(min(limit, MAX_PAGE))}
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("applications"), list):
            raise PlatformError("answer without applications", transient=False, code="BAD_ANSWER")
        return Page(
            applications=answer["applications"],
            next_cursor=str(answer.get("next_cursor") or cursor),
            has_more=bool(answer.get("has_more")),
        )

    def _send(self, endpoint: str, batch_id: str, records: Sequence[dict[str, str]], key: Sequence[str]):
        answer = self.transport.request(
            "POST", endpoint, body={"batch_id": batch_id, "records": list(records)}, idempotency_key=batch_id
        )
        return _results(answer, key)

    def send_decisions(self, *, batch_id: str, records: Sequence[dict[str, str]]) -> list[PushResult]:
        return self._send(DECISION_BATCHES, batch_id, records, DECISION_KEY)

    def send_registrations(self, *, batch_id: str, records: Sequence[dict[str, str]]) -> list[PushResult]:
        return self._send(REGISTRATION_BATCHES, batch_id, records, REGISTRATION_KEY)


def get_exchange(transport: Transport | None = None) -> NationalExchange:
    """The configured transport as a ``NationalExchange``: itself when it is one, the HTTP transport wrapped."""
    transport = transport or get_transport()
    if isinstance(transport, NationalExchange):
        return transport
    if isinstance(transport, HttpTransport):
        return HttpExchange(transport)
    raise PlatformError(
        f"{type(transport).__name__} does not implement the national platform exchange",
        transient=False,
        code="NOT_SUPPORTED",
    )
