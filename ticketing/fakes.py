"""In-memory twins of the core's ports, for tests and for scripting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


class FixedClock:
    """A clock that moves only when told to: time-limit tests are instant and exact."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Mon 09:00 Shanghai

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class PlainComposer:
    """Renders ``template|key=value|…`` so tests can read what would be sent."""

    def __init__(self) -> None:
        self.rendered: list[tuple[str, str, dict[str, Any]]] = []

    def render(self, template: str, language: str, data: dict[str, Any]) -> str:
        self.rendered.append((template, language, data))
        keys = ("ticket_id", "action", "reason", "level")
        parts = [f"{k}={data[k]}" for k in keys if k in data]
        return "|".join([template, *parts])
