"""What the gateway hands its callers: send results, received messages, delivery reports,
the modem's health, and the errors a send can end in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


class GatewayError(Exception):
    """Base of what the gateway raises to its callers."""


class PortGone(GatewayError):
    """The serial port vanished (USB unplugged) or stopped answering."""


class SmsRejected(GatewayError):
    """The modem or network refused the SMS with ``+CMS ERROR: code``."""

    def __init__(self, code: int, command: str = "") -> None:
        super().__init__(f"+CMS ERROR: {code} ({command})")
        self.code = code


class SendAmbiguous(GatewayError):
    """The port went away after the modem may have handed the SMS to the network.
    Retry on the SAME modem with ``check_stored=True``: its SIM knows whether it went out."""


@dataclass(frozen=True)
class SendResult:
    references: tuple[int, ...]  # one per part; -1 for a part sent before a crash (unknown MR)
    parts: int


@dataclass(frozen=True)
class InboundSms:
    modem: str
    number: str
    text: str
    received_at: datetime
    indexes: tuple[int, ...]  # where it sits on the SIM until acknowledged


@dataclass(frozen=True)
class DeliveryReport:
    modem: str
    reference: int
    number: str
    ok: bool
    status: int
    stored: tuple[str, int] | None = None  # (memory, index) of a report kept on the SIM (+CDSI)


@dataclass
class Health:
    name: str
    connected: bool = False
    registered: bool = False
    signal: int | None = None  # 0–31, None unknown
    operator: str = ""
    errors: int = 0
    last_error: str = ""
    queue_length: int = 0
    sent: int = 0
    received: int = 0
    reconnects: int = 0
    updated_at: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)
