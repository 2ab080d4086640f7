"""Every recorded FastAGI session, replayed against the server over TCP."""

from __future__ import annotations

import asyncio
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
    if path.parent.name == "hangup_during_ivr":
        assert rig.server.stats.hung_up == 1 and rig.server.stats.errors == 0
        assert "caller gone" in caplog.text
    else:
        assert rig.server.stats.completed == 1
    assert rig.server.stats.errors == 0
