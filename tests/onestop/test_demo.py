"""The demo's world drives the production center: calls pop, the desk robot makes tickets
through the HTTP API, and they are dispatched."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from config.settings import load_settings
from onestop.demo import running_demo, start_callers
from ticketing.model import SmsOut, Ticket, TicketCall
from ticketing.store import Store


def test_calls_become_dispatched_tickets_through_the_desk(tmp_path: Path, db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> list:  # type: ignore[type-arg]
        async with running_demo(settings, tmp_path, ("ami", "agi", "web", "modem", "printer"), time_scale=0.05,
                                robots=("li", "wang"), robot_delay_s=1.0) as demo:
            async with asyncio.timeout(20):  # both operators at their desks before the phones ring
                while len(demo.wiring.hub.clients()) < 2:
                    await asyncio.sleep(0.05)
            callers = start_callers(demo, calls=6, peak_gap_s=0.1)
            async with asyncio.timeout(60):
                while len(callers.results) < 6:
                    await asyncio.sleep(0.1)
                robots = [demo.extras["robot:li"], demo.extras["robot:wang"]]
                answered = [r for r in callers.results if r.outcome == "answered"]
                while sum(len(r.created) for r in robots) < len(answered):
                    await asyncio.sleep(0.1)
                # field workers answer by SMS: accepted, arrived, done
                store = demo.core.store
                while True:
                    with store.session() as s:
                        open_work = s.scalars(select(Ticket).where(
                            Ticket.status.in_(("dispatched", "in_progress")))).all()
                        dispatched = s.scalars(select(Ticket).where(Ticket.dispatched_at.is_not(None))).all()
                    if dispatched and not open_work:
                        break
                    await asyncio.sleep(0.2)
                demo.extras["printer"].wait_for_jobs(len(dispatched), timeout=10)
                slips = len(demo.extras["printer"].jobs)
            return answered, slips

    answered, slips = asyncio.run(run())
    assert answered, "no call was answered"
    store = Store(db_url)
    with store.session() as s:
        linked = set(s.scalars(select(TicketCall.uniqueid)))
        assert {r.uniqueid for r in answered} <= linked
        tickets = s.scalars(select(Ticket)).all()
        assert all(t.operator in ("li", "wang") for t in tickets)
        dispatched = [t for t in tickets if t.dispatched_at is not None]
        assert dispatched and all(t.status == "done" for t in dispatched)
        orders = s.scalars(select(SmsOut).where(SmsOut.kind == "work_order")).all()
        assert len(orders) == len(dispatched)
        assert all(o.status in ("sent", "delivered") for o in orders)
        confirms = s.scalars(select(SmsOut).where(SmsOut.kind == "confirm")).all()
        assert len(confirms) == 3 * len(dispatched)  # 接单, 到达, 完成 each confirmed
        assert slips == len(dispatched)
    store.dispose()
