"""The printer part of the center: one print worker thread per configured printer.

Composition root::

    renderer = SlipRenderer(base_url=..., timezone=settings.timezone)
    part = PrinterPart(settings.printer.printers, core.print_queue, renderer)
    # or: part = build_printer_part(settings, core.print_queue)
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping, Sequence
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
    the transport of a printer by name (tests, the demo's capture printer).
    """

    name = "printer"

    def __init__(self, printers: Sequence[Any], queue: PrintQueue, renderer: SlipRenderer, *,
                 transports: Mapping[str, PrinterTransport] | None = None,
                 poll_s: float = 0.5, **worker_kw: Any) -> None:
        overrides = dict(transports or {})
        self.workers = [
            PrintWorker(queue, p.name, overrides.get(p.name) or open_transport(p),
                        JobRenderer(renderer, PrinterProfile.from_settings(p)),
                        poll_s=poll_s, **worker_kw)
            for p in printers]
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

    def health(self) -> dict[str, Any]:
        workers = {w.printer: w.health() for w in self.workers}
        bad = any(h["state"] != "up" for h in workers.values())
        return {"state": "degraded" if bad else "up", "printers": workers}


def base_url_of(settings: Any) -> str:
    """``settings.web.base_url``, or the desk's own address."""
    web = settings.web
    return web.base_url or f"http://{web.host}:{web.port}"


def build_renderer(settings: Any) -> SlipRenderer:
    return SlipRenderer(base_url=base_url_of(settings), timezone=settings.timezone)


def build_printer_part(settings: Any, queue: PrintQueue, **kw: Any) -> PrinterPart:
    """The printer part from ``Settings`` (``settings.printer.printers``)."""
    return PrinterPart(settings.printer.printers, queue, build_renderer(settings), **kw)


def build_slip_preview(settings: Any) -> SlipPreview:
    """``WebDeps.slip_preview``: snapshot → HTML, laid out for the first printer's paper."""
    printers = settings.printer.printers
    profile = PrinterProfile.from_settings(printers[0]) if printers else PrinterProfile()
    return SlipPreview(build_renderer(settings), profile)
