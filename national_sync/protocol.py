"""The wire protocol with the ministry platforms, as constants both sides use (the client in ``transport``, the
simulator in ``simulator``). Prose, examples and the reasoning: docs/ministry-protocol.md.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"

# Endpoints (paths below the base URL, which ends in /api/v1).
HEALTH = "/health"
EXIT_BATCHES = "/deregistrations/batches"  # POST: a batch of deregistration records (失业登记退出信息上传)

# Per-record result codes in a batch answer.
ACCEPTED = "ACCEPTED"  # received now; ``receipt`` is the platform's receipt number
ALREADY_RECEIVED = (
    "ALREADY_RECEIVED"  # the business key (AAB301 + AAZ341) was received before; original receipt
)
REJECTED = "REJECTED"  # failed the platform's validation; ``errors`` [{"field", "message"}] say why
RESULT_CODES = (ACCEPTED, ALREADY_RECEIVED, REJECTED)
ACKNOWLEDGED = (ACCEPTED, ALREADY_RECEIVED)

# Whole-request error codes (JSON body {"error": {"code", "message"}}).
ERROR_BAD_REQUEST = "BAD_REQUEST"  # 400: not JSON, or not the documented shape
ERROR_UNAUTHORIZED = "UNAUTHORIZED"  # 401: unknown app id, bad or stale signature
ERROR_IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"  # 409: the batch id was used for other records
ERROR_TOO_LARGE = "TOO_LARGE"  # 413: more records than MAX_BATCH_RECORDS
ERROR_BUSY = "BUSY"  # 429 / 503: try again later (Retry-After)
ERROR_INTERNAL = "INTERNAL"  # 500

MAX_BATCH_RECORDS = 1000
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


def business_key(record: dict) -> tuple[str, str]:
    """AAB301 + AAZ341: the key the platform accepts a record once by."""
    return (str(record.get("AAB301", "")), str(record.get("AAZ341", "")))
