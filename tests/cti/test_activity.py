"""Operators' time from the recorded queue_member_ops trace: pauses with their reasons, the
call Zhao talked and the wrap-up after it, each interval from the recorded times."""

from __future__ import annotations

import json

from cti.activity import Activity, OperatorClock
from cti.protocol import AmiParser
from cti.tracker import CallFinished, CallTracker, CountersChanged
from tests.cti.helpers import OPERATORS, trace_dir


def timed_events() -> list[tuple[object, float]]:
    out = []
    for line in (trace_dir("queue_member_ops") / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if (item.get("raw") or "").startswith("Event: "):
            out.append((AmiParser(expect_banner=False).feed(item["raw"].encode())[0], float(item["t"])))
    return out


def run(wrapup_s: float) -> list[Activity]:
    tracker, clock, out = CallTracker("from-pstn", ["6001"], OPERATORS), OperatorClock(wrapup_s), []
    for m, t in timed_events():
        for ev in tracker.handle(m, t):  # type: ignore[arg-type]
            if isinstance(ev, CountersChanged):
                out += clock.counters(ev.operators, t)
            elif isinstance(ev, CallFinished):
                out += clock.call(ev.record)
    return out + clock.tick(1e9)


def recorded(event: str, member: str, **match: str) -> list[float]:
    return [t for m, t in timed_events() if m.event == event and m.get("MemberName") == member  # type: ignore[attr-defined]
            and all(m.get(k) == v for k, v in match.items())]  # type: ignore[attr-defined]


def test_pauses_with_their_reasons() -> None:
    got = {(a.member, a.reason): (a.started_at.timestamp(), a.ended_at.timestamp())
           for a in run(5.0) if a.kind == "pause"}
    for member, reason in (("Operator Zhao", "培训"), ("Operator Li", "lunch"), ("Operator Wang", "lunch")):
        (start,) = recorded("QueueMemberPause", member, Paused="1")
        (end,) = recorded("QueueMemberPause", member, Paused="0")
        assert got[(member, reason)] == (start, end)
    assert len(got) == 3


def test_the_call_talked_and_the_wrapup_cut_short_by_the_logout() -> None:
    acts = run(5.0)
    (talk,) = [a for a in acts if a.kind == "talk"]
    (connect,) = [t for m, t in timed_events() if m.event == "AgentConnect"]  # type: ignore[attr-defined]
    (complete,) = [m for m, _ in timed_events() if m.event == "AgentComplete"]  # type: ignore[attr-defined]
    assert (talk.member, talk.login) == ("Operator Zhao", "")  # Zhao is not in the desk's map
    assert talk.started_at.timestamp() == connect
    assert talk.seconds == int(complete.get("TalkTime"))  # type: ignore[attr-defined]
    (wrap,) = [a for a in acts if a.kind == "wrapup"]
    (hangup,) = [t for m, t in timed_events() if m.event == "Hangup" and m.get("Uniqueid") == "1796444386.88"]  # type: ignore[attr-defined]
    (removed,) = recorded("QueueMemberRemoved", "Operator Zhao")
    assert (wrap.started_at.timestamp(), wrap.ended_at.timestamp()) == (hangup, removed)


def test_a_short_wrapup_ends_on_its_own() -> None:
    (wrap,) = [a for a in run(0.5) if a.kind == "wrapup"]
    assert round((wrap.ended_at - wrap.started_at).total_seconds(), 3) == 0.5


def test_after_call_pause_is_wrapup_and_a_reason_change_splits_the_pause() -> None:
    clock = OperatorClock(0)
    op = {"state": "paused", "paused": True, "login": "li"}
    out = clock.counters({"Li": {**op, "reason": "after_call"}}, 10.0)
    out += clock.counters({"Li": {**op, "reason": "lunch"}}, 40.0)
    out += clock.counters({"Li": {"state": "idle", "paused": False, "reason": "", "login": "li"}}, 100.0)
    assert [(a.kind, a.reason, a.seconds, a.login) for a in out] == [
        ("wrapup", "after_call", 30, "li"), ("pause", "lunch", 60, "li")]
