"""The demo's field worker on a work order's page: an inspection round's order is completed
through its checklist (the plain 完成 is refused for it), a plain order with 完成 — over HTTP
against the real web app, as the phone's browser posts its forms."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from onestop.actors import FieldWorkers
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.maintenance import Maintenance
from ticketing.model import SmsOut
from ticketing.model_facilities import Equipment
from ticketing.service import NewTicket, WorkerReply
from ticketing.store import Store
from web.server import ThreadedServer

from ..ticketing.factories import small_hospital
from ..web.conftest import add_users
from ..web.mobile_rig import serving, sms_link


@pytest.fixture
def served(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
           tmp_path: Path) -> Iterator[tuple[Any, ThreadedServer]]:
    small_hospital(store)
    add_users(store)
    with serving(store, clock, catalog, calendar, tmp_path) as served:
        yield served


def oxygen_round(deps: Any) -> tuple[Maintenance, Any]:
    """The oxygen manifold's daily inspection plan, swept: its first round's order made (W001)."""
    with deps.store.session() as s:
        s.add(Equipment(code="O2-1", name="中心供氧汇流排", type="供氧", location_code="10305"))
    plans = Maintenance(deps.service)
    plans.create_plan("lead", {"code": "PM-O2", "name": "中心供氧每日巡检", "kind": "inspection",
                               "equipment_code": "O2-1", "unit": "day", "staff_code": "W001",
                               "checklist": ["压力表读数", "有无泄漏"]})
    [made] = plans.sweep()
    return plans, made


def test_the_demo_worker_checks_a_round_and_finishes_a_plain_order(served: Any) -> None:
    deps, server = served
    plans, made = oxygen_round(deps)
    round_link = server.url + sms_link(deps.store, "work_order", staff_code="W001")
    plain = deps.service.accept("li", NewTicket(service_type="repair", description="灯不亮",
                                                location_code="10305", reporter_phone="6123"))
    deps.service.dispatch("li", plain.id, ["W001"])
    plain_link = server.url + sms_link(deps.store, "work_order", staff_code="W001")
    workers = FieldWorkers(inbox=dict, reply=lambda _n, _t: None, scale=0.001)

    async def work() -> None:
        await workers._work_on_page(round_link, made.ticket_id)
        await workers._work_on_page(plain_link, plain.id)

    asyncio.run(work())
    assert workers.page_steps == [
        (made.ticket_id, "accept", 303), (made.ticket_id, "arrived", 303), (made.ticket_id, "round", 303),
        (plain.id, "accept", 303), (plain.id, "arrived", 303), (plain.id, "done", 303)]
    got = plans.round(made.ticket_id)
    assert got is not None and [i["ok"] for i in got["items"]] == [True, True]
    assert deps.service.get(made.ticket_id).status == "done" and deps.service.get(plain.id).status == "done"


def test_a_demo_worker_refused_a_rounds_sms_done_checks_it_on_the_page_it_was_sent(served: Any) -> None:
    """By SMS the round's 完成 is refused with the checklist's link; the demo's worker follows
    it, checks every item there and the round is done."""
    deps, server = served
    plans, made = oxygen_round(deps)
    tid = made.ticket_id
    texts: list[str] = []
    workers = FieldWorkers(inbox=lambda: {"+8613800000001": texts}, reply=lambda _n, _t: None, scale=0.001)
    out = deps.service.handle_inbound_sms("m1", "13800000001", f"完成 {tid}", WorkerReply("done", tid),
                                          deps.clock.now())
    assert out.outcome == "rejected"
    with deps.store.session() as s:
        answer = s.scalars(select(SmsOut.text).where(SmsOut.kind == "explain")).one()
    assert f"工单{tid}是巡检工单，还有2项(共2项)未检查" in answer and server.url + "/w/" in answer
    texts.append(answer)

    async def work() -> None:
        task = asyncio.create_task(workers.run(poll_s=0.01))
        deadline = asyncio.get_running_loop().time() + 20
        while not workers.page_steps and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        task.cancel()

    asyncio.run(work())
    assert workers.page_steps == [(tid, "round", 303)]
    assert deps.service.get(tid).status == "done"
