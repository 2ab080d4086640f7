"""python-gsmmodem-new with its serial side guarded: the reader thread and the port.

``GuardedComms`` sits between ``GsmModem`` and ``SerialComms`` and replaces what loses data:
a reader that dies on one non-UTF-8 byte (and reads a byte per system call), hard-coded
``rtscts``/``dsrdtr``, unbounded waits, and a notification thread per URC. ``Guards`` holds
one flag per library bug, all on in production; a test switches one off to show the bug.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import serial
from gsmmodem.exceptions import TimeoutException
from gsmmodem.modem import GsmModem
from gsmmodem.serial_comms import SerialComms

from modem.gateway.results import PortGone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Guards:
    """Each flag guards one library bug; all on in production."""

    safe_reader: bool = True  # one non-UTF-8 byte kills the reader thread (serial_comms.py:103)
    own_urcs: bool = True  # 2nd +CMTI of a burst never read (modem.py:1190); CDS_REGEX never matches
    sweep_stored: bool = True  # anything left on the SIM is read by a periodic +CMGL sweep
    single_owner: bool = True  # concurrent sendSms interleave AT+CMGS and the PDU
    own_pdu: bool = True  # emoji crash encodeUcs2; PDU mode demands +CSCS; only last part's reference
    serial_flags: bool = True  # rtscts/dsrdtr hard-coded on


class GuardedComms(SerialComms):
    """Sits between GsmModem and SerialComms in the MRO, so GsmModem.connect's
    ``super().connect()`` and every ``write`` come through here."""

    guards: Guards = Guards()
    rtscts: bool = False
    dsrdtr: bool = False
    on_fatal: Callable[[Exception], None] | None = None
    max_wait_s: float = 60.0  # the library waits up to 35 s per PDU; we bound every wait
    while_waiting: Callable[[], None] | None = None  # run during the next command (see _write_then)
    hook_after_s: float = 0.002
    # SerialComms' own state, declared for the type checker (the library has no annotations)
    _response: list[str]
    _responseEvent: threading.Event | None
    _expectResponseTermSeq: bytearray | Literal[False]
    _notification: list[str]

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


class GuardedModem(GsmModem, GuardedComms):
    urc_sink: Callable[[list[str]], None] | None = None

    def _handleModemNotification(self, lines: list[str]) -> None:
        if self.guards.own_urcs and self.urc_sink is not None:
            self.urc_sink(list(lines))  # to the owner thread; no thread per URC
        else:
            super()._handleModemNotification(lines)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")
