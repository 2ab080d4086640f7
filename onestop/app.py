"""The composition root: builds every part of the center from settings and wires the ports.

``build_center`` is what ``onestop serve`` and ``onestop demo`` run, and what the end-to-end
tests start, so the production wiring is the tested wiring.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from config.settings import Settings
from onestop.cluster import AdvisoryLeader, FanoutPublisher
from onestop.core import Core
from onestop.errors import port_error
from onestop.runtime import Center, Part, Periodic
from onestop.wiring import (
    CoreAckQueue,
    CoreAckStore,
    CoreCallSink,
    CoreCampaignStore,
    CoreContextLookup,
    CoreDirectory,
    CoreSelfService,
    CoreSurveyStore,
)
from web.live import LiveHub

log = logging.getLogger(__name__)

ALL_PARTS = ("web", "ami", "agi", "modem", "printer", "sweeper", "maintenance", "webhooks")


@dataclass
class Wiring:
    """Handles the demo and the tests reach into after the center is built."""

    core: Core
    hub: LiveHub
    center: Center
    parts: dict[str, Part] = field(default_factory=dict)

    def part(self, name: str) -> Any:
        return self.parts[name]


class WebPart:
    name = "web"

    def __init__(self, core: Core, hub: LiveHub, health: Any, telephony: Any | None = None) -> None:
        import uvicorn

        from receipts.labels import label_sheet_pdf
        from receipts.service import build_slip_preview
        from web.app import create_app
        from web.deps import WebDeps
        from web.server import uvicorn_config

        s = core.settings
        self.app = create_app(WebDeps(settings=s, store=core.store, service=core.service,
                                      clock=core.clock, sms_outbox=core.sms_outbox,
                                      print_queue=core.print_queue, survey_queue=core.survey_queue,
                                      hub=hub, health=health, telephony=telephony,
                                      slip_preview=build_slip_preview(s), label_pdf=label_sheet_pdf))
        # proto must say TCP so asyncio sets TCP_NODELAY on accepted sockets (see web/server.py).
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((s.web.host, s.web.port))
        except OSError as exc:
            self.sock.close()
            raise port_error(exc, "the desk", s.web.host, s.web.port, "--http HOST:PORT") from None
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{s.web.host}:{self.port}"
        if not s.web.base_url and core.service.links is not None:
            core.service.links.base_url = self.url  # the links in SMS open where the desk listens
            if s.web.host in ("0.0.0.0", "::", ""):
                log.warning("[web] base_url is not set: the links in work-order SMS and room QR "
                            "codes say %s, which a phone cannot open; set it to the address "
                            "phones reach", self.url)
        self.server = uvicorn.Server(uvicorn_config(self.app, s.web.host, self.port))
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self.server.serve(sockets=[self.sock]), name="web")
        for _ in range(500):
            if self.server.started or self._task.done():
                break
            await asyncio.sleep(0.01)
        if not self.server.started:
            raise RuntimeError(f"the web desk could not start on {self.url}")

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self.sock.close()

    def health(self) -> dict[str, Any]:
        return {"state": "up" if self.server.started else "down", "url": self.url}


class IvrPart:
    name = "agi"

    def __init__(self, core: Core, originator: Any | None, dialler: Any | None = None) -> None:
        from ivr.app import IvrApp

        self.core = core
        from ticketing.campaigns import CampaignCalls

        hours = core.calendar if core.settings.agi.hours == "calendar" else None  # None: always open
        tel = core.settings.telephony
        calls = CampaignCalls(core.store, core.clock, core.calendar.tz)
        self.app = IvrApp(core.settings, hours=hours, directory=CoreDirectory(core),
                          self_service=CoreSelfService(core), survey_store=CoreSurveyStore(core),
                          survey_queue=core.survey_queue, campaign_store=CoreCampaignStore(core, calls),
                          campaign_queue=calls, originator=originator,
                          ack_store=CoreAckStore(core),
                          ack_queue=CoreAckQueue(core) if tel.ack_calls else None,
                          dialler=dialler if tel.ack_calls else None,
                          service_types=tuple(core.catalog.types), now=core.clock.now)
        self.port = 0

    async def start(self) -> None:
        s = self.core.settings.agi
        try:
            self.port = await self.app.start()
        except OSError as exc:
            raise port_error(exc, "the FastAGI IVR", s.host, s.port,
                             "[agi] port in the settings file or ONESTOP_AGI_PORT") from None

    async def stop(self) -> None:
        await self.app.stop()

    def health(self) -> dict[str, Any]:
        stats = self.app.server.stats
        return {"state": "up" if self.port else "down", "port": self.port,
                "sessions_active": stats.active, "sessions_completed": stats.completed,
                "sessions_refused": stats.refused, "errors": stats.errors}


class CtiPart:
    """The AMI listener. On PostgreSQL it runs only while this process holds the AMI advisory
    lock, so several ``serve`` processes never track (and store) the same calls twice."""

    name = "ami"

    def __init__(self, core: Core, live: Any, **client_kw: Any) -> None:
        from cti.listener import AmiOriginator, CtiListener
        from onestop.telephony import OUTBOUND_EVENTS, DeskTelephony

        self.core = core
        self.listener = CtiListener.from_settings(
            core.settings.ami, context=CoreContextLookup(core), pops=live, wallboard=live,
            sink=CoreCallSink(core), extra_events=OUTBOUND_EVENTS, **client_kw)
        self.originator = AmiOriginator(self.listener.client)
        self.telephony = DeskTelephony(core, self.listener, self.originator)
        self.leader = AdvisoryLeader(core.settings.resolved_database_url(), on_change=self._on_leader)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running = False
        self._telephony_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.leader.start()

    def _on_leader(self, leader: bool) -> None:
        if self._loop is None:
            return
        coro = self._run_listener() if leader else self._stop_listener()
        if threading.current_thread() is threading.main_thread() and self._loop.is_running():
            asyncio.ensure_future(coro, loop=self._loop)
        else:
            asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _run_listener(self) -> None:
        if not self._running:
            self._running = True
            await self.listener.start()
            self._telephony_task = asyncio.create_task(self.telephony.run(), name="telephony")
            log.info("AMI listener active (%s:%s)", self.core.settings.ami.host, self.core.settings.ami.port)

    async def _stop_listener(self) -> None:
        if self._running:
            self._running = False
            if self._telephony_task is not None:
                self._telephony_task.cancel()
                await asyncio.gather(self._telephony_task, return_exceptions=True)
            await self.listener.stop()
            log.info("AMI listener standing by")

    async def stop(self) -> None:
        self.leader.stop()
        await self._stop_listener()
        await self.telephony.drain()
        self.telephony.close()

    def health(self) -> dict[str, Any]:
        if not self._running:
            return {"state": "standby"}
        return self.listener.health()


class ModemPart:
    """SMS work orders out and workers' replies in, through every configured modem."""

    name = "modem"

    def __init__(self, core: Core) -> None:
        from modem.gateway import ModemGateway
        from modem.sender import SmsSender

        m = core.settings.modem
        self.gateways = [ModemGateway(d.name, d.port, baudrate=d.baudrate, pin=d.pin, smsc=m.smsc)
                         for d in m.modems]
        # The core's handle_inbound_sms is the InboundHandler: one transaction stores the
        # message, acts if the sender may, and queues the confirmation.
        self.sender = SmsSender(core.sms_outbox, self.gateways, inbound=core.service,
                                max_per_minute={d.name: d.max_per_minute for d in m.modems})

    async def start(self) -> None:
        if not self.gateways:
            log.warning("no modem configured ([[modem.modems]]): SMS work orders stay queued")
        for g in self.gateways:
            g.start()
        self.sender.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.sender.stop)
        for g in self.gateways:
            await asyncio.to_thread(g.stop)

    def health(self) -> dict[str, Any]:
        modems = {g.name: g.health.as_dict() for g in self.gateways}
        up = bool(self.gateways) and all(g.connected for g in self.gateways)
        return {"state": "up" if up else "down", "modems": modems,
                "in_flight": self.sender.queue_length(), **self.sender.stats}


