"""In-memory twins of the receipts ports, with the same semantics as the core's queue:
leases, attempts, backoff, and a status of queued | printing | retry | printed | failed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class FakeJob:
    id: int
    ticket_id: int | None
    printer: str
    kind: str
    language: str
    snapshot: dict[str, Any]
    attempts: int = 0
    status: str = "queued"
    due_at: float = 0.0
    lease_until: float = 0.0
    error: str = ""
    printed_count: int = 0
    worker: str = ""
    sending: bool = False  # an attempt started and not yet confirmed
    reprint: bool = False


@dataclass
class FakePrintQueue:
    """``clock`` returns seconds (monotonic); backoff doubles from ``retry_base_s``."""

    clock: Callable[[], float] = time.monotonic
    retry_base_s: float = 0.05
    retry_cap_s: float = 2.0
    max_attempts: int = 20
    lease_s: float = 120.0
    jobs: dict[int, FakeJob] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    status_history: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def enqueue(self, snapshot: dict[str, Any], printer: str = "desk") -> int:
        with self._lock:
            job_id = len(self.jobs) + 1
            self.jobs[job_id] = FakeJob(job_id, snapshot.get("ticket_id"), printer,
                                        str(snapshot.get("kind") or "slip"),
                                        str(snapshot.get("language") or "zh-CN"), dict(snapshot),
                                        due_at=self.clock())
            return job_id

    def claim(self, printer: str, limit: int = 1, worker: str = "") -> list[FakeJob]:
        now = self.clock()
        with self._lock:
            due = sorted((j for j in self.jobs.values() if j.printer == printer and (
                (j.status in ("queued", "retry") and j.due_at <= now)
                or (j.status == "printing" and j.lease_until < now))),
                key=lambda j: (j.due_at, j.id))[:limit]
            for j in due:
                self.jobs[j.id] = replace(j, status="printing", attempts=j.attempts + 1,
                                          lease_until=now + self.lease_s, worker=worker,
                                          reprint=j.reprint or j.sending)
            return [self.jobs[j.id] for j in due]

    def resume(self, printer: str, worker: str) -> int:
        now = self.clock()
        with self._lock:
            own = [j for j in self.jobs.values()
                   if j.printer == printer and j.status == "printing" and j.worker == worker]
            for j in own:
                self.jobs[j.id] = replace(j, status="retry", due_at=now, lease_until=0.0)
            return len(own)

    def mark_sending(self, job_id: int) -> None:
        with self._lock:
            self.jobs[job_id] = replace(self.jobs[job_id], sending=True)

    def mark_printed(self, job_id: int) -> None:
        with self._lock:
            j = self.jobs[job_id]
            self.jobs[job_id] = replace(j, status="printed", error="", lease_until=0.0,
                                        printed_count=j.printed_count + 1)

    def mark_failed(self, job_id: int, error: str, retry: bool) -> str:
        now = self.clock()
        with self._lock:
            j = replace(self.jobs[job_id], sending=False)
            if retry and j.attempts < self.max_attempts:
                delay = min(self.retry_cap_s, self.retry_base_s * 2 ** max(0, j.attempts - 1))
                j = replace(j, status="retry", due_at=now + delay, error=error, lease_until=0.0)
            else:
                j = replace(j, status="failed", error=error, lease_until=0.0)
            self.jobs[job_id] = j
            return j.status

    def set_printer_status(self, printer: str, status: dict[str, Any]) -> None:
        with self._lock:
            self.statuses[printer] = dict(status)
            self.status_history.append((printer, dict(status)))

    def reprint(self, job_id: int) -> int:
        """Queue a copy of an earlier job (the core's ``PrintQueue.reprint``)."""
        old = self.jobs[job_id]
        return self.enqueue(dict(old.snapshot, kind=old.kind, language=old.language), old.printer)

    def by_status(self, status: str) -> list[FakeJob]:
        return [j for j in self.jobs.values() if j.status == status]
