"""A hospital's day for the pages to show: the sample hospital (4,000 rooms, ~300 staff, 2,000
parts, the demo log-ins), a year of tickets, a morning of tickets that went through the real
commands (dispatched, answered by SMS, done, called back, cancelled, escalated, a meal order
waiting for the ward head), today's hotline calls and the operators' live states, and the
services' morning (``world_services``: stores, kitchen, escorts, maintenance, notices, 考核,
the phone pages' links).

Built once per test module (``build_world``) and served by a real uvicorn (``serve``); the
browser tests and ``make screenshots`` look at the same pages. The clock stands still at
Monday 2026-11-23 09:30 in Shanghai, so every screenshot shows the same day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from config.settings import Settings, WebSettings
from ticketing.calendar import BusinessCalendar
from ticketing.calls import CallFacts, record_call
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.model import Location, SmsOut, Staff, User
from ticketing.seed import DEMO_PASSWORD, bulk_tickets, seed_hospital
from ticketing.service import NewTicket, TicketService, WorkerReply
from ticketing.store import Store
from ticketing.tokens import Links, LinkSigner
from web.app import create_app
from web.deps import WebDeps
from web.live import LiveHub
from web.server import ThreadedServer

from .world_services import BASE_URL, LINK_SECRET, stage_links, stage_services

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai
PASSWORD = DEMO_PASSWORD
# as the listener publishes them: the members and Asterisk's QueueSummary of them (a paused
# member is logged in but not available)
CTI = {"calls_waiting": 2, "longest_wait_s": 37.0, "logged_in": 3, "available": 1,
       "operators": {"Operator Li": {"state": "in_call", "paused": False, "reason": "", "login": "li"},
                     "Operator Wang": {"state": "idle", "paused": False, "reason": "", "login": "wang"},
                     "赵敏": {"state": "paused", "paused": True, "reason": "午休", "login": ""}}}


@dataclass
class World:
    store: Store
    service: TicketService
    clock: FixedClock
    tickets: dict[str, int]  # what each showcase ticket is → its number
    paths: dict[str, str] = field(default_factory=dict)  # the services' pages' keys and links (world_services)


def build_world(store: Store, bulk: int = 3000) -> World:
    from modem.templates import SmsComposer

    clock = FixedClock(NOW - timedelta(days=2))
    catalog = Catalog.load(ROOT / "config" / "service_catalog.toml")
    calendar = BusinessCalendar.load(ROOT / "config" / "calendar.toml")
    service = TicketService(store, clock, catalog, calendar, SmsComposer(default_language="zh-CN"),
                            links=Links(LinkSigner(LINK_SECRET), base_url=BASE_URL))
    seed_hospital(store, demo_users=True, menu_start=date(2026, 11, 23), at=clock.now())
    bulk_tickets(store, bulk, 365, catalog, calendar, end=NOW - timedelta(days=1))
    _yesterday(store, service, clock)
    clock.set(NOW - timedelta(minutes=100))  # 07:50: before the showcase's morning
    paths = stage_services(store, service, clock, catalog, calendar)
    tickets = _showcase(store, service, clock)
    stage_links(store, service, paths)
    clock.set(NOW)
    _calls(store)
    return World(store, service, clock, tickets, paths)


def _yesterday(store: Store, service: TicketService, clock: FixedClock) -> None:
    """A dozen tickets of the day before through the whole lifecycle (timelines, SMS, rollup)."""
    kinds = ("repair", "cleaning", "transport", "oxygen", "repair", "complaint")
    with store.session() as s:
        team = {"repair": "T01", "cleaning": "T03", "transport": "T07", "oxygen": "T06"}
        workers = {k: list(s.scalars(select(Staff.code).where(Staff.team == v, Staff.role == "worker")
                                     .order_by(Staff.code).limit(3))) for k, v in team.items()}
        rooms = list(s.scalars(select(Location.code).order_by(Location.code).offset(700).limit(12)))
    start = NOW - timedelta(hours=26)
    for i in range(12):
        kind = kinds[i % len(kinds)]
        clock.set(start + timedelta(minutes=55 * i))
        t = service.accept(("li", "wang")[i % 2], NewTicket(service_type=kind, location_code=rooms[i],
                                                          reporter_phone=f"6{200 + i}", description="昨日报修示例"))
        if kind == "complaint":  # closed with its target, finding and reply (有记录、有回复)
            clock.set(clock.now() + timedelta(minutes=6))
            service.complaint_target(t.operator, t.id, "team", "T03")
            service.conclude("lead", t.id, "unjustified", "保洁按时完成，已向报告人说明")
            service.reply_complainant("lead", t.id, "call", "已电话说明情况")
            service.complete(t.operator, t.id, note="answered on the phone")
            continue
        code = workers[kind][i % 3]
        service.dispatch(t.operator, t.id, [code], print_slip=False)
        for step, minutes in (("accept", 4), ("start", 15), ("complete", 40)):
            clock.set(clock.now() + timedelta(minutes=minutes))
            getattr(service, {"accept": "worker_accept", "start": "start", "complete": "complete"}[step])(
                f"sms:{code}", t.id, *([code] if step != "complete" else []))
        if i % 3:
            clock.set(clock.now() + timedelta(hours=2))
            service.record_callback("survey" if i % 2 else "li", t.id, 5 - i % 3, via="ivr" if i % 2 else "operator")


def _showcase(store: Store, service: TicketService, clock: FixedClock) -> dict[str, int]:
    """Tickets in each state a desk sees in a morning, through the real commands."""
    with store.session() as s:
        worker = s.scalar(select(Staff).where(Staff.code == "T01-01"))
        cleaner = s.scalar(select(Staff).where(Staff.code == "T03-01"))
        assert worker is not None and cleaner is not None
        w_phone, c_phone = worker.phone, cleaner.phone
        ward_room = s.scalar(select(Location.code).where(Location.code == "20305"))
    out: dict[str, int] = {}
    clock.set(NOW - timedelta(minutes=35))
    t = service.accept("li", NewTicket(service_type="repair", location_code="20301", reporter_name="张护士",
                                       reporter_phone="6123", description="护士站顶灯闪烁，有焦味，请尽快处理",
                                       priority="urgent"))
    service.dispatch("li", t.id, [worker.code], print_slip=True)
    _sent(store, t.id, delivered=True)
    clock.set(NOW - timedelta(minutes=30))
    service.handle_inbound_sms("modem1", w_phone, f"{t.id} 接单", WorkerReply("accept", t.id), clock.now())
    out["dispatched"] = t.id
    clock.set(NOW - timedelta(minutes=28))
    t = service.accept("wang", NewTicket(service_type="cleaning", location_code="30412", reporter_name="李医生",
                                         description="12床出院，终末消毒",
                                         details={"cleaning": {"area": "12床", "kind": "terminal_disinfection"}}))
    service.dispatch("wang", t.id, [cleaner.code], print_slip=False)
    _sent(store, t.id, delivered=False)
    clock.set(NOW - timedelta(minutes=20))
    service.handle_inbound_sms("modem1", c_phone, f"到达 {t.id}", WorkerReply("arrived", t.id), clock.now())
    out["in_progress"] = t.id
    clock.set(NOW - timedelta(minutes=15))
    t = service.accept("li", NewTicket(service_type="meals", location_code=ward_room or "20305",
                                       reporter_name="王护士", description="5床加一份午餐",
                                       details={"meal": {"items": [{"code": _dish(store), "qty": 2}]}}))
    out["meal_pending"] = t.id
    clock.set(NOW - timedelta(minutes=12))
    t = service.accept("wang", NewTicket(service_type="transport", location_code="10120", reporter_name="门诊护士",
                                         description="轮椅病人送放射科检查"))
    service.escalate("wang", t.id, "病人等候已久，家属投诉")
    out["escalated"] = t.id
    clock.set(NOW - timedelta(minutes=9))
    t = service.accept("li", NewTicket(service_type="oxygen", location_code="20512", reporter_name="赵护士",
                                       description="3床氧气瓶快用完"))
    service.complete("li", t.id, note="电话指导更换，已解决")
    out["done"] = t.id
    clock.set(NOW - timedelta(minutes=5))
    t = service.accept("li", NewTicket(service_type="repair", location_code="20301", reporter_name="张护士",
                                       reporter_phone="6123", description="护士站顶灯闪烁（重复报修）"))
    service.merge("li", t.id, out["dispatched"])
    out["merged"] = t.id
    with store.session() as s:  # a busy morning: more open tickets than one page of the desk
        rooms = list(s.scalars(select(Location.code).order_by(Location.code).offset(1500).limit(30)))
    for i, room in enumerate(rooms):
        clock.set(NOW - timedelta(minutes=90 - 2 * i))
        service.accept(("li", "wang")[i % 2], NewTicket(
            service_type=("repair", "cleaning", "transport")[i % 3], location_code=room,
            reporter_name=("护士", "医生", "护工")[i % 3] + str(i), description=f"早间报修 {i + 1}"))
    clock.set(NOW - timedelta(minutes=2))
    t = service.accept("wang", NewTicket(service_type="repair", location_code="40301",
                                         description="检验科空调不制冷"))
    out["accepted"] = t.id
    return out


def _dish(store: Store) -> str:
    from ticketing.model import MenuItem

    with store.session() as s:
        code = s.scalar(select(MenuItem.code).where(MenuItem.menu_date == date(2026, 11, 23),
                                                    MenuItem.meal == "lunch").order_by(MenuItem.code))
    assert code, "the sample hospital has no lunch on 2026-11-23"
    return code


def _sent(store: Store, ticket_id: int, delivered: bool) -> None:
    with store.session() as s:
        s.execute(update(SmsOut).where(SmsOut.ticket_id == ticket_id).values(
            status="delivered" if delivered else "sent", sent_at=NOW - timedelta(minutes=33)))


def _calls(store: Store) -> None:
    """Today's hotline calls: most answered within 20 s, some later, a few abandoned."""
    start = NOW - timedelta(hours=1, minutes=30)
    with store.session() as s:
        for i in range(40):
            at = start + timedelta(minutes=2 * i)
            outcome = "abandoned" if i % 9 == 4 else "answered"
            wait = 8 + (i * 7) % 30
            record_call(s, CallFacts(uniqueid=f"world.{i}", started_at=at, caller_num=f"6{100 + i}",
                                     queue="hotline", outcome=outcome, wait_s=wait,
                                     agent="Operator Li" if i % 2 else "Operator Wang",
                                     answered_at=at + timedelta(seconds=wait) if outcome == "answered" else None,
                                     ended_at=at + timedelta(minutes=1)))


def set_language(store: Store, language: str) -> None:
    """Every log-in reads its pages in ``language`` (the browser tests' two passes)."""
    with store.session() as s:
        s.execute(update(User).values(language=language))


def serve(world: World, data_dir: Path, **web: Any) -> tuple[WebDeps, ThreadedServer]:
    """The app over the world's store on a loopback port, with the operators' live states."""
    from ticketing.outbox import PrintQueue, SmsOutbox, SurveyQueue

    settings = Settings(data_dir=str(data_dir), web=WebSettings(secret_key="world-secret-" + "x" * 20,
                                                                link_secret=LINK_SECRET, **web))
    deps = WebDeps(settings=settings, store=world.store, service=world.service, clock=world.clock,
                   sms_outbox=SmsOutbox(world.store, world.clock), print_queue=PrintQueue(world.store, world.clock),
                   survey_queue=SurveyQueue(world.store, world.clock), hub=LiveHub())
    deps.feed_interval_s, deps.wallboard_interval_s = 0.2, 1.0
    deps.hub.publish_wallboard(CTI)
    return deps, ThreadedServer(create_app(deps)).start()
