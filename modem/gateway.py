"""One GSM modem behind OneStop's own interface: python-gsmmodem-new + pyserial, one owner.

A dedicated thread owns the serial port and runs every command from one queue: sends,
sweeps of the SIM, health checks and unsolicited result codes (URCs). Callers get futures.
Each guard below exists because of a data-losing bug of python-gsmmodem-new 0.13
(``/work/shared/LIBRARIES.md``); ``Guards`` can switch one off so a test can show the bug.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import queue
import re
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import serial
from gsmmodem.exceptions import CmsError, CommandError, TimeoutException
from gsmmodem.modem import GsmModem
from gsmmodem.serial_comms import SerialComms

from modem import pdu as pdumod

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Guards:
    """Each flag guards one library bug; all on in production."""

    safe_reader: bool = True  # one non-UTF-8 byte kills the reader thread (serial_comms.py:103)
    own_urcs: bool = True  # 2nd +CMTI of a burst never read (modem.py:1190); CDS_REGEX never matches
    sweep_stored: bool = True  # anything left on the SIM is read by a periodic +CMGL sweep
    single_owner: bool = True  # concurrent sendSms interleave AT+CMGS and the PDU
    own_pdu: bool = True  # emoji crash encodeUcs2; PDU mode demands +CSCS; only last part's reference
    serial_flags: bool = True  # rtscts/dsrdtr hard-coded on


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


# --- the library, with its reader and serial flags guarded -----------------------------------


class _GuardedComms(SerialComms):
    """Sits between GsmModem and SerialComms in the MRO, so GsmModem.connect's
    ``super().connect()`` and every ``write`` come through here."""

    guards: Guards = Guards()
    rtscts: bool = False
    dsrdtr: bool = False
    on_fatal: Callable[[Exception], None] | None = None
    max_wait_s: float = 60.0  # the library waits up to 35 s per PDU; we bound every wait
    while_waiting: Callable[[], None] | None = None  # run during the next command (see _write_then)
    hook_after_s: float = 0.002

    def connect(self) -> None:
        if not self.guards.serial_flags:
            SerialComms.connect(self)
            return
        self.serial = serial.Serial(port=self.port, baudrate=self.baudrate, timeout=0.05,
                                    rtscts=self.rtscts, dsrdtr=self.dsrdtr)
        # A modem left waiting at a "> " prompt (we died mid-PDU) would take our next
        # commands as message text: ESC cancels the prompt; what it answers is discarded.
        self.serial.write(b"\x1b\r")
        time.sleep(0.05)
        self.serial.reset_input_buffer()
        self.alive = True
        self.rxThread = threading.Thread(target=self._readLoop, name=f"gsm-reader-{self.port}", daemon=True)
        self.rxThread.start()

    def write(self, data: Any, waitForResponse: bool = True, timeout: float = 5,
              expectedResponseTermSeq: str | None = None) -> Any:
        if not self.alive:
            raise PortGone("serial port closed")
        timeout = min(timeout, self.max_wait_s)
        hook, self.while_waiting = self.while_waiting, None
        try:
            if hook is not None and waitForResponse:
                result = self._write_then(hook, data, timeout, expectedResponseTermSeq)
            else:
                result = SerialComms.write(self, data, waitForResponse, timeout, expectedResponseTermSeq)
        except (serial.SerialException, OSError) as exc:
            raise PortGone(str(exc)) from exc
        except TimeoutException:
            if not self.alive:
                raise PortGone("port vanished during command") from None
            raise
        if waitForResponse and not self.alive:
            raise PortGone("port vanished during command")
        return result

    def _write_then(self, hook: Callable[[], None], data: str, timeout: float, term: str | None) -> list[str]:
        """SerialComms.write, running ``hook`` once the modem has been working on the command
        for ``hook_after_s`` (or has answered): the hook's work then overlaps the modem's."""
        with self._txLock:
            if term:
                self._expectResponseTermSeq = bytearray(term.encode())
            self._response = []
            event = self._responseEvent = threading.Event()
            self.serial.write(data.encode())
            start = time.monotonic()
            event.wait(self.hook_after_s)
            hook()
            answered = event.wait(max(0.0, timeout - (time.monotonic() - start)))
            self._responseEvent = None
            self._expectResponseTermSeq = False
            if answered:
                return list(self._response)
            raise TimeoutException(self._response) if self._response else TimeoutException()

    def _readLoop(self) -> None:
        if not self.guards.safe_reader:
            SerialComms._readLoop(self)
            return
        buf = bytearray()
        try:
            fd = self.serial.fileno()
            while self.alive:
                # whatever has arrived, in one read (pyserial's read(n) waits for n bytes, so it
                # would take a byte, then ask how many more: three system calls per answer)
                if not select.select([fd], [], [], 0.05)[0]:
                    continue
                try:
                    data = os.read(fd, 4096)
                except (BlockingIOError, InterruptedError):
                    continue
                if not data:  # readable but empty: the device went away (as pyserial reports it)
                    raise serial.SerialException("device reports readiness to read but returned no data")
                buf.extend(data)
                self._drain(buf)
        except (serial.SerialException, OSError, TypeError, AttributeError, ValueError) as exc:
            self._fatal(exc)

    def _drain(self, buf: bytearray) -> None:
        while True:
            term = self._expectResponseTermSeq
            i = buf.find(b"\r\n")
            if i >= 0:
                line = _decode(bytes(buf[:i]))
                del buf[:i + 2]
                if line:
                    # "> " followed at once by a URC ("> \r\n+CDS: …") must still end the wait
                    prompt = term and line.rstrip() == _decode(bytes(term)).rstrip()
                    self._safe_line(line, not prompt)
                continue
            term = self._expectResponseTermSeq
            if term and buf.endswith(term):
                line = _decode(bytes(buf))
                buf.clear()
                self._safe_line(line, False)
            break
        if self._notification and not buf and not self.serial.in_waiting:
            lines, self._notification = self._notification, []
            self._safe_notify(lines)

    def _safe_line(self, line: str, check_term: bool) -> None:
        # Like SerialComms._handleLineRead, but a notification is flushed by _drain once the
        # burst is over, so two URCs in one read arrive together, as on the real device.
        if self._responseEvent and not self._responseEvent.is_set():
            self._response.append(line)
            if not check_term or self.RESPONSE_TERM.match(line):
                self._responseEvent.set()
        else:
            self._notification.append(line)

    def _safe_notify(self, lines: list[str]) -> None:
        try:
            self.notifyCallback(lines)
        except Exception:  # a handler's bug must not end the reader
            log.exception("notification handler failed on %r", lines)

    def _fatal(self, exc: Exception) -> None:
        self.alive = False
        with contextlib.suppress(Exception):  # the port is already broken
            self.serial.close()
        if self._responseEvent is not None:
            self._responseEvent.set()  # wake the waiting writer now, not after its timeout
        if self.on_fatal:
            self.on_fatal(exc)
        self.fatalErrorCallback(exc)


class _GuardedModem(GsmModem, _GuardedComms):
    urc_sink: Callable[[list[str]], None] | None = None

    def _handleModemNotification(self, lines: list[str]) -> None:
        if self.guards.own_urcs and self.urc_sink is not None:
            self.urc_sink(list(lines))  # to the owner thread; no thread per URC
        else:
            super()._handleModemNotification(lines)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


# --- the gateway ---------------------------------------------------------------------------


@dataclass
class _Job:
    fn: Callable[[], Any]
    future: Future[Any] = field(default_factory=Future)


class ModemGateway:
    """One modem. Thread-safe: every public method may be called from any thread."""

    def __init__(self, name: str, port: str, *, baudrate: int = 115200, pin: str = "",
                 smsc: str = "", rtscts: bool = False, dsrdtr: bool = False,
                 guards: Guards | None = None, sweep_interval_s: float = 30.0,
                 command_timeout_s: float = 10.0, submit_timeout_s: float = 40.0,
                 reconnect_min_s: float = 0.1, reconnect_max_s: float = 10.0,
                 on_inbound: Callable[[InboundSms], None] | None = None,
                 on_report: Callable[[DeliveryReport], None] | None = None) -> None:
        self.name, self.port, self.baudrate, self.pin, self.smsc = name, port, baudrate, pin, smsc
        self.rtscts, self.dsrdtr = rtscts, dsrdtr
        self.guards = guards or Guards()
        self.sweep_interval_s = sweep_interval_s
        self.command_timeout_s, self.submit_timeout_s = command_timeout_s, submit_timeout_s
        self.reconnect_min_s, self.reconnect_max_s = reconnect_min_s, reconnect_max_s
        self.inbound: queue.Queue[InboundSms] = queue.Queue()
        self.reports: queue.Queue[DeliveryReport] = queue.Queue()
        self.activity = threading.Event()  # set when something was put on inbound or reports
        self.on_inbound = on_inbound or self._queue_inbound
        self.on_report = on_report or self._queue_report
        self.health = Health(name)
        self._jobs: queue.Queue[_Job | list[str] | None] = queue.Queue()
        self._modem: _GuardedModem | None = None
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
        timeout = max(0.0, self._sweep_due - time.monotonic()) if self.guards.sweep_stored else 1.0
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
            if self.guards.sweep_stored and time.monotonic() >= self._sweep_due:
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

    def _connect(self) -> bool:
        try:
            modem = self._new_modem()
            modem.connect(pin=self.pin or None)
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

    def _new_modem(self) -> _GuardedModem:
        modem = _GuardedModem(self.port, self.baudrate, smsReceivedCallbackFunc=self._library_sms,
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
            cpms = _first_match(r"\+CPMS:\s*\(([^)]*)\)", self._write("AT+CPMS=?"))
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

    # --- commands (owner thread only) --------------------------------------------------

    def _write(self, data: str, timeout: float | None = None, term: str = "\r",
               expect: str | None = None) -> list[str]:
        modem = self._modem
        if modem is None or not modem.alive:
            raise PortGone("not connected")
        lines = modem.write(data, timeout=timeout or self.command_timeout_s, writeTerm=term,
                            expectedResponseTermSeq=expect)
        return self._split_urcs(lines) if self.guards.own_urcs else lines

    def _split_urcs(self, lines: list[str]) -> list[str]:
        # A URC arriving while a command waits is appended to that command's response by the
        # library and never seen as a notification: take it out and handle it.
        keep: list[str] = []
        urcs: list[str] = []
        cds_next = False
        for line in lines:
            if cds_next:
                urcs.append(line)
                cds_next = False
            elif line.startswith(("+CMTI:", "+CDSI:", "+CDS:")):
                urcs.append(line)
                cds_next = line.startswith("+CDS:")
            else:
                keep.append(line)
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

    def _stored_report_announced(self, line: str) -> None:
        # +CDSI: "SR",3 (27.005 §3.4.1): read at the next safe point, never in the middle of a
        # send (the memory switch would move the journal's +CMGD to the wrong memory)
        self.stored_reports = True
        m = re.match(r'\+CDSI:\s*"?([A-Za-z]+)"?\s*,\s*(\d+)', line)
        if m is None:
            self._record_error(f"bad +CDSI {line[:60]!r}")
            self._sweep_due = 0.0
            return
        self._reports_due.append((m.group(1).upper(), int(m.group(2))))

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
                    head = _first_match(r"\+CMGR:\s*(\d+)", lines)
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

    # --- sending -----------------------------------------------------------------------

    def _send(self, number: str, text: str, tag: int, check_stored: bool) -> SendResult:
        if not self.guards.own_pdu:
            return self._library_send(number, text)
        return self._send_pdus(pdumod.encode_submit(number, text, tag=tag, concat_ref=tag, status_report=True),
                               check_stored)

    def _send_pdus(self, pdus: list[pdumod.SubmitPdu], check_stored: bool) -> SendResult:
        stored = self._stored_outgoing() if check_stored else {}
        refs: list[int] = []
        indexes: list[int] = []
        for p in pdus:
            index, stat = stored.get(p.hex, (-1, -1))
            if stat == 3:  # the modem sent this part before the port went away
                refs.append(-1)
                indexes.append(index)
                continue
            if index < 0:
                index = self._store_pdu(p)
            indexes.append(index)
            refs.append(self._send_stored(index))
        self._delete(indexes)
        self.health.sent += 1
        return SendResult(tuple(refs), len(pdus))

    def _store_pdu(self, p: pdumod.SubmitPdu) -> int:
        try:
            self._write(f"AT+CMGW={p.tpdu_length},2", timeout=5, expect="> ")
            lines = self._write(p.hex, timeout=self.command_timeout_s, term="\x1a")
        except CmsError as exc:
            raise SmsRejected(exc.code, "CMGW") from exc
        except TimeoutException as exc:
            raise SendAmbiguous(f"no answer to AT+CMGW: {exc}") from exc
        m = _first_match(r"\+CMGW:\s*(\d+)", lines)
        if m is None:
            raise CommandError(f"no +CMGW index in {lines!r}")
        return int(m.group(1))

    def _send_stored(self, index: int) -> int:
        if self._modem is not None and threading.current_thread() is self._thread:
            self._modem.while_waiting = self._hand_results  # while the network has the modem
        try:
            lines = self._write(f"AT+CMSS={index}", timeout=self.submit_timeout_s)
        except CmsError as exc:
            self._delete([index])
            raise SmsRejected(exc.code, "CMSS") from exc
        except PortGone as exc:
            raise SendAmbiguous(f"port vanished during AT+CMSS: {exc}") from exc
        except TimeoutException as exc:
            raise SendAmbiguous(f"no answer to AT+CMSS: {exc}") from exc
        m = _first_match(r"\+CMSS:\s*(\d+)", lines)
        if m is None:
            raise SendAmbiguous(f"no +CMSS reference in {lines!r}")
        return int(m.group(1))

    def _stored_outgoing(self) -> dict[str, tuple[int, int]]:
        out: dict[str, tuple[int, int]] = {}
        for stat in (2, 3):
            for index, _, hexpdu in _parse_cmgl(self._write(f"AT+CMGL={stat}")):
                out[hexpdu.upper()] = (index, stat)
        return out

    def _delete(self, indexes: tuple[int, ...] | list[int]) -> None:
        for i in indexes:
            if i >= 0:
                self._write(f"AT+CMGD={i}")
                self._pending_in.discard(i)

    def _library_send(self, number: str, text: str) -> SendResult:
        """Unguarded: the library's own sendSms (kept to show its bugs in tests)."""
        assert self._modem is not None
        try:
            sms = self._modem.sendSms(number, text)
        except CmsError as exc:
            raise SmsRejected(exc.code, "CMGS") from exc
        return SendResult((int(sms.reference),), 0)

    # --- receiving ---------------------------------------------------------------------

    def _sweep(self) -> int:
        """+CMGL all: hand out whole received messages, report status reports; nothing
        stays on the SIM unnoticed."""
        self._sweep_due = time.monotonic() + self.sweep_interval_s
        groups: dict[tuple[str, int, int], list[tuple[int, pdumod.Decoded]]] = {}
        handed = 0
        for index, stat, hexpdu in _parse_cmgl(self._write("AT+CMGL=4")):
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
        for key, parts in groups.items():
            if len(parts) == key[2] or self._partial_expired(key):
                handed += self._hand_out(sorted(parts, key=lambda p: p[1].concat or (0, 0, 0)))
        if self.stored_reports and "SR" in self._memories and self._home_mem != "SR":
            self._sweep_reports("SR")  # a +CDSI lost in an unplug: the report is still there
        self.refresh_signal_quietly()
        return handed

    def _sweep_reports(self, mem: str) -> None:
        with self._reading(mem):
            listed = _parse_cmgl(self._write("AT+CMGL=4"))
        for index, _, hexpdu in listed:
            if (mem, index) not in self._pending_reports and not self._stored_pdu(mem, index, hexpdu):
                self._record_error(f"not a status report in {mem} at {index}: left there")

    def _partial_expired(self, key: tuple[str, int, int], after_s: float = 600.0) -> bool:
        first = self._partial.setdefault(key, time.monotonic())
        return time.monotonic() - first > after_s

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

    def refresh_signal_quietly(self) -> None:
        try:
            self._refresh_health()
        except (CommandError, TimeoutException) as exc:
            self._record_error(f"health: {exc}")

    def _refresh_health(self) -> Health:
        h = self.health
        csq = _first_match(r"\+CSQ:\s*(\d+)", self._write("AT+CSQ"))
        h.signal = int(csq.group(1)) if csq and csq.group(1) != "99" else None
        cops = _first_match(r'\+COPS:\s*\d+,\d+,"([^"]*)"', self._write("AT+COPS?"))
        h.operator = cops.group(1) if cops else ""
        creg = _first_match(r"\+CREG:\s*\d+,(\d+)", self._write("AT+CREG?"))
        h.registered = bool(creg and creg.group(1) in ("1", "5"))
        h.queue_length = self._jobs.qsize()
        h.updated_at = time.time()
        return h

    # --- the library's own callbacks (used only with a guard off) -----------------------

    def _library_sms(self, sms: Any) -> None:
        self.on_inbound(InboundSms(self.name, sms.number, sms.text,
                                   (sms.time or datetime.now(UTC)).astimezone(UTC), ()))

    def _library_report(self, report: Any) -> None:
        self.on_report(DeliveryReport(self.name, report.reference, report.number,
                                      report.deliveryStatus == 0, report.deliveryStatus))


def _first_match(pattern: str, lines: list[str]) -> re.Match[str] | None:
    for line in lines:
        m = re.match(pattern, line)
        if m:
            return m
    return None


def _parse_cmgl(lines: list[str]) -> list[tuple[int, int, str]]:
    """``+CMGL: <index>,<stat>,,<length>`` each followed by its PDU line."""
    out: list[tuple[int, int, str]] = []
    head: tuple[int, int] | None = None
    for line in lines:
        m = re.match(r"\+CMGL:\s*(\d+),\s*(\d+)", line)
        if m:
            head = (int(m.group(1)), int(m.group(2)))
        elif head is not None and line != "OK":
            out.append((head[0], head[1], line.strip()))
            head = None
    return out
