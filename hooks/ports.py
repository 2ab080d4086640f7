"""What the webhook sender needs from the core (the real one: ``ticketing.webhooks.Webhooks``);
an in-memory twin is in ``hooks/fakes.py``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol


class Delivery(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def url(self) -> str: ...
    @property
    def secret(self) -> str: ...
    @property
    def event(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def payload(self) -> dict[str, Any]: ...
    @property
    def attempts(self) -> int: ...
    @property
    def format(self) -> str: ...  # generic, or a chat bot's (hooks/chat.py)
    @property
    def language(self) -> str: ...
    @property
    def context(self) -> dict[str, str]: ...  # the names a chat message shows


class DeliveryQueue(Protocol):
    """Leased deliveries: ``claim`` marks them in flight; a lease that runs out makes them due
    again (with the same id)."""

    def claim(self, worker: str, limit: int = 4) -> Sequence[Delivery]: ...

    def mark_delivered(self, delivery_id: int, status_code: int, latency_ms: int) -> None: ...

    def mark_failed(self, delivery_id: int, error: str, retry: bool, status_code: int | None = None,
                    latency_ms: int | None = None, retry_after_s: float | None = None) -> str: ...
