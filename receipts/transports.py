"""Ways to get a job's bytes to a printer: raw TCP (9100), serial, a USB printer device file,
a spool directory, and an in-memory dummy (a valid production setting, like python-escpos'
``Dummy``).

Every transport has ``send(job) -> PrinterStatus`` (raises ``PrinterUnavailable`` when the job
did not get through whole, so the queue retries it) and ``status() -> PrinterStatus``.
Bidirectional transports (TCP, serial) ask DLE EOT 1/2/4 first and refuse to send to a printer
that says it has no paper or an open cover.

Why not python-escpos' ``Network``: it blocks up to 60 s by default and says nothing about
whether the bytes arrived. Here connect, write and the status read each have a timeout, and
TCP ``send`` returns only once the printer's TCP stack has acknowledged every byte.
"""

from __future__ import annotations

import errno
import fcntl
import os
import select
import socket
import struct
import termios
import threading
import time
from pathlib import Path
from typing import Any

from receipts.status import STATUS_QUERY, PrinterStatus, parse_status, unreachable

DEFAULT_TCP_PORT = 9100
AFTER_JOB_QUERY = b"\x10\x04\x01"
DEFAULT_BAUDRATE = 9600


class PrinterUnavailable(Exception):
    """The job did not get to the printer whole; try again later."""

    def __init__(self, message: str, status: PrinterStatus | None = None) -> None:
        super().__init__(message)
        self.status = status or unreachable(message)


class PrinterNotReady(PrinterUnavailable):
    """The printer answered but said it cannot print (paper end, cover open, error)."""


def _check_ready(status: PrinterStatus) -> None:
    if not status.can_print:
        raise PrinterNotReady(f"printer not ready: {status.state}", status)


