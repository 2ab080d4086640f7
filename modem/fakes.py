"""In-memory twins of the modem adapter's ports, recording what they were asked."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from modem.replies import Reply


@dataclass(frozen=True)
class FakeRow:
    id: int
    number: str
    text: str
    attempts: int = 0
    status: str = "queued"  # queued | sending | retry | sent | delivered | failed
    modem: str = ""
    references: tuple[int, ...] = ()
    parts: int = 0
    error: str = ""


class FakeOutbox:
    """The ``SmsOutbox`` contract in memory: leased claims, retries up to ``max_attempts``."""

    def __init__(self, max_attempts: int = 5) -> None:
        self.rows: dict[int, FakeRow] = {}
        self.max_attempts = max_attempts
        self.delivered: list[tuple[str, int, str, bool]] = []
        self._lock = threading.Lock()

    def add(self, number: str, text: str) -> int:
        with self._lock:
            new_id = len(self.rows) + 1
            self.rows[new_id] = FakeRow(new_id, number, text)
            return new_id

    def claim(self, modem: str, limit: int = 1) -> list[FakeRow]:
        with self._lock:
            due = [r for r in self.rows.values() if r.status in ("queued", "retry")][:limit]
            for r in due:
                self.rows[r.id] = replace(r, status="sending", modem=modem, attempts=r.attempts + 1)
            return [self.rows[r.id] for r in due]

    def mark_sent(self, sms_id: int, references: list[int], parts: int) -> None:
        with self._lock:
            r = self.rows[sms_id]
            if r.status not in ("sent", "delivered"):
                self.rows[sms_id] = replace(r, status="sent", references=tuple(references), parts=parts)

    def mark_failed(self, sms_id: int, error: str, retry: bool) -> str:
        with self._lock:
            r = self.rows[sms_id]
            status = "retry" if retry and r.attempts < self.max_attempts else "failed"
            self.rows[sms_id] = replace(r, status=status, error=error)
            return status

    def release(self, sms_id: int) -> None:
        with self._lock:
            r = self.rows[sms_id]
            if r.status == "sending":
                self.rows[sms_id] = replace(r, status="queued", attempts=max(0, r.attempts - 1))

    def mark_delivered(self, modem: str, reference: int, number: str, ok: bool) -> int | None:
        with self._lock:
            self.delivered.append((modem, reference, number, ok))
            for r in sorted(self.rows.values(), key=lambda r: -r.id):
                if r.modem == modem and r.status == "sent" and reference in r.references:
                    self.rows[r.id] = replace(r, status="delivered" if ok else "failed")
                    return r.id
        return None

    def mark_delivered_many(self, modem: str, reports: list[tuple[int, str, bool]]) -> list[int | None]:
        return [self.mark_delivered(modem, reference, number, ok) for reference, number, ok in reports]

    def by_status(self, status: str) -> list[FakeRow]:
        return [r for r in self.rows.values() if r.status == status]


@dataclass
class FakeInbound:
    """``InboundHandler`` that records every call; ``fail_times`` makes the first calls raise."""

    calls: list[tuple[str, str, str, Reply | None, datetime, str]] = field(default_factory=list)
    fail_times: int = 0

    def handle_inbound_sms(self, modem: str, number: str, text: str, reply: Reply | None,
                           received_at: datetime, parse_error: str = "") -> Any:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise RuntimeError("store unavailable")
        self.calls.append((modem, number, text, reply, received_at, parse_error))
        return "stored"
