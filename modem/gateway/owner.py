"""``ModemGateway``: one modem, one owner thread, one queue of work.

A dedicated thread owns the serial port and runs every command from one queue: sends,
sweeps of the SIM, health checks and unsolicited result codes (URCs). Callers get futures.
This module holds the public operations, the owner's loop and its one way to talk to the
modem (``_write``, which takes URCs out of every answer); the work itself is mixed in from
``journal`` (sending), ``reports`` (status reports), ``inbound`` (received SMS) and
``connection`` (connecting, health, losing the port).
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gsmmodem.exceptions import TimeoutException

from modem import pdu as pdumod
from modem.gateway.at import split_urcs
from modem.gateway.connection import Connection
from modem.gateway.inbound import Inbound
from modem.gateway.journal import SendJournal
from modem.gateway.library import GuardedModem, Guards
from modem.gateway.reports import StatusReports
from modem.gateway.results import DeliveryReport, Health, InboundSms, PortGone, SendResult

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Job:
    fn: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)


class ModemGateway(SendJournal, StatusReports, Inbound, Connection):
    """One modem. Thread-safe: every public method may be called from any thread."""

    def __init__(self, name: str, port: str, *, baudrate: int = 115200, pin: str = "",
                 smsc: str = "", rtscts: bool = False, dsrdtr: bool = False,
                 guards: Guards | None = None, sweep_interval_s: float = 30.0,
                 command_timeout_s: float = 10.0, submit_timeout_s: float = 40.0,
                 reconnect_min_s: float = 0.1, reconnect_max_s: float = 10.0,
                 on_inbound: Callable[[InboundSms], None] | None = None,
                 on_report: Callable[[DeliveryReport], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name, self.port, self.baudrate, self.pin, self.smsc = name, port, baudrate, pin, smsc
        self.rtscts, self.dsrdtr = rtscts, dsrdtr
        self.guards = guards or Guards()
        self.sweep_interval_s = sweep_interval_s
        self.clock = clock  # the sweeps' schedule and the age of a long SMS's first parts
        self.command_timeout_s, self.submit_timeout_s = command_timeout_s, submit_timeout_s
        self.reconnect_min_s, self.reconnect_max_s = reconnect_min_s, reconnect_max_s
        self.inbound: queue.Queue[InboundSms] = queue.Queue()
        self.reports: queue.Queue[DeliveryReport] = queue.Queue()
        self.activity = threading.Event()  # set when something was put on inbound or reports
        self.on_inbound = on_inbound or self._queue_inbound
        self.on_report = on_report or self._queue_report
        self.health = Health(name)
        self._jobs: queue.Queue[_Job | list[str] | None] = queue.Queue()
        self._modem: GuardedModem | None = None
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending_in: set[int] = set()  # SIM indexes handed out, not yet acknowledged
        self._partial: dict[tuple[str, int, int], float] = {}
        self._cds_pending = False
        self._sweep_due = 0.0
        # Status reports stored on the SIM (+CDSI): announced, handed out (until acknowledged)
        self._home_mem = self._mem1 = "SM"  # +CPMS <mem1>: home (received, journal) and now
        self._memories: set[str] = set()  # what +CPMS=? offers for <mem1>
        self.stored_reports = False  # this modem stores status reports (+CNMI <ds>=2 or a +CDSI seen)
        self._reports_due: list[tuple[str, int]] = []
        self._pending_reports: set[tuple[str, int]] = set()
        self._report_acks: list[tuple[str, int]] = []
        self._acks_lock = threading.Lock()
        self._timeouts = 0
        self._carry: list[_Job | list[str] | None] = []
        self._done: list[Callable[[], None]] = []  # results and reports not yet handed out

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> ModemGateway:
        self._thread = threading.Thread(target=self._run, name=f"modem-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._jobs.put(None)
        if self._thread:
            self._thread.join(timeout=5)
        self._close()

    def wait_connected(self, timeout: float = 10.0) -> bool:
        return self._connected.wait(timeout)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    # --- public operations -------------------------------------------------------------

    def submit(self, number: str, text: str, tag: int = 0, check_stored: bool = False) -> Future[SendResult]:
        """Queue one SMS (``number`` already normalised). ``tag`` (the outbox id) makes the
        PDUs deterministic; ``check_stored`` looks on the SIM for a copy from an interrupted try."""
        if not self.guards.single_owner:  # the unguarded library: run in the caller's thread
            fut: Future[SendResult] = Future()
            try:
                fut.set_result(self._send(number, text, tag, check_stored))
            except Exception as exc:  # noqa: BLE001 - handed to the caller
                fut.set_exception(exc)
            return fut
        if not self.guards.own_pdu:
            return self._call(lambda: self._send(number, text, tag, check_stored))
        try:  # encoded here, in the caller's thread: the port's owner only talks to the modem
            pdus = pdumod.encode_submit(number, text, tag=tag, concat_ref=tag, status_report=True)
        except Exception as exc:  # noqa: BLE001 - handed to the caller like any send failure
            failed: Future[SendResult] = Future()
            failed.set_exception(exc)
            return failed
        return self._call(lambda: self._send_pdus(pdus, check_stored))

    def send(self, number: str, text: str, tag: int = 0, check_stored: bool = False,
             timeout: float | None = None) -> SendResult:
        return self.submit(number, text, tag, check_stored).result(timeout)

    def acknowledge(self, sms: InboundSms) -> None:
        """The message is safely stored by the core: delete it from the SIM."""
        self._call(lambda: self._delete(sms.indexes))

    def reject(self, sms: InboundSms) -> None:
        """The handler failed: leave it on the SIM; the next sweep offers it again."""
        self._call(lambda: self._pending_in.difference_update(sms.indexes))

    def acknowledge_report(self, report: DeliveryReport) -> None:
        """The report is applied to the outbox: delete its stored copy (+CDSI) so the SIM
        never fills. A report that came as +CDS has none; nothing to do."""
        if report.stored is None:
            return
        with self._acks_lock:
            self._report_acks.append(report.stored)
        self._call(self._delete_acknowledged_reports)

    def reject_report(self, report: DeliveryReport) -> None:
        """Not applied (the store failed): keep it on the SIM; the next sweep offers it again."""
        if report.stored is not None:
            self._call(lambda: self._pending_reports.discard(report.stored))  # type: ignore[arg-type]

    def sweep(self) -> Future[int]:
        """Read every message stored on the SIM now; returns how many were handed out."""
        return self._call(self._sweep)

    def refresh_health(self) -> Future[Health]:
        return self._call(self._refresh_health)

    def command(self, at: str) -> list[str]:
        """Run one raw AT command on the owner thread (diagnostics)."""
        return self._call(lambda: self._write(at)).result(self.command_timeout_s + 5)

    def serial_settings(self) -> dict[str, Any]:
        s = self._modem.serial if self._modem else None
        return {"rtscts": s.rtscts, "dsrdtr": s.dsrdtr} if s else {}

    def _call(self, fn: Callable[[], T]) -> Future[T]:
        job = _Job(fn)
        self._jobs.put(job)
        self.health.queue_length = self._jobs.qsize()
        return job.future

    # --- the owner thread --------------------------------------------------------------

    def _run(self) -> None:
        delay = self.reconnect_min_s
        while not self._stop.is_set():
            if not self._connected.is_set():
                if self._connect():
                    delay = self.reconnect_min_s
                else:
                    self._stop.wait(delay)
                    delay = min(self.reconnect_max_s, delay * 2)
                continue
            self._step()
        self._hand_results()

    def _step(self) -> None:
        timeout = max(0.0, self._sweep_due - self.clock()) if self.guards.sweep_stored else 1.0
        if self._modem is None or not self._modem.alive:
            self._lost(PortGone("serial port closed"))
            return
        try:
            item = self._carry.pop(0) if self._carry else self._jobs.get_nowait()
        except queue.Empty:
            self._hand_results()  # nothing queued: the callers' turn
            try:
                item = self._jobs.get(timeout=timeout)
            except queue.Empty:
                item = None
        self.health.queue_length = self._jobs.qsize()
        try:
            if isinstance(item, _Job) and (self._modem is None or not self._modem.alive):
                self._carry.insert(0, item)  # not started: it runs first after the reconnect
                raise PortGone("serial port closed")
            if isinstance(item, _Job):
                self._run_job(item)
            elif isinstance(item, list):
                self._handle_urcs(item)
            if self._reports_due:
                self._read_stored_reports()
            if self.guards.sweep_stored and self.clock() >= self._sweep_due:
                self._sweep()
            self._timeouts = 0
        except PortGone as exc:
            self._lost(exc)
        except TimeoutException as exc:
            self._timeouts += 1
            self._record_error(f"no answer ({self._timeouts} in a row): {exc!r}")
            if self._timeouts >= 3:  # a port that never answers is as good as gone
                self._timeouts = 0
                self._lost(PortGone("modem stopped answering"))
        except Exception as exc:  # noqa: BLE001 - the owner thread must outlive any one command
            self._record_error(f"{type(exc).__name__}: {exc}")

    def _run_job(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        try:
            result = job.fn()
        except (PortGone, TimeoutException) as exc:
            self._hand_results()
            job.future.set_exception(exc)
            raise
        except Exception as exc:  # noqa: BLE001 - the caller gets it; the owner goes on
            self._hand_results()
            job.future.set_exception(exc)
            return
        self._done.append(functools.partial(job.future.set_result, result))

    def _hand_results(self) -> None:
        """Resolve the finished jobs' futures. Called when the modem is busy for a while (just
        before ``AT+CMSS``) or the owner is about to wait for work: the callers' bookkeeping
        (the outbox's transactions) then runs while the modem is busy, not between its commands,
        where every thread wanting the interpreter lock would delay the next command."""
        if threading.current_thread() is not self._thread:
            return
        done, self._done = self._done, []
        for hand in done:
            try:
                hand()
            except Exception:  # noqa: BLE001 - a report handler's bug must not stop the owner
                log.exception("modem %s: handing out %r failed", self.name, hand)

    def _report(self, report: DeliveryReport) -> None:
        """A status report, handed out with the next results (see ``_hand_results``)."""
        self._done.append(functools.partial(self.on_report, report))

    def _queue_inbound(self, sms: InboundSms) -> None:
        self.inbound.put(sms)
        self.activity.set()

    def _queue_report(self, report: DeliveryReport) -> None:
        self.reports.put(report)
        self.activity.set()

    # --- commands (owner thread only) --------------------------------------------------

    def _write(self, data: str, timeout: float | None = None, term: str = "\r",
               expect: str | None = None) -> list[str]:
        modem = self._modem
        if modem is None or not modem.alive:
            raise PortGone("not connected")
        # GsmModem.write (first in the MRO, untyped) takes writeTerm; see connection.py
        lines = modem.write(data, timeout=timeout or self.command_timeout_s, writeTerm=term,  # type: ignore[call-arg]
                            expectedResponseTermSeq=expect)
        if not self.guards.own_urcs:
            return lines
        keep, urcs = split_urcs(lines)  # URCs that arrived while the command waited
        if urcs:
            self._handle_urcs(urcs)
        return keep

    def _handle_urcs(self, lines: list[str]) -> None:
        for line in lines:
            if self._cds_pending:
                self._cds_pending = False
                self._report_from_pdu(line)
            elif line.startswith("+CDS:"):
                self._cds_pending = True  # the PDU is the next line, maybe the next read
            elif line.startswith("+CDSI:"):
                self._stored_report_announced(line)
            elif line.startswith("+CMTI:"):
                self._sweep_due = 0.0  # read them ALL: a burst of +CMTI must not lose one
            elif line:
                log.debug("modem %s: unsolicited %r", self.name, line)
