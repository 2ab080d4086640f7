"""Received SMS: the sweep of the SIM, concatenated parts, handing messages out.

Every ``+CMTI`` — and a timer — starts a sweep that lists *everything* stored (``+CMGL``),
because the library would read only the first notification of a burst. Whole messages (all
parts of a concatenated one, or the parts that came once the rest are ten minutes late) are
handed to ``on_inbound``; they stay on the SIM until the core has stored them and the
gateway is told to ``acknowledge`` (or ``reject``) them. Mixed into ``ModemGateway`` and run
on its owner thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from modem import pdu as pdumod
from modem.gateway.at import parse_cmgl
from modem.gateway.results import Health, InboundSms

log = logging.getLogger(__name__)


class Inbound:
    """Sweeping the SIM for received messages (a part of ``ModemGateway``)."""

    # the gateway's settings and state this part uses
    name: str
    sweep_interval_s: float
    clock: Callable[[], float]  # monotonic seconds
    health: Health
    on_inbound: Callable[[InboundSms], None]
    stored_reports: bool
    _sweep_due: float  # ``clock()`` time of the next sweep; 0.0: at once
    _pending_in: set[int]  # SIM indexes handed out, not yet acknowledged
    _partial: dict[tuple[str, int, int], float]  # (number, reference, parts) → first seen
    _pending_reports: set[tuple[str, int]]
    _home_mem: str
    _memories: set[str]

    if TYPE_CHECKING:
        def _write(self, data: str, timeout: float | None = None, term: str = "\r",
                   expect: str | None = None) -> list[str]: ...
        def _record_error(self, text: str) -> None: ...
        def _delete(self, indexes: tuple[int, ...] | list[int]) -> None: ...
        def _stored_pdu(self, mem: str, index: int, hexpdu: str) -> bool: ...
        def _sweep_reports(self, mem: str) -> None: ...
        def refresh_signal_quietly(self) -> None: ...

    def _sweep(self) -> int:
        """+CMGL all: hand out whole received messages, report status reports; nothing
        stays on the SIM unnoticed."""
        self._sweep_due = self.clock() + self.sweep_interval_s
        groups: dict[tuple[str, int, int], list[tuple[int, pdumod.Decoded]]] = {}
        handed = 0
        for index, stat, hexpdu in parse_cmgl(self._write("AT+CMGL=4")):
            if stat not in (0, 1) or index in self._pending_in or (self._home_mem, index) in self._pending_reports:
                continue
            try:
                d = pdumod.decode(hexpdu)
            except ValueError as exc:
                self._record_error(f"undecodable SMS at {index}: {exc}")
                self._delete([index])
                continue
            if d.kind == "status_report":
                self._stored_pdu(self._home_mem, index, hexpdu)
            elif d.concat is None:
                handed += self._hand_out([(index, d)])
            else:
                groups.setdefault((d.number, d.concat[0], d.concat[1]), []).append((index, d))
        waiting: set[tuple[str, int, int]] = set()
        for key, parts in groups.items():
            if len(parts) == key[2] or self._partial_expired(key):
                handed += self._hand_out(sorted(parts, key=lambda p: p[1].concat or (0, 0, 0)))
            else:
                waiting.add(key)
        # A message handed out (or gone from the SIM) is forgotten: a sender's phone uses the
        # same 8-bit reference again after 255 long messages, and that one must wait afresh.
        self._partial = {k: t for k, t in self._partial.items() if k in waiting}
        if self.stored_reports and "SR" in self._memories and self._home_mem != "SR":
            self._sweep_reports("SR")  # a +CDSI lost in an unplug: the report is still there
        self.refresh_signal_quietly()
        return handed

    def _partial_expired(self, key: tuple[str, int, int], after_s: float = 600.0) -> bool:
        now = self.clock()
        first = self._partial.setdefault(key, now)
        return now - first > after_s

    def _hand_out(self, parts: list[tuple[int, pdumod.Decoded]]) -> int:
        d0 = parts[0][1]
        sms = InboundSms(self.name, d0.number, "".join(d.text for _, d in parts),
                         (d0.timestamp or datetime.now(UTC)).astimezone(UTC),
                         tuple(i for i, _ in parts))
        self._pending_in.update(sms.indexes)
        self.health.received += 1
        try:
            self.on_inbound(sms)
        except Exception:  # noqa: BLE001 - the handler's failure leaves it on the SIM
            log.exception("inbound handler failed")
            self._pending_in.difference_update(sms.indexes)
            return 0
        return 1

    def _library_sms(self, sms: Any) -> None:
        """The library's own callback (used only with ``own_urcs`` off)."""
        self.on_inbound(InboundSms(self.name, sms.number, sms.text,
                                   (sms.time or datetime.now(UTC)).astimezone(UTC), ()))
