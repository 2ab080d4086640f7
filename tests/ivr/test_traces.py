"""Every recorded FastAGI session, replayed against the server over TCP."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from pathlib import Path

import pytest

from tests.conftest import TRACES
from tests.ivr.asterisk import RecordedChannel, run_call
from tests.ivr.rig import Rig

RECORDINGS = sorted(TRACES.glob("*/agi-*.jsonl"))


def test_there_are_recordings() -> None:
    assert len(RECORDINGS) >= 10


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_replay(path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def scenario() -> tuple[RecordedChannel, Rig]:
        async with Rig() as rig:
            ch = RecordedChannel(path)
            await run_call(rig.port, ch, ch.env)
            await rig.settle()  # the server finishes its side
            return ch, rig

    ch, rig = asyncio.run(scenario())
    assert ch.aligned >= 2, "the server should ask what the recorded one asked"
    if "SERVICE_TYPE" in ch.recorded_vars:  # the hotline: same service for the same key
        assert ch.set_vars["SERVICE_TYPE"] == ch.recorded_vars["SERVICE_TYPE"]
        assert ch.set_vars.get("QUEUE") or ch.dead
    if path.parent.name == "survey_callback":
        assert rig.surveys.results == {1042: (5, "")}
        assert ch.set_vars["SURVEY_SCORE"] == "5"
    if path.parent.name == "worker_ack_call":  # the worker pressed 1, then 2
        expected = {"agi-1": "accepted", "agi-2": "declined"}[path.stem]
        assert ch.set_vars["ACK_RESULT"] == ch.recorded_vars["ACK_RESULT"] == expected
        assert rig.acks.answers == [(1043, expected, None)]
        said = [c[2] for c in ch.commands if c[:2] == ["SAY", "DIGITS"]]
        assert said == ["1043", "10305"]  # the ticket number, then the room code
    if path.parent.name == "hangup_during_ivr":
        assert rig.server.stats.hung_up == 1 and rig.server.stats.errors == 0
        assert "caller gone" in caplog.text
    else:
        assert rig.server.stats.completed == 1
    assert rig.server.stats.errors == 0


def test_the_gbk_recording_carries_the_bytes_asterisk_sent() -> None:
    """The recorder wrote agi-1's caller name with U+FFFD only; the fixture adds ``raw_b64``
    with the bytes the AMI connection recorded for the same call (ami.raw) — checked here
    against both, so the replayed session sends what the trunk sent."""
    folder = TRACES / "gbk_callerid"
    rows = [json.loads(x) for x in (folder / "agi-1.jsonl").read_text(encoding="utf-8").splitlines()]
    (row,) = [r for r in rows if r["raw"].startswith("agi_calleridname: ")]
    sent = base64.b64decode(row["raw_b64"])
    assert sent.decode("utf-8", "replace") == row["raw"]  # what the recorder kept of it
    name = sent[len(b"agi_calleridname: "):-1]
    raw = (folder / "ami.raw").read_bytes()
    assert b"\r\nCallerIDNum: 6125\r\nCallerIDName: " + name + b"\r\n" in raw
    assert name == "张护士".encode("gbk")
