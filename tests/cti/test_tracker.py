"""Call tracking straight from recorded messages: records, pops, counters, idempotence."""

from __future__ import annotations

import random

import pytest

from cti.protocol import Message
from cti.tracker import CallFinished, CallTracker, CountersChanged, Pop, Snapshot, TrackerEvent
from tests.cti.helpers import SCENARIOS, expected, messages, tracker


def run(msgs: list[Message], t: CallTracker | None = None) -> tuple[CallTracker, list[TrackerEvent]]:
    t = t or tracker()
    out: list[TrackerEvent] = []
    for i, m in enumerate(msgs):
        out += t.handle(m, 1000.0 + i * 0.01)
    return t, out


def summaries(events: list[TrackerEvent]) -> list[dict[str, object]]:
    recs = [e.record.summary() for e in events if isinstance(e, CallFinished)]
    return sorted(recs, key=lambda r: str(r["uniqueid"]))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_trace_gives_its_calls(scenario: str) -> None:
    t, events = run(messages(scenario))
    assert summaries(events) == sorted(expected(scenario), key=lambda r: str(r["uniqueid"]))
    assert not t.calls  # every call finished


def test_pops_ringing_then_connected_to_the_right_login() -> None:
    _, events = run(messages("repair_answered"))
    pops = [e for e in events if isinstance(e, Pop)]
    assert [(p.stage, p.login, p.member_name) for p in pops] == [
        ("ringing", "wang", "Operator Wang"), ("connected", "wang", "Operator Wang")]
    assert pops[0].variables["SERVICE_TYPE"] == "repair" and pops[0].caller_name == "Nurse Zhang"
    assert pops[1].wait_s == 3


def test_counters_follow_queue_and_operators() -> None:
    _, events = run(messages("abandoned_in_queue"))
    counters = [e for e in events if isinstance(e, CountersChanged)]
    assert [c.calls_waiting for c in counters if c.calls_waiting] == [1]
    paused = next(c for c in counters if c.operators["Operator Wang"]["state"] == "paused")
    assert paused.operators["Operator Wang"]["reason"] == "lunch"
    assert counters[-1].calls_waiting == 0
    assert counters[-1].operators["Operator Li"]["state"] == "idle"


def test_concurrent_counters_peak_and_longest_wait() -> None:
    t, events = run(messages("concurrent_six"))
    waiting = [e.calls_waiting for e in events if isinstance(e, CountersChanged)]
    assert max(waiting) == 5 and waiting[-1] == 0  # Caller 5 joined at position 5
    assert t.counters().longest_wait_s == 0.0


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_event_twice_changes_nothing(scenario: str) -> None:
    doubled = [m for m in messages(scenario) for _ in (0, 1)]
    _, events = run(doubled)
    assert summaries(events) == sorted(expected(scenario), key=lambda r: str(r["uniqueid"]))
    _, once = run(messages(scenario))
    assert sum(isinstance(e, Pop) for e in events) == sum(isinstance(e, Pop) for e in once)


def test_reordered_events_still_build_the_calls() -> None:
    msgs = messages("concurrent_six")
    rng = random.Random(7)
    # Shuffle within small windows, keeping each inbound Hangup after the call's other events.
    hangups = {m.get("Uniqueid") for m in msgs if m.event == "Hangup"}
    shuffled: list[Message] = []
    for i in range(0, len(msgs), 6):
        window = msgs[i:i + 6]
        body = [m for m in window if m.event != "Hangup"]
        rng.shuffle(body)
        shuffled += body + [m for m in window if m.event == "Hangup"]
    assert hangups
    _, events = run(shuffled)
    assert summaries(events) == sorted(expected("concurrent_six"), key=lambda r: str(r["uniqueid"]))


def test_newchannel_lost_any_inbound_event_starts_the_call() -> None:
    msgs = [m for m in messages("repair_answered") if m.event != "Newchannel"]
    _, events = run(msgs)
    assert summaries(events) == expected("repair_answered")


def test_other_channels_are_ignored() -> None:
    t, events = run(messages("survey_callback"))
    assert not [e for e in events if isinstance(e, CallFinished | Pop)]


def test_chanvariable_headers_carry_the_ivr_choice() -> None:
    t = tracker()
    base = {"Channel": "PJSIP/trunk-1", "Context": "from-pstn", "Exten": "6001",
            "Uniqueid": "1.1", "Linkedid": "1.1", "CallerIDNum": "6123", "CallerIDName": "X"}
    t.handle(Message.from_headers({"Event": "Newchannel", **base}), 1.0)
    t.handle(Message.from_headers([("Event", "QueueCallerJoin"), *base.items(), ("Queue", "hotline"),
                                   ("Position", "1"), ("ChanVariable", "SERVICE_TYPE=meals"),
                                   ("ChanVariable", "LOCATION_CODE=A0305")]), 2.0)
    events = t.handle(Message.from_headers({"Event": "Hangup", **base, "Cause-txt": "Normal Clearing"}), 9.0)
    record = next(e.record for e in events if isinstance(e, CallFinished))
    assert record.service_type == "meals" and record.extra["variables"]["LOCATION_CODE"] == "A0305"
    assert record.outcome == "abandoned" and record.hangup_cause == "Normal Clearing"


def test_hold_and_transfer_are_recorded() -> None:
    t = tracker()
    base = {"Channel": "PJSIP/trunk-1", "Context": "from-pstn", "Exten": "6001",
            "Uniqueid": "2.1", "Linkedid": "2.1"}
    t.handle(Message.from_headers({"Event": "Newchannel", **base}), 1.0)
    t.handle(Message.from_headers({"Event": "Hold", **base}), 2.0)
    t.handle(Message.from_headers({"Event": "Hold", **base}), 2.1)  # duplicate
    t.handle(Message.from_headers({"Event": "Unhold", **base}), 3.0)
    t.handle(Message.from_headers({"Event": "BlindTransfer", "TransfererLinkedid": "2.1",
                                   "Extension": "8100", "Context": "internal", "Result": "Success"}), 4.0)
    events = t.handle(Message.from_headers({"Event": "Hangup", **base}), 5.0)
    record = next(e.record for e in events if isinstance(e, CallFinished))
    assert record.extra["holds"] == 1
    assert record.extra["transfers"] == [{"kind": "blind", "to": "8100", "context": "internal",
                                          "result": "Success"}]


def test_reconcile_finishes_calls_gone_and_starts_calls_missed() -> None:
    msgs = messages("concurrent_six")
    t, _ = run(msgs[:200])
    live = set(t.calls)
    assert len(live) >= 3
    gone = sorted(live)[0]
    t.begin_reconcile()
    channels = [Message.from_headers({"Event": "CoreShowChannel", "Uniqueid": uid, "Linkedid": uid,
                                      "Context": "from-pstn", "Extension": "6001", "Duration": "00:00:05"})
                for uid in sorted(live)[1:] + ["9.99"]]
    events = t.end_reconcile(Snapshot(channels=channels), 2000.0)
    finished = [e.record for e in events if isinstance(e, CallFinished)]
    assert [r.uniqueid for r in finished] == [gone] and finished[0].extra["reconciled"]
    assert "9.99" in t.calls and t.calls["9.99"].started_at == 1995.0
    # The call the snapshot missed because it began after the reconcile started survives.
    t.begin_reconcile()
    t.handle(Message.from_headers({"Event": "Newchannel", "Uniqueid": "9.100", "Linkedid": "9.100",
                                   "Context": "from-pstn", "Exten": "6001"}), 2001.0)
    t.end_reconcile(Snapshot(channels=channels), 2002.0)
    assert "9.100" in t.calls
