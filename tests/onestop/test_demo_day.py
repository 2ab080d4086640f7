"""``onestop demo``'s staged day: a repair whose worker reports by SMS the parts that take one
to its minimum (the storekeepers' SMS), today's closed meals have their orders and print
their production summaries as the center starts, escorts are booked — all through the
core's commands."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from config.settings import load_settings
from modem.replies import Reply, parse_reply
from onestop.core import build_core
from onestop.demo import running_demo
from onestop.demo_day import stage_demo_day
from ticketing.fakes import FixedClock
from ticketing.model import (
    Assignment,
    PrintJob,
    SmsIn,
    SmsOut,
    SparePart,
    Staff,
    StockAlert,
    Ticket,
)
from ticketing.seed import CUTOFFS, seed_hospital
from ticketing.service import WorkerReply
from ticketing.store import Store

TZ = ZoneInfo("Asia/Shanghai")


def _today_at(hh: int, mm: int = 0) -> datetime:
    # the sample's menus are this week's: the staged day is today, at a fixed hour
    return datetime.combine(datetime.now(TZ).date(), time(hh, mm), TZ).astimezone(UTC)


def test_the_staged_day_uses_parts_orders_meals_and_books_escorts(tmp_path: Path, db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_DATA_DIR": str(tmp_path)})
    clock = FixedClock(_today_at(16, 0))  # every meal of the day closed; dinner not yet delivered
    core = build_core(settings, clock=clock)
    try:
        seed_hospital(core.store, demo_users=True)
        day = stage_demo_day(core)
        s = core.store
        # the repair's worker answers its work order as the demo's field workers do
        with s.session() as ss:
            worker = ss.scalar(select(Staff).join(Assignment, Assignment.staff_code == Staff.code)
                               .where(Assignment.ticket_id == day.repair))
        for text in (f"接单 {day.repair}", f"完成 {day.repair} {day.parts_reported()[day.repair]}"):
            reply = parse_reply(text)
            assert isinstance(reply, Reply)
            core.service.handle_inbound_sms("modem1", worker.phone, text, WorkerReply(
                reply.action, reply.ticket_id, reply.parts, reply.reason), clock.now())
        with s.session() as ss:
            part = ss.scalar(select(SparePart).where(SparePart.code == day.low_part))
            assert part.stock == part.min_stock > 0
            alert = ss.scalar(select(StockAlert).where(StockAlert.part_code == day.low_part))
            assert alert.status == "open" and alert.notified == 2
            told = ss.scalars(select(SmsOut.staff_code).where(SmsOut.kind == "low_stock")).all()
            assert sorted(told) == ["K01", "K02"]
            assert ss.get(Ticket, day.repair).status == "done"
            orders = [ss.get(Ticket, t) for t in day.meal_orders]
        meals = {o.details["meal"]["meal"] for o in orders}
        assert meals == {"breakfast", "lunch", "dinner"} and len(orders) == 12
        assert all(o.created_at.astimezone(TZ).time() < time.fromisoformat(CUTOFFS[o.details["meal"]["meal"]])
               for o in orders)  # each placed before its meal's cut-off
        delivered = {o.details["meal"]["meal"] for o in orders if o.status == "done"}
        assert delivered == {"breakfast", "lunch"}  # dinner's 17:30 is still to come
        assert {o.status for o in orders if o.details["meal"]["meal"] == "dinner"} == {"dispatched"}
        portions = {m: sum(i["qty"] for o in orders if o.details["meal"]["meal"] == m
                           for i in o.details["meal"]["items"]) for m in meals}
        printed = core.service.print_kitchen_summaries()
        assert sorted(m for _d, m in printed) == ["breakfast", "dinner", "lunch"]
        with s.session() as ss:
            jobs = {j.snapshot["meal"]: j.snapshot for j in ss.scalars(select(PrintJob).where(PrintJob.kind == "prep"))}
            escorts = [ss.get(Ticket, t) for t in day.escorts]
        assert {m: j["portions"] for m, j in jobs.items()} == portions
        assert [e.service_type for e in escorts] == ["transport"] * 3
        assert escorts[0].status == "dispatched" and all(
            e.completion_due == datetime.fromisoformat(e.details["escort"]["appointment"]) > clock.now()
            for e in escorts)
    finally:
        core.close()


def test_the_demo_prints_each_closed_meals_summary_as_it_starts(tmp_path: Path, db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    def closed() -> int:
        now = datetime.now(TZ)
        return sum(1 for hhmm in CUTOFFS.values() if now.time() >= time.fromisoformat(hhmm))

    before = closed()

    async def run() -> int:
        async with running_demo(settings, tmp_path, ("printer", "sweeper"), stage_day=True) as demo:
            expected = before
            async with asyncio.timeout(30):
                while True:
                    with demo.core.store.session() as s:
                        done = s.scalars(select(PrintJob).where(PrintJob.kind == "prep",
                                                                 PrintJob.status == "printed")).all()
                    if len(done) >= expected:
                        return len(done)
                    await asyncio.sleep(0.1)

    printed = asyncio.run(run())
    assert before <= printed <= closed()


def test_the_demos_worker_reports_the_parts_by_sms_and_the_storekeepers_hear_of_it(
        tmp_path: Path, db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> list[str]:
        async with running_demo(settings, tmp_path, ("modem",), time_scale=0.02, stage_day=True) as demo:
            async with asyncio.timeout(60):
                while True:
                    with demo.core.store.session() as s:
                        sent = s.scalars(select(SmsOut.staff_code).where(
                            SmsOut.kind == "low_stock", SmsOut.status.in_(("sent", "delivered")))).all()
                    if len(sent) == 2:
                        return sorted(sent)
                    await asyncio.sleep(0.1)

    assert asyncio.run(run()) == ["K01", "K02"]
    store = Store(db_url)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(StockAlert).where(StockAlert.status == "open")) == 1
        done = s.scalar(select(SmsIn).where(SmsIn.text.like("完成%配件%")))
        assert done is not None and done.outcome == "acted"
    store.dispose()
