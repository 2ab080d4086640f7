"""What the core needs from the outside world, as small Protocols (fakes in ``fakes.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, tz-aware UTC."""
        ...


class Composer(Protocol):
    def render(self, template: str, language: str, data: dict[str, Any]) -> str:
        """The text of an SMS (``template``: work_order, confirm, explain, escalation…)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
