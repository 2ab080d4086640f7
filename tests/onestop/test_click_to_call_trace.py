"""Click-to-call through the production wiring against what a real Asterisk answered
(click_to_call): the operator's phone rings, then the reporter's; the call lands on the
ticket — linked, on the timeline, answered, with its talk time."""

from __future__ import annotations

import asyncio
import threading
import time
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from config.settings import Settings
from cti.listener import AmiOriginator, CtiListener
from cti.responder import ActionReplay
from onestop.core import build_core
from onestop.telephony import OUTBOUND_EVENTS, DeskTelephony
from tests.conftest import TRACES
from tests.cti.test_outbound_legs import UID, stream
from tests.onestop.test_center import _settings
from tests.ticketing.factories import small_hospital
from ticketing.fakes import PlainComposer
from ticketing.model import AuditLog, TicketCall
from ticketing.model_calls import OutboundCall
from ticketing.service import NewTicket
from ticketing.store import Store


def test_the_recorded_click_to_call_lands_on_the_ticket(store: Store, tmp_path: Any) -> None:
    small_hospital(store)

    async def go() -> tuple[int, int]:
        server = ActionReplay.from_folder(TRACES / "click_to_call", gate_timeout_s=10.0)
        port = await server.start()
        settings = _settings(str(store.engine.url.render_as_string(hide_password=False)), port, str(tmp_path))
        core = build_core(settings, composer=PlainComposer(), store=store, upgrade=False)
        listener = CtiListener.from_settings(settings.ami, extra_events=OUTBOUND_EVENTS, boot_wait_s=0.1)
        tel = DeskTelephony(core, listener, AmiOriginator(listener.client))
        await listener.start()
        try:
            await listener.client.wait_ready(5)
            tid = core.service.accept("li", NewTicket(service_type="repair", location_code="10305",
                                                      reporter_phone="13900139000")).id
            placed = core.service.desk_call("li", tid, "reporter", "13900139000", "101")
            tel.click_to_call(placed["id"], placed["action_id"], "101", "13900139000", tid)
            async with asyncio.timeout(20):
                while True:
                    await tel.drain()
                    with store.session() as s:
                        if s.get(OutboundCall, placed["id"]).status == "done":  # type: ignore[union-attr]
                            break
                    await asyncio.sleep(0.05)
            assert server.stalled is None
        finally:
            await listener.stop()
            await server.close()
        return tid, placed["id"]

    tid, call_id = asyncio.run(go())
    with store.session() as s:
        call = s.get(OutboundCall, call_id)
        assert call is not None
        assert (call.status, call.outcome, call.reason, call.uniqueid) == (
            "done", "answered", "DialStatus ANSWER", "1796444370.83")
        assert call.answered_at is not None and call.talk_s is not None
        linked = s.scalars(select(TicketCall.uniqueid).where(TicketCall.ticket_id == tid)).all()
        notes = [(a.action, (a.after or {}).get("note")) for a in s.scalars(
            select(AuditLog).where(AuditLog.entity == "ticket", AuditLog.entity_key == str(tid))
            .order_by(AuditLog.id))]
    assert linked == ["1796444370.83"]
    assert ("call_out", "101 → reporter") in notes
    assert ("call_result", "reporter: answered (DialStatus ANSWER)") in notes


def test_a_call_answered_and_ended_at_once_is_stored_answered_then_ended() -> None:
    """Both far-leg events already in when the call is watched (OriginateResponse came after
    them, as it may): the answer is stored before the end however slowly its write runs,
    and the call is not recorded unanswered."""
    stored: list[tuple[str, str]] = []
    lock = threading.Lock()

    class Service:
        def desk_call_result(self, call_id: int, stage: str, outcome: str, *rest: Any) -> None:
            if stage == "far":
                time.sleep(0.3)  # a slow write (a loaded machine, a busy database)
            with lock:
                stored.append((stage, outcome))

    async def go() -> None:
        listener = SimpleNamespace(client=SimpleNamespace(subscribe=lambda handler: None),
                                   on_counters=[], on_record=[])
        tel: DeskTelephony

        class Originator:
            ready = True

            async def place(self, request: Any) -> Any:
                for m, t in stream():  # every recorded event, before the call is watched
                    tel.legs.handle([m], t)  # type: ignore[list-item]
                return SimpleNamespace(outcome="answered", detail="", uniqueid=UID)

        tel = DeskTelephony(SimpleNamespace(settings=Settings(), service=Service()), listener, Originator())
        try:
            tel.click_to_call(7, "a-7", "101", "13900139000", 1)
            await asyncio.sleep(0.05)
            await tel.drain()
        finally:
            tel.close()

    asyncio.run(go())
    assert stored == [("operator", "answered"), ("far", "answered"), ("ended", "")]
