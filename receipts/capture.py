"""A capture printer: listens on TCP like a network printer's port 9100, keeps each job's
bytes (one connection = one job), optionally saves them to a directory, and answers DLE EOT
status queries with the condition it is set to (paper end, cover open, offline).

Used by the tests, the benchmark, ``onestop receipts printer-emulate`` and the demo.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from receipts.status import status_replies

log = logging.getLogger(__name__)


@dataclass
class CapturedJob:
    raw: bytes  # everything the client sent, status queries included
    received_at: float = field(default_factory=time.time)

    @property
    def data(self) -> bytes:
        """The job without the status queries the transport sends before and after it."""
        raw = self.raw
        while raw.startswith(b"\x10\x04"):
            raw = raw[3:]
        while len(raw) >= 3 and raw[-3:-1] == b"\x10\x04":
            raw = raw[:-3]
        return raw


class CapturePrinter:
    """``start()`` binds ``host:port`` (port 0: the OS picks; see ``.port``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, directory: str | Path | None = None,
                 answer_status: bool = True) -> None:
        self.host, self.port = host, port
        self.directory = Path(directory) if directory else None
        self.answer_status = answer_status
        self.jobs: list[CapturedJob] = []
        self.replies = status_replies()
        self._cond = threading.Condition()
        self._sock: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> CapturePrinter:
        """Listen (again, on the same port after ``stop``)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(16)
        sock.settimeout(0.1)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._stopping.clear()
        self._spawn(self._accept_loop, sock)
        return self

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start`` is called again."""
        self._stopping.set()
        for t in list(self._threads):
            t.join(timeout=2)
        self._threads = [t for t in self._threads if t.is_alive()]
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> CapturePrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- condition ----------------------------------------------------------------------
    def set_condition(self, *, online: bool = True, cover_open: bool = False,
                      paper_near_end: bool = False, paper_end: bool = False,
                      error: bool = False) -> None:
        """What the printer answers to DLE EOT from now on."""
        self.replies = status_replies(online=online, cover_open=cover_open,
                                      paper_near_end=paper_near_end, paper_end=paper_end,
                                      error=error)

    # -- jobs -----------------------------------------------------------------------------
    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[CapturedJob]:
        """The jobs so far once there are ``count`` of them (or when ``timeout`` runs out)."""
        with self._cond:
            self._cond.wait_for(lambda: len(self.jobs) >= count, timeout=timeout)
            return list(self.jobs)

    def _spawn(self, target: object, *args: object) -> None:
        t = threading.Thread(target=target, args=args, daemon=True,  # type: ignore[arg-type]
                             name=f"capture-printer-{self.port}")
        t.start()
        self._threads.append(t)

    def _accept_loop(self, sock: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._threads = [t for t in self._threads if t.is_alive()]
            self._spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        raw = bytearray()
        conn.settimeout(0.1)
        # Status replies are single bytes: without NODELAY, Nagle holds the 2nd until the 1st
        # is ACKed, and the delayed ACK costs the client 40 ms per job.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with conn:
            while not self._stopping.is_set():
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError as exc:
                    log.info("capture printer: connection lost: %s", exc)
                    break
                if not chunk:
                    break
                start = max(0, len(raw) - 2)
                raw += chunk
                self._answer_queries(conn, raw, start)
        self._keep(bytes(raw))

    def _answer_queries(self, conn: socket.socket, raw: bytearray, start: int) -> None:
        # Real-time commands are acted on as they arrive, wherever they are in the stream.
        if not self.answer_status:
            return
        replies = bytearray()
        i = raw.find(b"\x10\x04", start)
        while i != -1 and i + 2 < len(raw):
            reply = self.replies.get(raw[i + 2])
            if reply is not None:
                replies.append(reply)
            i = raw.find(b"\x10\x04", i + 3)
        if replies:
            try:
                conn.sendall(bytes(replies))
            except OSError:
                return

    def _keep(self, raw: bytes) -> None:
        job = CapturedJob(raw)
        if not job.data:
            return  # a status-only connection
        with self._cond:
            self.jobs.append(job)
            number = len(self.jobs)
            self._cond.notify_all()
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"job-{number:06d}.bin"
            path.write_bytes(job.data)
            log.info("capture printer: job %d, %d bytes → %s", number, len(job.data), path)
