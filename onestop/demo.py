"""``onestop demo``: the whole center on one machine with embedded defaults.

The production center (``build_center``) runs unchanged; only the world around it is emulated:
an Asterisk (``onestop/pbx.py``) that places hotline calls through the real AMI listener and
FastAGI IVR, a GSM modem on a pseudo-terminal driven by the real SMS gateway, a network
receipt printer on loopback, a hospital system's webhook endpoint (``onestop/demo_hooks.py``)
subscribed to every event, and the people (``onestop/actors.py``): callers, an operator at the
desk who works through the HTTP API, and field workers who answer by SMS or on the work
order's page.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from config.settings import ModemPort, OperatorMap, PrinterDef, Settings
from onestop.actors import Caller, Callers, DeskRobot, FieldWorkers
from onestop.app import ALL_PARTS, IvrPart, WebPart, Wiring, build_center
from onestop.core import Core, build_core
from onestop.pbx import EmulatedPbx, Operator
from ticketing.model import PhoneEntry, User

log = logging.getLogger(__name__)

DEMO_SECRET = "demo-only-secret"  # the emulated PBX's AMI password; never a real one
DEMO_OPERATORS = (("Local/101@agents/n", "Operator Li", "li"), ("Local/102@agents/n", "Operator Wang", "wang"))
DEMO_PASSWORD = "demo"


@dataclass
class Demo:
    """The running demo: the center, the emulated world, and the people in it."""

    settings: Settings
    core: Core
    wiring: Wiring
    pbx: EmulatedPbx
    extras: dict[str, Any] = field(default_factory=dict)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        web = self.wiring.parts["web"]
        assert isinstance(web, WebPart)
        return web.url


def demo_settings(settings: Settings, data_dir: Path, ami_port: int, modem_path: str = "",
                  printer_port: int = 0, time_scale: float = 1.0) -> Settings:
    """Embedded defaults: SQLite in ``data_dir``, the emulated PBX, modem and printer, a short
    survey delay and acknowledgement-call delay, recordings beside the store."""
    s = settings.model_copy(deep=True)
    s.data_dir = str(data_dir)
    if not settings.database_url:
        s.database_url = f"sqlite:///{data_dir / 'onestop.sqlite'}"
    s.ami.host, s.ami.port, s.ami.secret = "127.0.0.1", ami_port, DEMO_SECRET
    s.ami.operators = [OperatorMap(interface=i, name=n, login=lg) for i, n, lg in DEMO_OPERATORS]
    s.agi.host, s.agi.port = "127.0.0.1", 0
    s.agi.survey_delay_s = 90.0  # a day in real life; the demo shows the call-back coming
    s.agi.survey_quiet_start = s.agi.survey_quiet_end = "00:00"  # no quiet hours in the demo
    s.agi.survey_poll_s = 1.0
    # a worker who has not answered a work order is called after 20 s (minutes in real
    # life: [types.*] ack_call_after); recordings where the emulated PBX writes them
    s.telephony.ack_after_s = 20.0 * time_scale
    s.telephony.ack_poll_s = 1.0
    s.recordings.dir = str(data_dir / "recordings")
    if "hours" not in settings.agi.model_fields_set:
        # the demo's operators are at their desks whatever the hour, so a newcomer sees pops at
        # night too; ONESTOP_AGI_HOURS=calendar shows the after-hours self-service instead
        s.agi.hours = "always"
    if modem_path:
        s.modem.modems = [ModemPort(name="modem1", port=modem_path, max_per_minute=120)]
    if printer_port:
        s.printer.printers = [PrinterDef(name="desk", transport="tcp", target=f"127.0.0.1:{printer_port}",
                                         desks=["li", "wang"])]
    return s


def ensure_seeded(core: Core, history: bool = False) -> bool:
    """The sample hospital and the demo log-ins, once (True when this call seeded them), with
    ``history`` the tickets of the previous month and this one so far (``grow_history``); its
    equipment and maintenance plans each time, each only when missing (so a store of an older
    demo gets them too)."""
    from onestop.facilities import build_maintenance
    from ticketing.seed import seed_hospital
    from ticketing.seed.facilities import seed_facilities

    with core.store.session() as s:
        seeded = bool(s.scalar(select(func.count()).select_from(User)))
    if not seeded:
        seed_hospital(core.store, demo_users=True)
        if history:
            grow_history(core)
    seed_facilities(core.store, build_maintenance(core))
    return not seeded


def phone_only_numbers(core: Core, n: int) -> list[str]:
    """The mobiles of ``n`` repair workers on duty (by code): the demo's workers who leave
    their SMS unanswered until the acknowledgement call."""
    if n <= 0:
        return []
    from ticketing.model import Staff

    with core.store.session() as s:
        rows = s.scalars(select(Staff).where(Staff.role == "worker", Staff.on_duty.is_(True),
                                             Staff.active.is_(True)).order_by(Staff.code)).all()
    return [st.phone for st in rows if "repair" in st.skill_set() and st.phone][:n]


def grow_history(core: Core, per_day: float = 12.0) -> Counter[str]:
    """Tickets from the first day of the previous month up to a few minutes ago, through the
    commands at their own times (``ticketing.seed.month``): the 考核 pages and the monthly
    report (``onestop report monthly --month <last month>``) have a month to show."""
    from ticketing.fakes import FixedClock
    from ticketing.seed.month import month_of_history
    from ticketing.service import TicketService

    now = core.clock.now()
    local = now.astimezone(core.calendar.tz)
    first = (local.replace(day=1) - timedelta(days=1)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    clock = FixedClock(first.astimezone(UTC))
    service = TicketService(core.store, clock, core.catalog, core.calendar, core.service.composer,
                            core.service.options, core.service.assessment, links=core.service.links)
    log.info("growing the demo's history from %s (a minute or so, once)", first.date())
    return month_of_history(service, clock, first.astimezone(UTC), now - timedelta(minutes=10), per_day)


def hotline_callers(core: Core) -> list[Caller]:
    with core.store.session() as s:
        rows = s.execute(select(PhoneEntry.number, PhoneEntry.person)
                         .where(PhoneEntry.active.is_(True)).limit(400)).all()
    return [Caller(n, p) for n, p in rows] or [Caller("6123", "Nurse Zhang")]


@contextlib.asynccontextmanager
async def running_demo(settings: Settings, data_dir: Path, parts: tuple[str, ...] = ALL_PARTS,
                       time_scale: float = 1.0, robots: tuple[str, ...] = ("wang",),
                       robot_delay_s: float = 3.0, field_workers: bool = True,
                       history: bool = False, worker_pages: int = 2,
                       stage_day: bool = False, phone_only_workers: int = 0) -> AsyncIterator[Demo]:
    """``worker_pages``: the field workers take every n-th work order on its page (the rest by
    SMS); 0: all by SMS. ``history``: the sample hospital grows last month's and this month's
    tickets first (``grow_history``). ``stage_day``: the stores', the kitchen's and the
    escorts' morning is staged first (``onestop/demo_day.py``). ``phone_only_workers``: that
    many repair workers never answer a work order by SMS or page; the acknowledgement call
    reaches them and they press 1."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pbx = EmulatedPbx(operators=[Operator(i, n) for i, n, _ in DEMO_OPERATORS], secret=DEMO_SECRET,
                      time_scale=time_scale)
    ami_port = await pbx.start()
    emulator = printer = None
    if "modem" in parts:
        from modem.emulator import ModemEmulator
        from modem.emulator import Settings as ModemSettings

        emulator = ModemEmulator(settings=ModemSettings(latency_s=0.5 * time_scale)).start()
    if "printer" in parts:
        from receipts.capture import CapturePrinter

        printer = CapturePrinter(directory=data_dir / "slips").start()
    s = demo_settings(settings, data_dir, ami_port, emulator.path if emulator else "",
                      printer.port if printer else 0, time_scale)
    pbx.recordings_dir = s.recordings.dir
    core = build_core(s)
    staged = None
    if ensure_seeded(core, history) and stage_day:
        # the stores', the kitchen's and the escorts' morning, before the center (and its
        # kitchen sweep) starts: onestop/demo_day.py
        from onestop.demo_day import stage_demo_day

        staged = stage_demo_day(core)
        log.info("demo day staged: %s", staged)
    receiver = None
    if "webhooks" in parts:  # a hospital system's endpoint, subscribed to every event
        from onestop.demo_hooks import DemoReceiver, ensure_subscription

        receiver = DemoReceiver().start()
        ensure_subscription(core, receiver.url, receiver.secret)
    wiring = build_center(core, parts)
    await wiring.center.start()
    agi = wiring.parts.get("agi")
    if isinstance(agi, IvrPart):
        pbx.agi_port = agi.port
    demo = Demo(s, core, wiring, pbx, {"modem": emulator, "printer": printer, "webhook_receiver": receiver})
    try:
        phone_only = phone_only_numbers(core, phone_only_workers)
        for number in phone_only:
            pbx.workers[number] = "1"
        demo.extras["phone_only"] = phone_only
        if emulator is not None and field_workers:
            workers = FieldWorkers(emulator.delivered_texts, emulator.receive, scale=time_scale,
                                   page_every=worker_pages, parts=staged.parts_reported() if staged else {},
                                   phone_only=set(phone_only))
            demo.extras["workers"] = workers
            demo.tasks.append(asyncio.create_task(workers.run(), name="field-workers"))
        if "web" in wiring.parts:
            for login in robots:
                robot = DeskRobot(demo.url, login, DEMO_PASSWORD, delay_s=robot_delay_s * time_scale)
                demo.extras[f"robot:{login}"] = robot
                demo.tasks.append(asyncio.create_task(robot.run(), name=f"robot-{login}"))
        yield demo
    finally:
        for task in demo.tasks:
            task.cancel()
        await asyncio.gather(*demo.tasks, return_exceptions=True)
        await wiring.center.stop()
        await pbx.stop()
        if emulator is not None:
            emulator.stop()
        if printer is not None:
            printer.stop()
        if receiver is not None:
            receiver.stop()
        core.close()


