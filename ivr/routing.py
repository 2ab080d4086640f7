"""Where an IVR dialogue ends: the route and the channel variables that carry it."""

from __future__ import annotations

from dataclasses import dataclass

from ivr.menu import Target
from ivr.session import ALL_DIGITS, AgiSession


@dataclass(frozen=True)
class Route:
    """The outcome of one hotline call's IVR part."""

    service: str
    queue: str = ""
    transfer: str = ""
    reason: str = "digit"  # digit | operator | no_input | retries | failure | vip | urgent | self_service
    location_code: str = ""
    ticket_id: int | None = None

    @classmethod
    def to(cls, target: Target, reason: str, location_code: str = "") -> Route:
        return cls(target.service, target.queue, target.transfer, reason, location_code)

    @property
    def action(self) -> str:
        return "queue" if self.queue else "transfer" if self.transfer else "hangup"

    def variables(self) -> list[tuple[str, str]]:
        out = [("SERVICE_TYPE", self.service)]
        out += [("QUEUE", self.queue)] if self.queue else []
        out += [("TRANSFER_TO", self.transfer)] if self.transfer else []
        out += [("IVR_ACTION", self.action), ("IVR_REASON", self.reason)]
        out += [("LOCATION_CODE", self.location_code)] if self.location_code else []
        out += [("TICKET_ID", str(self.ticket_id))] if self.ticket_id is not None else []
        return out


async def play_and_wait(agi: AgiSession, sounds: tuple[str, ...], timeout_s: float) -> str:
    """Play ``sounds`` (any key interrupts), then wait for a key; "" on silence.

    A sound Asterisk cannot play is logged by the session and skipped: the caller can still
    press the key they know.
    """
    for sound in sounds:
        played = await agi.stream_file(sound, ALL_DIGITS)
        if played.digit:
            return played.digit
    return await agi.wait_for_digit(int(timeout_s * 1000))


async def set_route(agi: AgiSession, route: Route) -> None:
    for name, value in route.variables():
        await agi.set_variable(name, value)
