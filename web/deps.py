"""What the web front needs from the rest of the center, handed in by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from config.settings import Settings
from ticketing.outbox import PrintQueue, SmsOutbox, SurveyQueue
from ticketing.ports import Clock
from ticketing.service import TicketService
from ticketing.store import Store
from web.live import LiveHub


@dataclass
class WebDeps:
    """Everything ``create_app`` uses. The optional callables are the adapters' windows:
    ``health`` → ``{"ami": {"state": "up"}, …}``, ``slip_preview(snapshot) -> html``,
    ``modem_status() -> dict``, ``printer_status() -> dict``."""

    settings: Settings
    store: Store
    service: TicketService
    clock: Clock
    sms_outbox: SmsOutbox
    print_queue: PrintQueue
    survey_queue: SurveyQueue
    hub: LiveHub = field(default_factory=LiveHub)
    health: Callable[[], dict[str, Any]] | None = None
    slip_preview: Callable[[dict[str, Any]], str] | None = None
    modem_status: Callable[[], dict[str, Any]] | None = None
    printer_status: Callable[[], dict[str, Any]] | None = None
    # How often the change feed looks for ticket changes made outside the web process
    # (worker SMS replies, IVR self-service, time-limit sweeps) and the wallboard refresh.
    feed_interval_s: float = 1.0
    wallboard_interval_s: float = 5.0
