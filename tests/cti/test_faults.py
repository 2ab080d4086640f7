"""Hostile and broken AMI input over a real socket: logged, survived, nothing else lost."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from cti.fakes import RecordingPopPublisher
from cti.listener import CtiListener
from cti.replay import ReplayServer, TraceEvent, load_trace
from tests.cti.helpers import KEYS, ami_settings, expected, trace_dir

HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    "O'Brien \"the\" `boss`",
    "'; DROP TABLE call_record; --",
    "bell\x07esc\x1b[31mred\x00nul\u202eevil",
    "长" * 500,
]


def call_events(uid: str, name: str, num: str = "6999") -> list[bytes]:
    base = (f"Channel: IAX2/x-{uid}\r\nCallerIDNum: {num}\r\nCallerIDName: {name}\r\n"
            f"Context: from-pstn\r\nExten: 6001\r\nUniqueid: {uid}\r\nLinkedid: {uid}\r\n")
    agent = "Queue: hotline\r\nInterface: Local/101@agents/n\r\nMemberName: Operator Li\r\n"
    return [f"Event: Newchannel\r\n{base}\r\n".encode(),
            f"Event: VarSet\r\n{base}Variable: SERVICE_TYPE\r\nValue: repair\r\n\r\n".encode(),
            f"Event: QueueCallerJoin\r\n{base}Queue: hotline\r\nPosition: 1\r\n\r\n".encode(),
            f"Event: AgentCalled\r\n{base}{agent}\r\n".encode(),
            f"Event: AgentConnect\r\n{base}{agent}HoldTime: 2\r\n\r\n".encode(),
            f"Event: Hangup\r\n{base}Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n".encode()]


def run_stream(chunks: list[bytes], **listener_kw: Any) -> tuple[CtiListener, ReplayServer]:
    async def go() -> tuple[CtiListener, ReplayServer]:
        server = ReplayServer([TraceEvent(0.0, c) for c in chunks], track_state=False)
        port = await server.start()
        listener = CtiListener.from_settings(ami_settings(port=port, reconnect_min_s=0.02),
                                             **listener_kw)
        await listener.start()
        try:
            await asyncio.wait_for(server.done.wait(), 20)
            await listener.client.wait_ready(10)
            await listener.client.action("Ping")
            await listener.flush()
        finally:
            await listener.stop()
            await server.close()
        return listener, server
    return asyncio.run(go())


def good_calls() -> list[bytes]:
    return [TraceEvent(0, e.raw).raw for e in load_trace(trace_dir("repair_answered"))]


def summaries(listener: CtiListener) -> list[dict[str, Any]]:
    return [{k: r.summary()[k] for k in KEYS} for r in listener.finished]


@pytest.mark.parametrize("bad", [
    b"this is not an AMI message at all\r\nnor this\r\n\r\n",
    b"Event: Newchannel\r\nUniqueid\r\n: \r\n\r\n",
    b"Event: Hangup\r\nUniqueid: 1795487664.5\xff\xfe\r\nCause-txt: \xc3\x28\r\n\r\n",
    b"Event: Huge\r\nData: " + b"A" * (1024 * 1024 + 1) + b"\r\n\r\n",
    b"\r\n\r\n\r\n\r\n",
    b"Event: AgentCalled\r\nUniqueid: nowhere\r\nMemberName: \r\n\r\n",
])
def test_garbage_between_real_events_is_logged_and_skipped(bad: bytes, caplog: pytest.LogCaptureFixture) -> None:
    events = good_calls()
    stream = events[:40] + [bad] + events[40:]
    with caplog.at_level(logging.WARNING):
        listener, _ = run_stream(stream)
    assert summaries(listener) == expected("repair_answered")
    assert listener.client.stats["logins"] == 1  # never disconnected


def test_non_utf8_and_oversize_leave_clear_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    # Event names the listener decodes (others are skipped undecoded, by design).
    stream = [b"Event: Newchannel\r\nA: \xff\r\n\r\n",
              b"Event: Hangup\r\nD: " + b"x" * (1 << 20) + b"\r\n\r\n"]
    with caplog.at_level(logging.WARNING, logger="cti.protocol"):
        run_stream(stream + good_calls())
    assert "neither UTF-8 nor GB18030" in caplog.text and "AMI: dropp" in caplog.text


def test_hostile_caller_names_are_bounded_clean_and_uninterpreted() -> None:
    pops = RecordingPopPublisher()
    stream: list[bytes] = []
    for i, name in enumerate(HOSTILE_NAMES):
        stream += call_events(f"5000.{i}", name)
    listener, _ = run_stream(stream + good_calls(), pops=pops)
    names = [r.caller_name for r in listener.finished]
    # The record keeps what Asterisk sent (the store bounds it); "\x00" is kept as sent too.
    assert names[:5] == HOSTILE_NAMES and names[5] == "Nurse Zhang"
    shown = {p["call_id"]: p["caller_name"] for _, p in pops.pops}
    assert shown["5000.0"] == "<script>alert(1)</script>"  # not escaped: the display does that
    assert shown["5000.1"] == "O'Brien \"the\" `boss`"
    assert shown["5000.2"] == "'; DROP TABLE call_record; --"
    assert shown["5000.3"] == "bellesc[31mrednulevil"
    assert shown["5000.4"] == "长" * 63 + "…"
    assert all(len(v) <= 64 for v in shown.values())


def test_a_raising_subscriber_does_not_kill_the_reader(caplog: pytest.LogCaptureFixture) -> None:
    class Boom:
        def publish_pop(self, login: str, payload: dict[str, Any]) -> None:
            raise RuntimeError("desk exploded")

    with caplog.at_level(logging.ERROR):
        listener, _ = run_stream(good_calls() + call_events("6000.1", "after"), pops=Boom())
    assert [r.caller_name for r in listener.finished] == ["Nurse Zhang", "after"]
    assert "desk exploded" in caplog.text
