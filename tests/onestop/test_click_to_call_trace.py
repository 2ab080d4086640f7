"""Click-to-call through the production wiring against what a real Asterisk answered
(click_to_call): the operator's phone rings, then the reporter's; the call lands on the
ticket — linked, on the timeline, answered, with its talk time."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select

from cti.listener import AmiOriginator, CtiListener
from cti.responder import ActionReplay
from onestop.core import build_core
from onestop.telephony import OUTBOUND_EVENTS, DeskTelephony
from tests.conftest import TRACES
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
