"""``onestop serve``: every part of the center in one process, from settings."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
from typing import Any

from config.settings import Settings
from onestop.app import ALL_PARTS, build_center, settings_summary
from onestop.core import build_core
from onestop.errors import CliError

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the center (AMI listener, FastAGI, SMS, printing, desk)")
    p.add_argument("--http", metavar="HOST:PORT", help="where the desk listens (default from settings)")
    for part in ALL_PARTS:
        p.add_argument(f"--no-{part}", action="store_true", help=f"switch the {part} part off")
    p.set_defaults(func=serve)


def apply_http(settings: Settings, http: str | None) -> None:
    if http:
        host, _, port = http.rpartition(":")
        if not port.isdigit() or int(port) > 65535:
            raise CliError(f"--http {http}: give HOST:PORT, e.g. 127.0.0.1:8080")
        settings.web.host = host or settings.web.host
        settings.web.port = int(port)


def serve(args: argparse.Namespace, settings: Settings) -> int:
    apply_http(settings, args.http)
    enabled = tuple(p for p in ALL_PARTS
                    if not getattr(args, f"no_{p}") and _enabled_in_settings(settings, p))
    core = build_core(settings)
    log.info("OneStop: %s", settings_summary(settings))
    try:
        wiring = build_center(core, enabled)
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(wiring.center.run_until_signal(started=settle_heap))
    finally:
        core.close()
    return 0


def settle_heap() -> None:
    """Leave what start-up built out of the garbage collector's full passes.

    The modules, routes, validators, templates and mappings made at start-up (~220,000
    objects) live as long as the process, yet each full collection walked them all: ~130 ms
    with the whole process stopped, every 40–60 s under a morning's load, and every pop and
    request in flight waited (``bench/flood.py``). ``gc.freeze`` moves them to the permanent
    generation; what is made afterwards is collected as before."""
    gc.collect()
    gc.freeze()


def _loop_factory() -> Any:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _enabled_in_settings(settings: Settings, part: str) -> bool:
    section: Any = {"ami": settings.ami, "agi": settings.agi, "modem": settings.modem,
                    "printer": settings.printer, "web": settings.web,
                    "maintenance": settings.maintenance, "webhooks": settings.webhooks}.get(part)
    return True if section is None else bool(section.enabled)
