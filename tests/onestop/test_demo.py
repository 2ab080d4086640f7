"""The demo's world drives the production center: calls pop, the desk robot makes tickets
through the HTTP API, and they are dispatched."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from config.settings import load_settings
from onestop.demo import running_demo, start_callers
from ticketing.model import AuditLog, SmsOut, SurveyCall, Ticket, TicketCall
from ticketing.service import NewTicket
from ticketing.stats import wallboard
from ticketing.store import Store


def test_calls_become_dispatched_tickets_through_the_desk(tmp_path: Path, db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> list:  # type: ignore[type-arg]
        async with running_demo(settings, tmp_path, ("ami", "agi", "web", "modem", "printer"), time_scale=0.05,
                                robots=("li", "wang"), robot_delay_s=1.0) as demo:
            # the satisfaction call-back goes out as soon as a ticket is done; reporters press 5
            demo.core.service.options = replace(demo.core.service.options, survey_delay=timedelta(0))
            async with asyncio.timeout(60):  # both operators at their desks before the phones ring
                while len(demo.wiring.hub.clients()) < 2:
                    await asyncio.sleep(0.05)
            callers = start_callers(demo, calls=6, peak_gap_s=0.1)
            async with asyncio.timeout(180):  # deadlines, not expectations: a loaded CI machine
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
                        # meal orders wait for the ward head's SMS, then the robot dispatches them
                        ordering = [t for t in s.scalars(select(Ticket).where(Ticket.status == "accepted"))
                                    if (t.details or {}).get("approval")]
                    if dispatched and not open_work and not ordering:
                        break
                    await asyncio.sleep(0.2)
                demo.extras["printer"].wait_for_jobs(len(dispatched), timeout=60)
                slips = len(demo.extras["printer"].jobs)
                # the outbound IVR call-back asks each reporter for a score: 回访 → statistics
                while True:
                    with store.session() as s:
                        waiting = s.scalar(select(func.count()).select_from(Ticket).where(
                            Ticket.status == "done", Ticket.reporter_phone != ""))
                    if not waiting:
                        break
                    await asyncio.sleep(0.2)
                with store.session() as s:
                    board = wallboard(s, demo.core.clock.now(), demo.core.calendar.tz)
            return answered, slips, board, demo.extras["workers"].page_steps

    answered, slips, board, page_steps = asyncio.run(run())
    assert answered, "no call was answered"
    store = Store(db_url)
    with store.session() as s:
        linked = set(s.scalars(select(TicketCall.uniqueid)))
        assert {r.uniqueid for r in answered} <= linked
        tickets = s.scalars(select(Ticket)).all()
        assert all(t.operator in ("li", "wang") for t in tickets)
        dispatched = [t for t in tickets if t.dispatched_at is not None]
        assert dispatched and all(t.done_at is not None for t in dispatched)
        orders = s.scalars(select(SmsOut).where(SmsOut.kind == "work_order")).all()
        assert len(orders) == len(dispatched)
        assert all(o.status in ("sent", "delivered") for o in orders)
        # every other work order was worked on its page (the 1st, 3rd…), the others by SMS
        on_page = {t.id for t in dispatched if s.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.entity == "ticket", AuditLog.entity_key == str(t.id), AuditLog.actor.like("web:%")))}
        assert len(on_page) == (len(dispatched) + 1) // 2
        via_page = s.scalars(select(AuditLog).where(AuditLog.entity == "assignment")).all()
        assert sorted(a.action for a in via_page) == sorted(["link_accept", "link_arrived", "link_done"] * len(on_page))
        assert sorted(page_steps) == sorted((tid, step, 303) for tid in on_page for step in ("accept", "arrived", "done"))
        confirms = s.scalars(select(SmsOut).where(SmsOut.kind == "confirm")).all()
        to_workers = [c for c in confirms if not c.staff_code.startswith("H-")]  # not ward heads
        assert len(to_workers) == 3 * (len(dispatched) - len(on_page))  # 接单, 到达, 完成 by SMS, each confirmed
        asked = s.scalars(select(SmsOut).where(SmsOut.kind == "approval")).all()
        assert len(confirms) - len(to_workers) <= len(asked)  # each ward head's 同意 confirmed
        assert slips == len(dispatched)
        called_back = [t for t in dispatched if t.reporter_phone]
        assert called_back and all(t.status == "called_back" and t.satisfaction == 5 for t in called_back)
        assert {s.status for s in s.scalars(select(SurveyCall))} == {"done"}
    today = board["today"]["total"]
    assert today["created"] == len(tickets) and today["done"] == len(dispatched)
    assert today["satisfaction"] == 5.0 and today["completion_hit_rate"] is not None
    store.dispose()


def test_a_done_ticket_gets_its_satisfaction_call_back(tmp_path: Path, db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> dict:  # type: ignore[type-arg]
        async with running_demo(settings, tmp_path, ("ami", "agi"), time_scale=0.05) as demo:
            demo.core.service.options = replace(demo.core.service.options, survey_delay=timedelta(0))
            demo.pbx.survey_scores = {}  # the reporter presses 5 (the PBX's default)
            svc = demo.core.service
            t = svc.accept("li", NewTicket("repair", "灯不亮", reporter_phone="13812345678"))
            svc.complete("li", t.id, note="电话指导解决")
            async with asyncio.timeout(90):
                while svc.get(t.id).status != "called_back":
                    await asyncio.sleep(0.2)
            view = svc.get(t.id)
            with demo.core.store.session() as s:
                survey = s.scalar(select(SurveyCall).where(SurveyCall.ticket_id == t.id))
                return {"score": view.satisfaction, "survey": survey.status, "action": survey.action_id}

    got = asyncio.run(run())
    assert got["score"] == 5 and got["survey"] == "done"
    assert got["action"].startswith("survey-")
