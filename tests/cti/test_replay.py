"""Every recorded trace through the loopback AMI server into the real listener, over TCP."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from typing import Any

import pytest

from cti.fakes import DictContextLookup, MemoryCallSink, RecordingPopPublisher, RecordingWallboard
from cti.replay import load_trace, replay_calls
from tests.conftest import ROOT
from tests.cti.helpers import KEYS, SCENARIOS, ami_settings, expected, trace_dir


def replay(scenario: str, **kw: Any) -> tuple[list[dict[str, Any]], Any]:
    records, listener = asyncio.run(replay_calls(load_trace(trace_dir(scenario)), ami_settings(),
                                                 timeout_s=20, **kw))
    return [{k: r.summary()[k] for k in KEYS} for r in records], listener


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_replay_equals_calls_jsonl(scenario: str) -> None:
    got, listener = replay(scenario)
    assert got == expected(scenario)
    assert listener.stats["handler_errors"] == 0


def test_replay_with_ports_attached_pops_counters_and_call_log() -> None:
    pops, wall, sink = RecordingPopPublisher(), RecordingWallboard(), MemoryCallSink()
    lookup = DictContextLookup({"6123": {"person": "张护士", "department": "三病区"}})
    got, listener = replay("repair_answered", listener_kw={
        "pops": pops, "wallboard": wall, "sink": sink, "context": lookup})
    assert got == expected("repair_answered")
    assert [r.uniqueid for r in sink.records] == ["1795487664.5"]
    stages = [(login, p["stage"]) for login, p in pops.pops]
    assert ("wang", "ringing") in stages and ("wang", "connected") in stages
    first = pops.pops[0][1]
    assert first["call_id"] == "1795487664.5" and first["ivr_choice"] == "repair"
    assert first["caller_name"] == "Nurse Zhang" and first["queue"] == "hotline"
    with_context = [p for _, p in pops.pops if p["context"]]
    assert with_context and with_context[0]["context"]["person"] == "张护士"
    assert lookup.asked == ["6123"]  # prefetched once when the call started, then cached
    assert any(f["calls_waiting"] == 1 for f in wall.figures)
    assert wall.last["calls_waiting"] == 0 and wall.last["operators"]["Operator Wang"]["state"] == "idle"


@pytest.mark.parametrize("drop_after", [1, 150, 300, 333, 500])
def test_connection_dropped_mid_trace_and_back_no_call_lost_or_doubled(drop_after: int) -> None:
    got, listener = replay("concurrent_six", drop_after=drop_after)
    assert got == expected("concurrent_six")
    assert listener.client.stats["logins"] == 2


def test_outage_with_lost_events_is_repaired_by_the_reconcile() -> None:
    # Events 300..339 never reach us: Caller 1's QueueCallerLeave and AgentConnect among them.
    got, listener = replay("concurrent_six", drop_after=300, resume_at=340, speed=40.0)
    assert got == expected("concurrent_six")
    assert listener.stats["reconciles"] >= 2


def test_outage_over_a_whole_call_end_is_finished_by_the_reconcile() -> None:
    # Caller 1 hangs up during the outage (events 300..420 lost): the reconcile finishes it
    # once, the other five are exact.
    got, _ = replay("concurrent_six", drop_after=300, resume_at=420, speed=40.0)
    by_id = {c["uniqueid"]: c for c in got}
    assert len(got) == 6
    lost = by_id.pop("1795487725.17")
    assert lost["caller_num"] == "6101" and lost["service_type"] == "meals"
    assert list(by_id.values()) == [c for c in expected("concurrent_six")
                                    if c["uniqueid"] != "1795487725.17"]


def test_cli_replay_prints_calls_jsonl(tmp_path: Any) -> None:
    out = subprocess.run([sys.executable, "-m", "onestop", "cti", "replay",
                          str(trace_dir("concurrent_six") / "ami.jsonl")],
                         capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "ONESTOP_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    got = [{k: json.loads(line)[k] for k in KEYS} for line in out.stdout.splitlines()]
    assert got == expected("concurrent_six")
