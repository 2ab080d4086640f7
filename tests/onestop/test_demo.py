"""The demo's world drives the production center: calls pop, the desk robot makes tickets
through the HTTP API, and they are dispatched."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from config.settings import load_settings
from onestop.demo import DEMO_PASSWORD, running_demo, start_callers
from tests.ticketing.factories import small_hospital
from ticketing.model import SmsOut, Ticket, TicketCall, User
from ticketing.store import Store
from web.security import hash_password

pytest.importorskip("modem.templates", reason="the SMS templates compose the work orders")


def _seed(url: str) -> None:
    store = Store(url)
    store.upgrade()
    small_hospital(store)
    with store.session() as s:
        for name, role in (("li", "operator"), ("wang", "operator")):
            s.add(User(username=name, role=role, password_hash=hash_password(DEMO_PASSWORD)))
    store.dispose()


def test_calls_become_dispatched_tickets_through_the_desk(tmp_path: Path, db_url: str) -> None:
    _seed(db_url)
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> list:  # type: ignore[type-arg]
        async with running_demo(settings, tmp_path, ("ami", "agi", "web"), time_scale=0.05,
                                robots=("li", "wang"), robot_delay_s=1.0) as demo:
            async with asyncio.timeout(20):  # both operators at their desks before the phones ring
                while len(demo.wiring.hub.clients()) < 2:
                    await asyncio.sleep(0.05)
            callers = start_callers(demo, calls=4, peak_gap_s=0.1)
            async with asyncio.timeout(40):
                while len(callers.results) < 4:
                    await asyncio.sleep(0.1)
                robots = [demo.extras["robot:li"], demo.extras["robot:wang"]]
                answered = [r for r in callers.results if r.outcome == "answered"]
                while sum(len(r.created) for r in robots) < len(answered):
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.5)
            return answered

    answered = asyncio.run(run())
    assert answered, "no call was answered"
    store = Store(db_url)
    with store.session() as s:
        linked = set(s.scalars(select(TicketCall.uniqueid)))
        assert {r.uniqueid for r in answered} <= linked
        tickets = s.scalars(select(Ticket)).all()
        assert all(t.operator in ("li", "wang") for t in tickets)
        dispatched = [t for t in tickets if t.status == "dispatched"]
        orders = s.scalars(select(SmsOut).where(SmsOut.kind == "work_order")).all()
        assert len(orders) == len(dispatched)
    store.dispose()
