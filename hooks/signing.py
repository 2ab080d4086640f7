"""What a webhook delivery looks like on the wire, and how a receiver checks it. Pure.

A delivery is ``POST <url>`` with a JSON body::

    {"id": 1042, "event": "ticket.created", "occurred_at": "2026-11-23T01:02:03+00:00",
     "sent_at": 1763859723, "attempt": 1, "data": {...}}

and the headers ``X-OneStop-Event``, ``X-OneStop-Delivery`` (the id, the same on every retry:
a receiver that has seen it ignores it), ``X-OneStop-Timestamp`` (unix seconds, the body's
``sent_at``) and ``X-OneStop-Signature: sha256=<hex HMAC-SHA256 of the body with the
subscription's secret>``. The timestamp is inside the signed body, so a receiver that checks
the signature, that the header equals ``sent_at`` and that it is recent (five minutes) refuses
a replayed request; the id makes a retry harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

SIGNATURE = "X-OneStop-Signature"
TIMESTAMP = "X-OneStop-Timestamp"
DELIVERY = "X-OneStop-Delivery"
EVENT = "X-OneStop-Event"
TOLERANCE_S = 300


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of ``body`` keyed with ``secret`` (UTF-8)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def request(delivery_id: int, event: str, occurred_at: str, data: Mapping[str, Any], attempt: int,
            secret: str, now_s: int) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt."""
    body = json.dumps({"id": delivery_id, "event": event, "occurred_at": occurred_at, "sent_at": now_s,
                       "attempt": attempt, "data": data}, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode()
    return body, {"Content-Type": "application/json; charset=utf-8", EVENT: event,
                  DELIVERY: str(delivery_id), TIMESTAMP: str(now_s),
                  SIGNATURE: signature(secret, body), "User-Agent": "OneStop-Webhooks/1"}


def verify(secret: str, body: bytes, headers: Mapping[str, str], now_s: float,
           tolerance_s: float = TOLERANCE_S) -> dict[str, Any]:
    """The delivery, if ``body`` and ``headers`` are a genuine, recent one; ``ValueError``
    says why not. ``headers``: a case-insensitive mapping, or lower-case keys."""
    def header(name: str) -> str:
        return str(headers.get(name) or headers.get(name.lower()) or "")

    if not hmac.compare_digest(header(SIGNATURE), signature(secret, body)):
        raise ValueError("bad signature")
    payload = json.loads(body)
    if str(payload.get("sent_at")) != header(TIMESTAMP):
        raise ValueError("the timestamp header is not the signed one")
    if abs(now_s - int(payload["sent_at"])) > tolerance_s:
        raise ValueError("too old (or from the future): a replay?")
    if str(payload.get("id")) != header(DELIVERY):
        raise ValueError("the delivery header is not the signed id")
    return dict(payload)
