"""The production wiring end to end: emulated PBX → AMI listener + FastAGI IVR → pop on the
desk hub → call log in the store."""

from __future__ import annotations

import asyncio
from typing import Any

from config.settings import load_settings
from onestop.app import build_center
from onestop.core import build_core
from onestop.pbx import CallScript, EmulatedPbx
from ticketing.calls import list_calls
from ticketing.fakes import PlainComposer
from ticketing.model import Location, OrgUnit, PhoneEntry
from ticketing.store import Store


def _settings(db_url: str, ami_port: int, tmp: str) -> Any:
    return load_settings(environ={
        "ONESTOP_DATABASE_URL": db_url, "ONESTOP_DATA_DIR": tmp,
        "ONESTOP_AMI_PORT": str(ami_port), "ONESTOP_AMI_SECRET": "demo",
        "ONESTOP_AMI_OPERATORS": '[{"interface": "Local/101@agents/n", "name": "Operator Li", "login": "li"},'
                                 ' {"interface": "Local/102@agents/n", "name": "Operator Wang", "login": "wang"}]',
        "ONESTOP_AGI_PORT": "0", "ONESTOP_WEB_PORT": "0",
        "ONESTOP_AGI_HOURS": "always",  # the desk is staffed whatever time the suite runs
    })


def test_a_call_pops_on_the_operators_desk_and_lands_in_the_call_log(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        s.add(OrgUnit(code="D01", name="心内科"))
        s.add(Location(code="10305", campus="本部", building="1号楼", floor="3", room="305", org_code="D01"))
        s.add(PhoneEntry(number="6123", person="张护士", org_code="D01", location_code="10305"))

    async def run() -> tuple[list[dict[str, Any]], Any]:
        pbx = EmulatedPbx(time_scale=0.05)
        ami_port = await pbx.start()
        settings = _settings(str(store.engine.url.render_as_string(hide_password=False)), ami_port, str(tmp_path))
        core = build_core(settings, composer=PlainComposer(), store=store, upgrade=False)
        wiring = build_center(core, ("ami", "agi"))
        await wiring.center.start()
        pbx.agi_port = wiring.parts["agi"].port
        li = wiring.hub.subscribe("li", "operator")
        wang = wiring.hub.subscribe("wang", "operator")
        await wiring.parts["ami"].listener.client.wait_ready(5)
        result = await pbx.place_call(CallScript("6123", "Nurse Zhang <script>", ["1"]))
        pops: list[dict[str, Any]] = []
        async with asyncio.timeout(5):
            # the first pop may go out before the directory lookup returns (context_pending);
            # the desk then gets an update with the context — wait for that one
            while len(pops) < 2 or not any(p["context"] for p in pops):
                for client in (li, wang):
                    while not client.queue.empty():
                        msg = client.queue.get_nowait()
                        if msg["type"] == "pop":
                            pops.append(msg["data"] | {"_login": client.login})
                await asyncio.sleep(0.02)
        listener = wiring.parts["ami"].listener
        await listener.flush()
        await wiring.center.stop()
        await pbx.stop()
        return pops, result

    pops, result = asyncio.run(run())
    assert result.outcome == "answered"
    login = {"Operator Li": "li", "Operator Wang": "wang"}[result.agent]
    assert {p["_login"] for p in pops} == {login}
    assert all(p["context_pending"] == (p["context"] is None) for p in pops)
    pop = next(p for p in pops if p["context"])
    assert pop["caller_num"] == "6123" and pop["ivr_choice"] == "repair"
    assert pop["caller_name"] == "Nurse Zhang <script>"  # untrusted text is data; the desk escapes it
    assert pop["context"]["person"] == "张护士" and pop["context"]["location"]["room"] == "305"
    with store.session() as s:
        calls = list_calls(s)
    assert len(calls) == 1
    assert (calls[0]["uniqueid"], calls[0]["service_type"], calls[0]["outcome"]) == (
        result.uniqueid, "repair", "answered")


def test_the_ivr_follows_the_calendar_unless_the_desk_is_always_staffed(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from onestop.app import IvrPart
    from ticketing.fakes import FixedClock

    night = FixedClock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # Monday 23:00 in Shanghai
    url = str(store.engine.url.render_as_string(hide_password=False))
    for hours, open_ in (("calendar", False), ("always", True)):
        settings = _settings(url, 1, str(tmp_path)).model_copy(deep=True)
        settings.agi.hours = hours
        core = build_core(settings, clock=night, composer=PlainComposer(), store=store, upgrade=False)
        hotline = IvrPart(core, None).app.server.routes["ivr"]
        assert hotline._open() is open_, hours