def start_callers(demo: Demo, calls: int | None = None, peak_gap_s: float = 4.0,
                  calm_gap_s: float = 15.0) -> Callers:
    callers = Callers(demo.pbx, hotline_callers(demo.core))
    demo.tasks.append(asyncio.create_task(
        callers.run(calls, peak_gap_s=peak_gap_s, calm_gap_s=calm_gap_s), name="callers"))
    return callers


def banner(demo: Demo) -> str:
    logins = ", ".join(f"{u}/{DEMO_PASSWORD}" for u in
                       ("li", "wang", "dispatcher", "lead", "manager", "admin", "viewer"))
    return "\n".join([
        "",
        "  OneStop demo — 一站式后勤服务中心",
        f"  desk      {demo.url}/desk",
        f"  board     {demo.url}/board",
        f"  wallboard {demo.url}/wallboard",
        f"  考核      {demo.url}/stats/assessment   (lead/manager: the monthly report as Excel and PDF)",
        f"  stores    {demo.url}/stock   kitchen {demo.url}/kitchen   escorts {demo.url}/escort",
        f"  costs     {demo.url}/stats/cost   meals {demo.url}/stats/meals",
        f"  upkeep    {demo.url}/maintenance (equipment plans and rounds), {demo.url}/notices",
        f"  webhooks  {demo.url}/admin/webhooks (as admin): the demo's receiver gets every event, signed",
        f"  log-ins   {logins}",
        f"  data      {demo.settings.resolved_data_dir()}",
        f"  QR labels {demo.url}/admin/qr (as admin): rooms' codes for reporting from a phone (扫码报修)",
        "  CLI       to point `onestop tickets list` and the other commands at this store:",
        f"            export ONESTOP_DATABASE_URL={demo.settings.resolved_database_url()}"
        f" ONESTOP_DATA_DIR={demo.settings.resolved_data_dir()} ONESTOP_WEB_BASE_URL={demo.url}",
        "            onestop qr labels --building 住院部B --floor 3 --out labels.pdf",
        "  Emulated: Asterisk (AMI + FastAGI caller side), GSM modem, receipt printer, callers,",
        "  field workers (every other work order on its page, the others by SMS). The operator",
        "  'wang' is a robot; log in as 'li' to take calls yourself, call a reporter back from a",
        "  ticket, pause or log out of the queue; 'lead' plays the recordings. A worker who",
        "  ignores a work order is called to accept it by phone.",
        "  Ctrl-C stops.",
        "",
    ])
