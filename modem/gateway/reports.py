"""Status reports: whether each part of an SMS reached the phone.

A modem pushes a report as ``+CDS`` with its PDU on the next line (maybe in the next read),
or stores it and announces the slot with ``+CDSI: "SR",<index>`` (``+CNMI`` <ds>=2; some
modems can do nothing else). A stored report is read (``+CMGR``) at the owner's next safe
point, never inside a send, with ``+CPMS`` switched to its memory and back; it is handed out
and deleted (``+CMGD``) only once the outbox has recorded it, so a store that fails loses
nothing and the SIM never fills. Mixed into ``ModemGateway`` and run on its owner thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gsmmodem.exceptions import CmsError

from modem import pdu as pdumod
from modem.gateway.at import first_match, parse_cdsi, parse_cmgl
from modem.gateway.results import DeliveryReport

log = logging.getLogger(__name__)


class StatusReports:
    """Pushed (+CDS) and stored (+CDSI) status reports (a part of ``ModemGateway``)."""

    # the gateway's state this part uses
    name: str
    on_report: Callable[[DeliveryReport], None]
    stored_reports: bool  # this modem stores status reports (+CNMI <ds>=2 or a +CDSI seen)
    _sweep_due: float
    _mem1: str
    _reports_due: list[tuple[str, int]]  # announced by +CDSI, not read yet
    _pending_reports: set[tuple[str, int]]  # handed out, not acknowledged yet
    _report_acks: list[tuple[str, int]]  # acknowledged, to delete (filled by other threads)
    _acks_lock: threading.Lock

    if TYPE_CHECKING:
        def _write(self, data: str, timeout: float | None = None, term: str = "\r",
                   expect: str | None = None) -> list[str]: ...
        def _record_error(self, text: str) -> None: ...
        def _report(self, report: DeliveryReport) -> None: ...

    def _stored_report_announced(self, line: str) -> None:
        # +CDSI: "SR",3 (27.005 §3.4.1): read at the next safe point, never in the middle of a
        # send (the memory switch would move the journal's +CMGD to the wrong memory)
        self.stored_reports = True
        slot = parse_cdsi(line)
        if slot is None:
            self._record_error(f"bad +CDSI {line[:60]!r}")
            self._sweep_due = 0.0
            return
        self._reports_due.append(slot)

    @contextlib.contextmanager
    def _reading(self, mem: str) -> Any:
        """+CMGR/+CMGL/+CMGD in ``mem``; always back to the home memory afterwards."""
        before = self._mem1
        if mem == before:
            yield
            return
        self._write(f'AT+CPMS="{mem}"')
        self._mem1 = mem
        try:
            yield
        finally:
            self._write(f'AT+CPMS="{before}"')
            self._mem1 = before

    def _read_stored_reports(self) -> None:
        due, self._reports_due = self._reports_due, []
        for mem in dict.fromkeys(m for m, _ in due):
            with self._reading(mem):
                for index in dict.fromkeys(i for m, i in due if m == mem):
                    if (mem, index) in self._pending_reports:
                        continue
                    try:
                        lines = self._write(f"AT+CMGR={index}")
                    except CmsError as exc:  # 321: nothing there (already read and deleted)
                        log.debug("modem %s: +CMGR %s,%s: %s", self.name, mem, index, exc)
                        continue
                    head = first_match(r"\+CMGR:\s*(\d+)", lines)
                    pdus = [ln.strip() for ln in lines if ln and not ln.startswith(("+CMGR", "OK"))]
                    if head and pdus:
                        self._stored_pdu(mem, index, pdus[0])

    def _stored_pdu(self, mem: str, index: int, hexpdu: str) -> bool:
        """A status report found in storage: handed out, deleted once acknowledged.
        False if the PDU is something else (a received SMS: the sweep's business)."""
        try:
            d = pdumod.decode(hexpdu)
        except ValueError as exc:
            self._record_error(f"undecodable stored PDU at {mem} {index}: {exc}")
            with self._reading(mem):
                self._write(f"AT+CMGD={index}")
            return True
        if d.kind != "status_report":
            return False
        self._pending_reports.add((mem, index))
        self._report(DeliveryReport(self.name, d.reference, d.number, d.status < 0x20, d.status, (mem, index)))
        return True

    def _delete_acknowledged_reports(self) -> None:
        with self._acks_lock:
            acks, self._report_acks = self._report_acks, []
        for mem in dict.fromkeys(m for m, _ in acks):
            with self._reading(mem):
                for index in dict.fromkeys(i for m, i in acks if m == mem):
                    self._write(f"AT+CMGD={index}")
                    self._pending_reports.discard((mem, index))

    def _report_from_pdu(self, line: str) -> None:
        try:
            d = pdumod.decode(line.strip())
        except ValueError as exc:
            self._record_error(f"bad +CDS PDU {line[:60]!r}: {exc}")
            return
        if d.kind == "status_report":
            self._report(DeliveryReport(self.name, d.reference, d.number, d.status < 0x20, d.status))

    def _sweep_reports(self, mem: str) -> None:
        with self._reading(mem):
            listed = parse_cmgl(self._write("AT+CMGL=4"))
        for index, _, hexpdu in listed:
            if (mem, index) not in self._pending_reports and not self._stored_pdu(mem, index, hexpdu):
                self._record_error(f"not a status report in {mem} at {index}: left there")

    def _library_report(self, report: Any) -> None:
        """The library's own callback (used only with ``own_urcs`` off)."""
        self.on_report(DeliveryReport(self.name, report.reference, report.number,
                                      report.deliveryStatus == 0, report.deliveryStatus))
