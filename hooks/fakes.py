"""An in-memory delivery queue for the sender's tests: what was claimed and what was marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class FakeDelivery:
    id: int
    url: str
    secret: str
    event: str = "ticket.created"
    payload: dict[str, Any] = field(default_factory=dict)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    attempts: int = 0
    status: str = "queued"
    outcomes: list[tuple[str, int | None, str]] = field(default_factory=list)  # (status, code, error)
    retry_after_s: float | None = None
    format: str = "generic"
    language: str = "zh-CN"
    context: dict[str, str] = field(default_factory=dict)


class FakeQueue:
    """Every delivery is due at once; a retry is due again at once (no back-off)."""

    def __init__(self, max_attempts: int = 5) -> None:
        self.rows: dict[int, FakeDelivery] = {}
        self.max_attempts = max_attempts

    def add(self, url: str, secret: str, **kw: Any) -> FakeDelivery:
        d = FakeDelivery(len(self.rows) + 1, url, secret, **kw)
        self.rows[d.id] = d
        return d

    def claim(self, worker: str, limit: int = 4) -> list[FakeDelivery]:
        due = [d for d in self.rows.values() if d.status in ("queued", "retry")][:limit]
        for d in due:
            d.status, d.attempts = "sending", d.attempts + 1
        return due

    def mark_delivered(self, delivery_id: int, status_code: int, latency_ms: int) -> None:
        d = self.rows[delivery_id]
        d.status = "delivered"
        d.outcomes.append(("delivered", status_code, ""))

    def mark_failed(self, delivery_id: int, error: str, retry: bool, status_code: int | None = None,
                    latency_ms: int | None = None, retry_after_s: float | None = None) -> str:
        d = self.rows[delivery_id]
        d.status = "retry" if retry and d.attempts < self.max_attempts else "failed"
        d.retry_after_s = retry_after_s
        d.outcomes.append((d.status, status_code, error))
        return d.status
