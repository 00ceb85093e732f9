"""Request signing of the ministry protocol (docs/ministry-protocol.md, "Authentication"): app id + HMAC-SHA256
over the method, path, timestamp, nonce and the SHA-256 of the body. The client signs, the simulator verifies;
a province's own transport may sign otherwise.

    headers = signed_headers(app_id="410000", secret="…", method="POST", path="/api/v1/…", body=b"{…}")
    check_signature(secret="…", method=…, path=…, headers=headers, body=b"{…}", now=time.time())  # None or a reason
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

HEADER_APP_ID = "X-App-Id"
HEADER_TIMESTAMP = "X-Timestamp"
HEADER_NONCE = "X-Nonce"
HEADER_SIGNATURE = "X-Signature"
HEADER_IDEMPOTENCY_KEY = "Idempotency-Key"
MAX_CLOCK_SKEW_SECONDS = 300


def canonical_string(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    """What is signed: five lines, the method upper-cased, the path with its query string as sent."""
    return "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])


def signature(*, secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = canonical_string(method=method, path=path, timestamp=timestamp, nonce=nonce, body=body)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def signed_headers(*, app_id: str, secret: str, method: str, path: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    return {
        HEADER_APP_ID: app_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(
            secret=secret, method=method, path=path, timestamp=timestamp, nonce=nonce, body=body
        ),
    }


def check_signature(
    *, secret: str, method: str, path: str, headers: Mapping[str, str], body: bytes, now: float
) -> str | None:
    """None when the request is signed with ``secret`` within the allowed clock skew; otherwise the reason."""
    timestamp = headers.get(HEADER_TIMESTAMP) or ""
    nonce = headers.get(HEADER_NONCE) or ""
    given = headers.get(HEADER_SIGNATURE) or ""
    if not (timestamp and nonce and given):
        return "missing signature headers"
    try:
        skew = abs(now - int(timestamp))
    except ValueError:
        return "bad timestamp"
    if skew > MAX_CLOCK_SKEW_SECONDS:
        return "timestamp outside the allowed window"
    expected = signature(secret=secret, method=method, path=path, timestamp=timestamp, nonce=nonce, body=body)
    if not hmac.compare_digest(expected, given):
        return "bad signature"
    return None
