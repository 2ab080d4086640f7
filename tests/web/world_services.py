"""The services' morning on the pages' world (``world.py``): what the stores, kitchen, escort,
maintenance, notices, 考核 and phone pages show, made through the core's commands as the
center's own would be —

- the equipment register and the demo's maintenance plans, today's rounds swept into tickets;
- an outage notice for a ward floor, its SMS to the ward heads scheduled;
- two webhook subscriptions (one paused), with a delivery delivered, one refused, one going;
- a receipt from a supplier and an issue to the dispatched repair (stock documents);
- the kitchen's and the escorts' day as ``onestop demo`` stages it;
- a complaint investigated and concluded, a satisfaction campaign;
- the phone pages' signed links: a room's QR code, the dispatched worker's work order, the
  oxygen round's checklist, a reporter's progress, a worker's list of open orders.

``stage_services`` returns the paths of the pages that need a key or a token, by name, for
``tests.web.pagelist.PAGES`` (``{round}``, ``{work_link}``…).
"""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from onestop.demo_day import stage_demo_day
from ticketing.commands.campaigns import CampaignSpec
from ticketing.commands.stock import StockLineIn
from ticketing.maintenance import Maintenance
from ticketing.model import OrgUnit, SmsOut, SparePart
from ticketing.notices import NoticeIn, Notices
from ticketing.seed.facilities import seed_facilities
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store
from ticketing.webhooks import Webhooks

LINK_SECRET = "world-link-secret-0123456789"
BASE_URL = "http://onestop.example"  # the links' host; the pages open their paths on the test server


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _sms_link(store: Store, sms_id: int | None = None, kind: str = "", staff_code: str = "") -> str:
    with store.session() as s:
        q = select(SmsOut.text)
        q = q.where(SmsOut.id == sms_id) if sms_id else q.where(SmsOut.kind == kind, SmsOut.staff_code == staff_code)
        text = s.scalars(q.order_by(SmsOut.id.desc())).first() or ""
    found = re.search(r"https?://\S+/[wlsr]/[A-Za-z0-9_-]+", text)
    assert found, f"no link in the SMS: {text!r}"
    return path_of(found.group(0))


def stage_services(store: Store, service: TicketService, clock: Any, catalog: Any, calendar: Any) -> dict[str, str]:
    """Stage the services' morning (see the module's doc) before the desk's showcase, so that
    the showcase's tickets stay the newest (the desk's first page); the pages' paths by name."""
    paths: dict[str, str] = {}
    maintenance = Maintenance(service)
    seed_facilities(store, maintenance, at=clock.now())
    rounds = maintenance.sweep()
    assert rounds, "the demo's plans made no round today"
    paths["plan"], paths["round"] = rounds[0].plan_code, str(rounds[0].ticket_id)
    # the oxygen round went to its worker by SMS: the checklist on the phone
    paths["round_link"] = _sms_link(store, kind="work_order", staff_code="T06-01")

    hooks = Webhooks(store, clock)
    his = hooks.create("admin", {"name": "HIS 住院系统", "url": "https://his.example/onestop/events",
                                 "events": ["ticket.created", "ticket.status_changed"], "personal": True})
    hooks.create("admin", {"name": "企业微信群机器人", "url": "https://bot.example/hook",
                           "events": ["ticket.escalated", "call.abandoned"], "active": False, "format": "wecom"})
    for _ in range(3):
        hooks.ping("admin", his["id"])
    sent, refused, _waiting = hooks.claim("world", 3)
    hooks.mark_delivered(sent.id, 204, 38)
    hooks.mark_failed(refused.id, "HTTP 404 Not Found", retry=False, status_code=404, latency_ms=12)

    start = clock.now() + timedelta(days=2)
    notice = Notices(service).create("lead", NoticeIn(
        kind="water", starts_at=start, ends_at=start + timedelta(hours=6), text="管道检修，请提前储水",
        floors=(("住院部A", "3"),)))
    paths["notice"] = str(notice["id"])

    with store.session() as s:
        parts = list(s.execute(select(SparePart.code, SparePart.supplier_code).where(
            SparePart.active.is_(True), SparePart.supplier_code != "").order_by(SparePart.code).limit(3)))
    receipt = service.post_stock("admin", "receipt", [StockLineIn(code, 20) for code, _sup in parts],
                                 supplier_code=parts[0][1], ref="PO-2026-1123")
    service.post_stock("admin", "issue", [StockLineIn(parts[0][0], 2)], reason="班组领用")
    paths["stock_doc"], paths["part"], paths["supplier"] = str(receipt), parts[0][0], parts[0][1]

    core = SimpleNamespace(store=store, clock=clock, catalog=catalog, calendar=calendar, service=service)
    day = stage_demo_day(core)  # type: ignore[arg-type]  # what it reads of a Core
    assert day.meal_orders and day.escorts, "the demo's day staged no meals or escorts"

    complaint = service.accept("li", NewTicket(service_type="complaint", location_code="20301",
                                               reporter_name="患者家属", reporter_phone="13900001111",
                                               description="夜间病房走廊噪音大，影响休息"))
    service.complaint_target("li", complaint.id, "team", "T03", "serious")
    service.investigate("lead", complaint.id, "已询问夜班保洁与护工")
    service.conclude("lead", complaint.id, "justified", "夜间推车作业未按规定放轻")
    paths["complaint"] = str(complaint.id)
    with store.session() as s:
        wards = list(s.scalars(select(OrgUnit.code).where(OrgUnit.kind == "ward").order_by(OrgUnit.code).limit(3)))
    paths["campaign"] = str(service.create_campaign("manager", CampaignSpec(
        "十一月满意度调查", "sms", "departments", tuple(wards))))

    mobile = service.accept("li", NewTicket(service_type="repair", location_code="20305", reporter_name="陈护士",
                                            reporter_phone="13900002222", description="病房电视无信号"))
    paths["status_link"] = _sms_link(store, service.send_status_link("li", mobile.id))
    return paths


def stage_links(store: Store, service: TicketService, paths: dict[str, str]) -> None:
    """The links that need the showcase's dispatched repair (its worker T01-01)."""
    paths["room_link"] = path_of(service.room_links(["20301"])[0][1])
    paths["work_link"] = _sms_link(store, kind="work_order", staff_code="T01-01")
    paths["list_link"] = _sms_link(store, service.send_list_link("admin", "T01-01"))
