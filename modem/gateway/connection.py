"""The port's life: connecting and setting the modem up, its health, losing and closing it.

Mixed into ``ModemGateway`` and run on its owner thread. A lost port forgets what it had
handed out or been told about (SIM indexes, announced status reports): they are still on
the SIM, and the sweep after the reconnect reads them again.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from typing import TYPE_CHECKING, Any

from gsmmodem.exceptions import CommandError, TimeoutException

from modem.gateway.at import first_match
from modem.gateway.library import GuardedModem, Guards
from modem.gateway.results import Health

log = logging.getLogger(__name__)


class Connection:
    """Connecting, set-up, health and loss of the port (a part of ``ModemGateway``)."""

    # the gateway's settings and state this part reads or resets
    name: str
    port: str
    baudrate: int
    pin: str
    smsc: str
    rtscts: bool
    dsrdtr: bool
    guards: Guards
    submit_timeout_s: float
    health: Health
    stored_reports: bool
    _jobs: queue.Queue[Any]
    _modem: GuardedModem | None
    _connected: threading.Event
    _sweep_due: float
    _pending_in: set[int]
    _cds_pending: bool
    _home_mem: str
    _mem1: str
    _memories: set[str]
    _reports_due: list[tuple[str, int]]
    _pending_reports: set[tuple[str, int]]

    if TYPE_CHECKING:
        def _write(self, data: str, timeout: float | None = None, term: str = "\r",
                   expect: str | None = None) -> list[str]: ...
        def _hand_results(self) -> None: ...
        def _library_sms(self, sms: Any) -> None: ...
        def _library_report(self, report: Any) -> None: ...

    def _connect(self) -> bool:
        try:
            modem = self._new_modem()
            # GsmModem.connect (first in the MRO) takes the PIN; the library is untyped, so
            # the checker sees only GuardedComms.connect, which GsmModem's calls via super().
            modem.connect(pin=self.pin or None)  # type: ignore[call-arg]
            self._modem = modem
            self._setup()
            self._refresh_health()
        except Exception as exc:  # noqa: BLE001 - any failure: try again later
            self._record_error(f"connect: {exc!r}")
            self._close()
            return False
        self._connected.set()
        self.health.connected = True
        log.info("modem %s connected on %s (%s, signal %s)", self.name, self.port,
                 self.health.operator, self.health.signal)
        self._sweep_due = 0.0  # read what arrived while we were away
        return True

    def _new_modem(self) -> GuardedModem:
        modem = GuardedModem(self.port, self.baudrate, smsReceivedCallbackFunc=self._library_sms,
                              smsStatusReportCallback=self._library_report, requestDelivery=True)
        modem.guards, modem.rtscts, modem.dsrdtr = self.guards, self.rtscts, self.dsrdtr
        modem.max_wait_s = self.submit_timeout_s
        modem.urc_sink = self._jobs.put
        modem.on_fatal = lambda exc: self._jobs.put([])  # wake the owner
        modem.log = logging.getLogger(f"gsmmodem.{self.name}")
        return modem

    def _setup(self) -> None:
        self._write("AT+CMGF=0")  # PDU mode: UCS-2 without +CSCS, our own references
        assert self._modem is not None
        self._home_mem = self._mem1 = str(getattr(self._modem, "_smsMemReadDelete", None) or "SM").strip('"')
        try:
            cpms = first_match(r"\+CPMS:\s*\(([^)]*)\)", self._write("AT+CPMS=?"))
            self._memories = set(re.findall(r'"([A-Z]+)"', cpms.group(1))) if cpms else set()
        except CommandError:
            self._memories = set()
        try:
            self._write("AT+CNMI=2,1,0,1,0")  # +CMTI for SMS, +CDS for status reports
        except CommandError:
            # a modem that only stores status reports: +CDSI names the slot; we read and delete it
            self._write("AT+CNMI=2,1,0,2,0")
            self.stored_reports = True
        if self.smsc:
            self._write(f'AT+CSCA="{self.smsc}",145')

    def _lost(self, exc: Exception) -> None:
        self._hand_results()
        self._record_error(f"port lost: {exc}")
        self._connected.clear()
        self.health.connected = False
        self.health.reconnects += 1
        self._pending_in.clear()
        self._cds_pending = False
        self._reports_due.clear()  # the sweep after the reconnect reads them
        self._pending_reports.clear()
        self._close()

    def _close(self) -> None:
        modem, self._modem = self._modem, None
        if modem is None:
            return
        modem.alive = False
        try:
            if getattr(modem, "rxThread", None) and modem.rxThread is not threading.current_thread():
                modem.rxThread.join(timeout=2)
            modem.serial.close()
        except Exception:  # noqa: BLE001 - it is gone either way
            pass

    def _record_error(self, text: str) -> None:
        self.health.errors += 1
        self.health.last_error = text
        log.warning("modem %s: %s", self.name, text)

    def refresh_signal_quietly(self) -> None:
        try:
            self._refresh_health()
        except (CommandError, TimeoutException) as exc:
            self._record_error(f"health: {exc}")

    def _refresh_health(self) -> Health:
        h = self.health
        csq = first_match(r"\+CSQ:\s*(\d+)", self._write("AT+CSQ"))
        h.signal = int(csq.group(1)) if csq and csq.group(1) != "99" else None
        cops = first_match(r'\+COPS:\s*\d+,\d+,"([^"]*)"', self._write("AT+COPS?"))
        h.operator = cops.group(1) if cops else ""
        creg = first_match(r"\+CREG:\s*\d+,(\d+)", self._write("AT+CREG?"))
        h.registered = bool(creg and creg.group(1) in ("1", "5"))
        h.queue_length = self._jobs.qsize()
        h.updated_at = time.time()
        return h