def build_center(core: Core, enabled: tuple[str, ...] = ALL_PARTS,
                 sweep_interval_s: float = 30.0) -> Wiring:
    """Every enabled part, wired to the core and to each other through the composition root."""
    hub = LiveHub()
    center = Center([])
    wiring = Wiring(core, hub, center)
    parts: list[Part] = []
    originator = None
    live: Any = hub
    if core.store.dialect == "postgresql":
        live = FanoutPublisher(core.settings.resolved_database_url(), hub)
        parts.append(live)
    dialler = telephony = None
    if "ami" in enabled:
        cti = CtiPart(core, live)
        originator = cti.originator if core.settings.agi.enabled else None
        dialler, telephony = cti.originator, cti.telephony
        parts.append(cti)
    if "agi" in enabled:
        parts.append(IvrPart(core, originator, dialler))
    if "modem" in enabled:
        parts.append(ModemPart(core))
    if "printer" in enabled:
        from receipts.service import build_printer_part

        parts.append(build_printer_part(core.settings, core.print_queue))
    if "sweeper" in enabled:
        parts.append(Periodic("sweeper", core.service.sweep_overdue, sweep_interval_s))
        if core.settings.recordings.enabled:
            parts.append(Periodic("recordings", lambda: sweep_recordings(core),
                                  core.settings.recordings.sweep_interval_s))
        # satisfaction campaigns paced by their hourly limits: looked at every minute
        parts.append(Periodic("campaigns", core.service.run_campaigns, min(60.0, sweep_interval_s)))
        # each meal's production summary (备餐单) at its cut-off, once (a unique row in the store)
        parts.append(Periodic("kitchen", core.service.print_kitchen_summaries, min(sweep_interval_s, 30.0)))
        from ticketing.photos import PhotoStore

        photos = PhotoStore(core.settings.resolved_data_dir() / "photos")
        parts.append(Periodic("link-upkeep", lambda: core.service.sweep_channels(
            photos, core.settings.web.photo_retention_days), 3600.0))  # photos past retention
    if "maintenance" in enabled:
        from onestop.facilities import maintenance_part

        parts.append(maintenance_part(core))
    if "webhooks" in enabled:
        from onestop.facilities import WebhooksPart

        parts.append(WebhooksPart(core))
    if "web" in enabled:
        parts.append(WebPart(core, hub, center.health, telephony))
    center.parts.extend(parts)
    wiring.parts = {p.name: p for p in parts}
    return wiring


def settings_summary(settings: Settings) -> str:
    return (f"database {settings.resolved_database_url()} · AMI {settings.ami.host}:{settings.ami.port}"
            f" · FastAGI {settings.agi.host}:{settings.agi.port} · desk http://{settings.web.host}:{settings.web.port}")


def sweep_recordings(core: Core) -> list[str]:
    """Delete the recordings past the retention period (each audited); a recordings folder
    that is not there (no PBX mount on this host) is left alone."""
    from pathlib import Path

    from ticketing.recordings import sweep

    cfg = core.settings.recordings
    if not Path(cfg.dir).is_dir():
        return []
    with core.store.session() as s:
        return sweep(s, cfg.dir, cfg.retention_days, core.clock.now())