class TcpTransport:
    """A network printer's raw port: one connection per job."""

    bidirectional = True

    def __init__(self, host: str, port: int = DEFAULT_TCP_PORT, connect_timeout: float = 3.0,
                 write_timeout: float = 10.0, status_timeout: float = 0.5,
                 query_status: bool = True) -> None:
        self.host, self.port = host, port
        self.connect_timeout, self.write_timeout = connect_timeout, write_timeout
        self.status_timeout, self.query_status = status_timeout, query_status

    def __repr__(self) -> str:
        return f"TcpTransport({self.host}:{self.port})"

    def send(self, job: bytes) -> PrinterStatus:
        with self._connect() as sock:
            status = self._ask_status(sock) if self.query_status else PrinterStatus()
            _check_ready(status)
            try:
                sock.settimeout(self.write_timeout)
                sock.sendall(job)
                if status.state != "unknown":
                    # A printer that answers status answers once more after the job: bytes
                    # arrive in order, so the reply means it has received the whole job, and
                    # the reply carries the TCP ACK (no 40-200 ms delayed-ACK wait).
                    sock.sendall(AFTER_JOB_QUERY)
                    _read_exactly(sock, 1, self.status_timeout)
                _wait_acknowledged(sock, self.write_timeout)
                sock.shutdown(socket.SHUT_WR)
                _drain_until_closed(sock, self.status_timeout)
            except OSError as exc:
                raise PrinterUnavailable(f"write to {self.host}:{self.port} failed: {exc}") from exc
            return status

    def status(self) -> PrinterStatus:
        try:
            with self._connect() as sock:
                return self._ask_status(sock)
        except PrinterUnavailable as exc:
            return exc.status

    def _connect(self) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise PrinterUnavailable(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def _ask_status(self, sock: socket.socket) -> PrinterStatus:
        try:
            sock.settimeout(self.status_timeout)
            sock.sendall(STATUS_QUERY)
            return parse_status(_read_exactly(sock, 3, self.status_timeout))
        except OSError as exc:
            raise PrinterUnavailable(f"status query to {self.host}:{self.port}: {exc}") from exc


def _read_exactly(sock: socket.socket, n: int, timeout: float) -> bytes:
    """Up to ``n`` bytes within ``timeout`` (fewer when the printer does not answer)."""
    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < n:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(n - len(data))
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
    return data


def _drain_until_closed(sock: socket.socket, timeout: float) -> None:
    """Read what the printer still sends until it closes (or ``timeout``): closing a socket
    with unread input sends RST, and an RST can make the printer drop the job's tail."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if not sock.recv(4096):
                return
        except (TimeoutError, ConnectionResetError):
            return


def _wait_acknowledged(sock: socket.socket, timeout: float) -> None:
    """Wait until the peer has ACKed every byte (Linux TIOCOUTQ = unsent + unacked)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        except OSError:
            return  # not Linux: sendall having returned is all we know
        pending = struct.unpack("i", raw)[0]
        if pending == 0:
            return
        if time.monotonic() > deadline:
            raise PrinterUnavailable(f"{pending} bytes not acknowledged by the printer")
        time.sleep(0.001)


class SerialTransport:
    """A serial printer through pyserial (``url`` may be any pyserial URL: /dev/ttyS0, rfc2217://…)."""

    bidirectional = True

    def __init__(self, url: str, baudrate: int = DEFAULT_BAUDRATE, write_timeout: float = 10.0,
                 status_timeout: float = 0.5, query_status: bool = True) -> None:
        self.url, self.baudrate = url, baudrate
        self.write_timeout, self.status_timeout = write_timeout, status_timeout
        self.query_status = query_status

    def __repr__(self) -> str:
        return f"SerialTransport({self.url}, {self.baudrate})"

    def send(self, job: bytes) -> PrinterStatus:
        import serial

        port = self._open()
        try:
            status = self._ask_status(port) if self.query_status else PrinterStatus()
            _check_ready(status)
            port.write(job)
            port.flush()  # returns when the UART has taken every byte
            return status
        except serial.SerialException as exc:
            raise PrinterUnavailable(f"write to {self.url} failed: {exc}") from exc
        finally:
            port.close()

    def status(self) -> PrinterStatus:
        try:
            port = self._open()
        except PrinterUnavailable as exc:
            return exc.status
        try:
            return self._ask_status(port)
        finally:
            port.close()

    def _open(self) -> Any:
        import serial

        try:
            return serial.serial_for_url(self.url, baudrate=self.baudrate,
                                         timeout=self.status_timeout,
                                         write_timeout=self.write_timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PrinterUnavailable(f"cannot open {self.url}: {exc}") from exc

    def _ask_status(self, port: Any) -> PrinterStatus:
        port.reset_input_buffer()
        port.write(STATUS_QUERY)
        port.flush()
        return parse_status(port.read(3))


class DeviceFileTransport:
    """A USB printer's device file (``/dev/usb/lp0``): write-only here, status unknown.

    Opened non-blocking so an offline printer cannot hang the worker: a write that makes no
    progress within ``write_timeout`` fails the attempt.
    """

    bidirectional = False

    def __init__(self, path: str, write_timeout: float = 10.0) -> None:
        self.path, self.write_timeout = path, write_timeout

    def __repr__(self) -> str:
        return f"DeviceFileTransport({self.path})"

    def send(self, job: bytes) -> PrinterStatus:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK)
        except OSError as exc:
            raise PrinterUnavailable(f"cannot open {self.path}: {exc}") from exc
        try:
            self._write_all(fd, job)
        finally:
            os.close(fd)
        return PrinterStatus(detail="device file: no status")

    def _write_all(self, fd: int, job: bytes) -> None:
        view = memoryview(job)
        deadline = time.monotonic() + self.write_timeout
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PrinterUnavailable(f"{self.path}: {len(view)} bytes not taken in time")
            select.select([], [fd], [], remaining)
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                continue
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                raise PrinterUnavailable(f"write to {self.path} failed: {exc}") from exc

    def status(self) -> PrinterStatus:
        if not os.path.exists(self.path):
            return unreachable(f"{self.path} does not exist")
        return PrinterStatus(detail="device file: no status")


class SpoolDirTransport:
    """Writes each job as a file into a directory (a print spooler, or the demo).

    Files appear whole: written as ``.tmp`` and renamed to ``<printer>-<seq>.bin``.
    """

    bidirectional = False

    def __init__(self, directory: str | Path, printer: str = "printer") -> None:
        self.directory, self.printer = Path(directory), printer
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SpoolDirTransport({self.directory})"

    def send(self, job: bytes) -> PrinterStatus:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._lock:
                path = self._next_path()
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(job)
                tmp.rename(path)
        except OSError as exc:
            raise PrinterUnavailable(f"cannot spool to {self.directory}: {exc}") from exc
        return PrinterStatus(state="ready", online=True)

    def _next_path(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        n = len(list(self.directory.glob(f"{self.printer}-*.bin"))) + 1
        while True:
            path = self.directory / f"{self.printer}-{stamp}-{n:06d}.bin"
            if not path.exists():
                return path
            n += 1

    def status(self) -> PrinterStatus:
        ok = self.directory.is_dir() and os.access(self.directory, os.W_OK)
        return PrinterStatus(state="ready", online=True) if ok or not self.directory.exists() \
            else unreachable(f"{self.directory} is not writable")


class DummyTransport:
    """In memory: keeps every job; ``reachable`` and ``printer_status`` make it refuse jobs
    the way a real printer would."""

    bidirectional = True

    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self.reachable = True
        self.printer_status = PrinterStatus(state="ready", online=True)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "DummyTransport()"

    def send(self, job: bytes) -> PrinterStatus:
        with self._lock:
            if not self.reachable:
                raise PrinterUnavailable("dummy printer unreachable")
            _check_ready(self.printer_status)
            self.jobs.append(bytes(job))
            return self.printer_status

    def status(self) -> PrinterStatus:
        return self.printer_status if self.reachable else unreachable("dummy printer unreachable")


Transport = TcpTransport | SerialTransport | DeviceFileTransport | SpoolDirTransport | DummyTransport


def open_transport(printer: Any) -> Transport:
    """The transport for a ``config.settings.PrinterDef``.

    ``target``: tcp ``host[:port]``; serial ``/dev/ttyS0[,baudrate]``; usb a device path;
    file a directory; dummy ignored.
    """
    kind, target, timeout = printer.transport, printer.target, float(printer.timeout_s)
    if kind == "tcp":
        host, _, port = target.rpartition(":") if ":" in target else (target, "", "")
        return TcpTransport(host or target, int(port or DEFAULT_TCP_PORT),
                            connect_timeout=timeout, write_timeout=max(timeout, 10.0))
    if kind == "serial":
        url, _, baud = target.partition(",")
        return SerialTransport(url, int(baud or DEFAULT_BAUDRATE), write_timeout=max(timeout, 10.0))
    if kind == "usb":
        return DeviceFileTransport(target, write_timeout=max(timeout, 10.0))
    if kind == "file":
        return SpoolDirTransport(target, printer.name)
    if kind == "dummy":
        return DummyTransport()
    raise ValueError(f"printer {printer.name}: unknown transport {kind!r}")


