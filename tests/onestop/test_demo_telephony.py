"""The demo shows the telephony: a worker who ignores the work order SMS is called and accepts
on the phone, hotline calls are recorded and playable by a lead, the wallboard's queue panel
counts them, and an operator calls a reporter back from the ticket."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from config.settings import load_settings
from onestop.actors import DeskRobot
from onestop.demo import DEMO_PASSWORD, running_demo
from onestop.pbx import CallScript
from ticketing.model import Staff
from ticketing.model_calls import OutboundCall
from ticketing.service import NewTicket


async def until(cond: Any, timeout: float = 30.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (got := cond()):
            await asyncio.sleep(0.05)
    return got


def test_the_demo_calls_a_worker_who_ignores_the_sms(tmp_path: Path, db_url: str) -> None:
    settings = load_settings(environ={"ONESTOP_DATABASE_URL": db_url, "ONESTOP_WEB_PORT": "0"})

    async def run() -> dict[str, Any]:
        async with running_demo(settings, tmp_path, ("ami", "agi", "web", "modem", "printer"), time_scale=0.05,
                                robots=(), phone_only_workers=1) as demo:
            core, pbx = demo.core, demo.pbx
            (number,) = demo.extras["phone_only"]
            with core.store.session() as s:
                worker = s.scalar(select(Staff.code).where(Staff.phone == number))
            await demo.wiring.parts["ami"].listener.client.wait_ready(10)
            t = core.service.accept("li", NewTicket(service_type="repair", location_code="", reporter_phone="13900139000",
                                                    description="灯不亮"))
            core.service.dispatch("li", t.id, [worker], print_slip=False)
            view = await until(lambda: (v := core.service.get(t.id)).worker_accepted_at and v)
            call = await pbx.place_call(CallScript("6123", "Nurse Zhang", ["1"], talk_s=1))
            out: dict[str, Any] = {"worker": worker, "view": view, "originated": list(pbx.originated), "call": call}
            async with httpx.AsyncClient(base_url=demo.url, timeout=30) as lead, \
                    httpx.AsyncClient(base_url=demo.url, timeout=30) as li:
                await DeskRobot(demo.url, "lead", DEMO_PASSWORD).log_in(lead)
                csrf = await DeskRobot(demo.url, "li", DEMO_PASSWORD).log_in(li)
                for _ in range(200):
                    q = (await lead.get("/api/queue")).json()
                    if q.get("answered_today"):
                        break
                    await asyncio.sleep(0.05)
                out["queue"] = q
                rec = await lead.get(f"/api/recordings/{call.uniqueid}")
                out["recording"] = (rec.status_code, rec.headers.get("content-type"), rec.content[:4])
                placed = await li.post(f"/api/tickets/{t.id}/call", json={"target": "reporter"},
                                       headers={"X-CSRF-Token": csrf})
                out["placed"] = placed.status_code

                def call_done() -> OutboundCall | None:
                    with core.store.session() as s:
                        return s.scalar(select(OutboundCall).where(OutboundCall.kind == "desk",
                                                                   OutboundCall.status == "done"))
                out["desk_call"] = await until(call_done)
            return out

    out = asyncio.run(run())
    assert out["view"].workers == ((out["worker"], "accepted"),)
    assert ("worker_accept", f"ivr:{out['worker']}") in [(e.action, e.actor) for e in out["view"].timeline]
    assert out["originated"][0][0] == "worker-out" and out["originated"][0][2] == "answered"
    assert out["queue"]["answered_today"] == 1 and out["queue"]["service_level"] == 1.0
    assert out["recording"] == (200, "audio/wav", b"RIFF")
    assert out["placed"] == 202
    assert (out["desk_call"].outcome, out["desk_call"].extension) == ("answered", "101")
