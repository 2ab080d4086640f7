"""In-memory twins of the CTI ports: they record what they were asked."""

from __future__ import annotations

import threading
import time
from typing import Any

from cti.tracker import CallRecord


class DictContextLookup:
    """``ContextLookup`` from a dict; unknown numbers get the core's "unknown" shape."""

    def __init__(self, known: dict[str, dict[str, Any]] | None = None, delay_s: float = 0.0,
                 fail_on: set[str] | None = None) -> None:
        self.known = known or {}
        self.delay_s = delay_s
        self.fail_on = fail_on or set()
        self.asked: list[str] = []
        self._lock = threading.Lock()

    def lookup(self, number: str) -> dict[str, Any]:
        with self._lock:
            self.asked.append(number)
        if self.delay_s:
            time.sleep(self.delay_s)
        if number in self.fail_on:
            raise RuntimeError(f"directory unavailable for {number}")
        if number in self.known:
            return {"number": number, "known": True, **self.known[number]}
        return {"number": number, "known": False, "caller_tickets": [], "location_tickets": [],
                "repeat_caller": False, "warning": "number not in the phone directory"}


class RecordingPopPublisher:
    def __init__(self) -> None:
        self.pops: list[tuple[str, dict[str, Any]]] = []

    def publish_pop(self, login: str, payload: dict[str, Any]) -> None:
        self.pops.append((login, payload))


class RecordingWallboard:
    def __init__(self) -> None:
        self.figures: list[dict[str, Any]] = []

    def publish_wallboard(self, payload: dict[str, Any]) -> None:
        self.figures.append(payload)

    @property
    def last(self) -> dict[str, Any]:
        return self.figures[-1] if self.figures else {}


class MemoryCallSink:
    def __init__(self, fail_times: int = 0) -> None:
        self.records: list[CallRecord] = []
        self.fail_times = fail_times
        self._lock = threading.Lock()

    def record_call(self, record: CallRecord) -> None:
        with self._lock:
            if self.fail_times > 0:
                self.fail_times -= 1
                raise RuntimeError("database unavailable")
            self.records.append(record)
