"""What the modem adapter needs from the core, as small Protocols (fakes in ``fakes.py``).

The real ones: ``ticketing.outbox.SmsOutbox`` and ``ticketing.service.TicketService``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from modem.replies import Reply


class OutgoingSms(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def attempts(self) -> int: ...


class SmsOutbox(Protocol):
    """Leased rows: ``claim`` marks them in flight; a lease that runs out makes them due again."""

    def claim(self, modem: str, limit: int = 1) -> Sequence[OutgoingSms]: ...

    def mark_sent(self, sms_id: int, references: list[int], parts: int) -> None: ...

    def mark_failed(self, sms_id: int, error: str, retry: bool) -> str: ...

    def release(self, sms_id: int) -> None: ...

    def mark_delivered(self, modem: str, reference: int, number: str, ok: bool) -> int | None: ...

    # Optional: ``mark_delivered_many(modem, [(reference, number, ok), …]) -> [id | None, …]``,
    # the same in one transaction; the sender uses it when the outbox has it.


class InboundHandler(Protocol):
    """``TicketService.handle_inbound_sms``: stores the message, acts if the sender may, queues
    the confirmation or explanation; recognises a message it has already seen."""

    def handle_inbound_sms(self, modem: str, number: str, text: str, reply: Reply | None,
                           received_at: datetime, parse_error: str = "") -> Any: ...
