"""The printer part of the center: one print worker thread per configured printer.

Composition root::

    renderer = SlipRenderer(base_url=..., timezone=settings.timezone)
    part = PrinterPart(settings.printer.printers, core.print_queue, renderer)
    # or: part = build_printer_part(settings, core.print_queue)
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import socket
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from receipts.layout import SlipRenderer
from receipts.ports import PrinterTransport, PrintQueue
from receipts.preview import SlipPreview
from receipts.profile import PrinterProfile
from receipts.queue_worker import JobRenderer, PrintWorker
from receipts.transports import open_transport

log = logging.getLogger(__name__)


class PrinterPart:
    """``async start()/stop()``, ``health()``: the runtime's Part shape (onestop/runtime.py).

    ``printers``: ``settings.printer.printers`` (``PrinterDef``s). ``transports`` overrides
    the transport of a printer by name (tests, the demo's capture printer). ``lock_dir``
    (the data directory) holds the workers' name locks (``WorkerName``).
    """

    name = "printer"

    def __init__(self, printers: Sequence[Any], queue: PrintQueue, renderer: SlipRenderer, *,
                 transports: Mapping[str, PrinterTransport] | None = None,
                 poll_s: float = 0.5, lock_dir: str | Path | None = None,
                 **worker_kw: Any) -> None:
        overrides = dict(transports or {})
        self.names = [WorkerName(p.name, lock_dir) for p in printers]
        self.workers = [
            PrintWorker(queue, p.name, overrides.get(p.name) or open_transport(p),
                        JobRenderer(renderer, PrinterProfile.from_settings(p)),
                        poll_s=poll_s, identity=name.identity, **worker_kw)
            for p, name in zip(printers, self.names, strict=True)]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    async def start(self) -> None:
        self._stop.clear()
        for w in self.workers:
            t = threading.Thread(target=w.run, args=(self._stop,), daemon=True,
                                 name=f"printer-{w.printer}")
            t.start()
            self._threads.append(t)

    async def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            await asyncio.to_thread(t.join, 15)
        self._threads.clear()
        for name in self.names:
            name.release()

    def health(self) -> dict[str, Any]:
        workers = {w.printer: w.health() for w in self.workers}
        bad = any(h["state"] != "up" for h in workers.values())
        return {"state": "degraded" if bad else "up", "printers": workers}


class WorkerName:
    """The name a printer's worker leases its jobs under: ``<printer>@<host>``, the same after
    the process restarts, so the new run knows which unconfirmed jobs were its own.

    Two live processes on one host must not share it (each would take back the other's jobs
    in flight): the name is held with an exclusive ``flock`` on a file in ``lock_dir``, which
    the kernel releases when the process ends, however it ends. A second process finds it
    held and takes ``<printer>@<host>#2`` (and so on); a restarted process gets its old name
    back. Without a lock directory (or where it cannot be written) the plain name is used.
    """

    MAX_SLOTS = 16

    def __init__(self, printer: str, lock_dir: str | Path | None = None,
                 host: str | None = None) -> None:
        base = f"{printer}@{host or socket.gethostname()}"[:112]
        self.identity, self._fd = base, -1
        if lock_dir is None:
            return
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in printer)
        try:
            folder = Path(lock_dir) / "locks"
            folder.mkdir(parents=True, exist_ok=True)
            for slot in range(1, self.MAX_SLOTS + 1):
                fd = os.open(folder / f"printer-{safe}.{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._fd = fd
                self.identity = base if slot == 1 else f"{base}#{slot}"
                return
            log.warning("printer %s: %d processes on this host already print to it; leasing "
                        "as %s without a lock", printer, self.MAX_SLOTS, base)
        except OSError as exc:
            log.warning("printer %s: no name lock in %s (%s); leasing as %s", printer, lock_dir,
                        exc, base)

    def release(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the file lets the lock go
            self._fd = -1


def base_url_of(settings: Any) -> str:
    """``settings.web.base_url``, or the desk's own address."""
    web = settings.web
    return web.base_url or f"http://{web.host}:{web.port}"


def build_renderer(settings: Any) -> SlipRenderer:
    return SlipRenderer(base_url=base_url_of(settings), timezone=settings.timezone)


def build_printer_part(settings: Any, queue: PrintQueue, **kw: Any) -> PrinterPart:
    """The printer part from ``Settings`` (``settings.printer.printers``); the workers' name
    locks live in the data directory."""
    kw.setdefault("lock_dir", settings.resolved_data_dir())
    return PrinterPart(settings.printer.printers, queue, build_renderer(settings), **kw)


def build_slip_preview(settings: Any) -> SlipPreview:
    """``WebDeps.slip_preview``: snapshot → HTML, laid out for the first printer's paper."""
    printers = settings.printer.printers
    profile = PrinterProfile.from_settings(printers[0]) if printers else PrinterProfile()
    return SlipPreview(build_renderer(settings), profile)
