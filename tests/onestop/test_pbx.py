"""The emulated PBX plays Asterisk's side against OneStop's real FastAGI server."""

from __future__ import annotations

import asyncio

import pytest

from config.settings import load_settings
from ivr.app import IvrApp
from onestop.pbx import CallScript, EmulatedPbx


async def _read_events(reader: asyncio.StreamReader, until: str, timeout: float = 5.0) -> list[dict[str, str]]:
    events: list[dict[str, str]] = []
    buf = b""
    async with asyncio.timeout(timeout):
        while True:
            buf += await reader.read(65536)
            while b"\r\n\r\n" in buf:
                raw, buf = buf.split(b"\r\n\r\n", 1)
                msg = dict(line.split(": ", 1) for line in raw.decode().split("\r\n") if ": " in line)
                events.append(msg)
                if msg.get("Event") == until:
                    return events




@pytest.mark.parametrize(("digit", "service"), [("1", "repair"), ("4", "oxygen"), ("0", "operator")])
def test_a_call_walks_the_real_ivr_and_the_queue(digit: str, service: str) -> None:
    async def run() -> None:
        app = IvrApp(load_settings(environ={}), host="127.0.0.1", port=0)
        port = await app.start()
        pbx = EmulatedPbx(agi_port=port, time_scale=0.01)
        ami = await pbx.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", ami)
        assert (await reader.readline()).startswith(b"Asterisk Call Manager/")
        writer.write(b"Action: Login\r\nUsername: onestop\r\nSecret: demo\r\nActionID: l1\r\n\r\n")
        await asyncio.sleep(0.05)
        result = await pbx.place_call(CallScript("6123", "Nurse Zhang", [digit]))
        events = await _read_events(reader, "Hangup")
        writer.close()
        await pbx.stop()
        await app.stop()
        assert result.outcome == "answered" and result.variables["SERVICE_TYPE"] == service
        names = [e.get("Event") or e.get("Response") for e in events]
        for needed in ("FullyBooted", "Newchannel", "QueueCallerJoin", "AgentCalled", "AgentConnect",
                       "AgentComplete", "Hangup"):
            assert needed in names
        varsets = {e["Variable"]: e["Value"] for e in events if e.get("Event") == "VarSet"}
        assert varsets["SERVICE_TYPE"] == service
        newchan = next(e for e in events if e.get("Event") == "Newchannel")
        assert (newchan["Context"], newchan["Exten"], newchan["CallerIDNum"]) == ("from-pstn", "6001", "6123")

    asyncio.run(run())


def test_a_caller_who_hangs_up_in_the_ivr_never_reaches_the_queue() -> None:
    async def run() -> None:
        app = IvrApp(load_settings(environ={}), host="127.0.0.1", port=0)
        port = await app.start()
        pbx = EmulatedPbx(agi_port=port, time_scale=0.01)
        await pbx.start()
        result = await pbx.place_call(CallScript("6240", "Ward 3B", [], hangup_in_ivr=True))
        await pbx.stop()
        await app.stop()
        assert result.outcome == "ended_in_ivr"

    asyncio.run(run())


def test_everyone_paused_means_the_caller_abandons() -> None:
    async def run() -> None:
        pbx = EmulatedPbx(agi_port=1, time_scale=0.01)
        for op in pbx.operators:
            op.paused = True
        await pbx.start()
        result = await pbx.place_call(CallScript("6240", "Ward 3B", ["3"], patience_s=5))
        await pbx.stop()
        assert result.outcome == "abandoned"

    asyncio.run(run())
