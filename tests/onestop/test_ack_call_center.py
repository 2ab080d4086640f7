"""The acknowledgement call through the production wiring: a worker who ignores the SMS work
order is called by the emulated PBX (AMI Originate → FastAGI ``ack``), and the ticket moves on
the key pressed, or goes to the next worker when nobody answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from onestop.app import build_center
from onestop.core import build_core
from onestop.pbx import EmulatedPbx
from tests.onestop.test_center import _settings
from tests.ticketing.factories import small_hospital
from ticketing.fakes import PlainComposer
from ticketing.model_calls import OutboundCall
from ticketing.service import NewTicket
from ticketing.store import Store


def run_center(store: Store, tmp: str, workers: dict[str, str],
               until: Callable[[Any], bool]) -> tuple[Any, EmulatedPbx, list[OutboundCall]]:
    small_hospital(store)

    async def go() -> tuple[Any, EmulatedPbx, list[OutboundCall]]:
        pbx = EmulatedPbx(time_scale=0.02)
        pbx.workers.update(workers)
        ami_port = await pbx.start()
        settings = _settings(str(store.engine.url.render_as_string(hide_password=False)), ami_port, tmp)
        settings.telephony.ack_after_s = 0.1
        settings.telephony.ack_poll_s = 0.05
        settings.telephony.ack_ring_s = 5
        core = build_core(settings, composer=PlainComposer(), store=store, upgrade=False)
        wiring = build_center(core, ("ami", "agi"))
        await wiring.center.start()
        pbx.agi_port = wiring.parts["agi"].port
        await wiring.parts["ami"].listener.client.wait_ready(5)
        try:
            t = core.service.accept("li", NewTicket(service_type="repair", location_code="10305",
                                                    reporter_phone="6123"))
            core.service.dispatch("li", t.id, ["W001"], print_slip=False)  # nobody answers the SMS
            async with asyncio.timeout(15):
                while not until(core.service.get(t.id)):
                    await asyncio.sleep(0.05)
            view = core.service.get(t.id)
        finally:
            await wiring.center.stop()
            await pbx.stop()
        with store.session() as s:
            from sqlalchemy import select

            rows = list(s.scalars(select(OutboundCall).order_by(OutboundCall.id)))
        return view, pbx, rows

    return asyncio.run(go())


def test_the_worker_presses_1_on_the_call_and_the_ticket_is_accepted(store: Store, tmp_path: Any) -> None:
    view, pbx, rows = run_center(store, str(tmp_path), {"13800000001": "1"},
                                 lambda v: v.worker_accepted_at is not None)
    assert view.workers == (("W001", "accepted"),)
    assert pbx.originated[0] == ("worker-out", "IAX2/pstn/13800000001", "answered")
    assert (rows[0].staff_code, rows[0].status, rows[0].outcome) == ("W001", "done", "accepted")
    steps = [(e.action, e.actor) for e in view.timeline]
    assert ("worker_accept", "ivr:W001") in steps and ("ack_call", "ivr:W001") in steps


@pytest.mark.parametrize("how,outcome,reason", [("busy", "busy", "Reason 5"),
                                                ("noanswer", "no_answer", "Reason 3")])
def test_a_busy_or_silent_worker_is_followed_by_the_next(store: Store, tmp_path: Any, how: str,
                                                         outcome: str, reason: str) -> None:
    view, pbx, rows = run_center(store, str(tmp_path), {"13800000001": how},
                                 lambda v: len(v.workers) == 2)
    assert [w for w, _ in view.workers] == ["W001", "W002"]
    assert (rows[0].outcome, rows[0].reason) == (outcome, reason)
    notes = [e.note for e in view.timeline if e.action == "ack_call"]
    assert notes == [f"W001: {outcome} ({reason}) → offered to W002"]
