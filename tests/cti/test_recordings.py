"""A recorded hotline call's file: MixMonitor's VarSet names it (before the call even counts as
a hotline call: 6002 records, then goes to 6001), MixMonitorStart alone gives <uniqueid>.wav
(an AMI user without the dialplan class sees no VarSet)."""

from __future__ import annotations

import json

from cti.tracker import CallFinished, CallTracker
from tests.cti.helpers import OPERATORS, messages, trace_dir

SCENARIO = json.loads((trace_dir("recorded_call") / "scenario.json").read_text(encoding="utf-8"))
PATH = SCENARIO["recording"]["path_in_asterisk"]


def finished(msgs: list) -> list:  # type: ignore[type-arg]
    tracker = CallTracker("from-pstn", ["6001"], OPERATORS)
    return [ev.record for m in msgs for ev in tracker.handle(m, 1.0) if isinstance(ev, CallFinished)]


def test_the_recording_is_on_the_call_record() -> None:
    (record,) = finished(messages("recorded_call"))
    assert record.extra["recording"] == PATH
    assert record.uniqueid == PATH.rsplit("/", 1)[1].removesuffix(".wav")


def test_without_varset_mixmonitorstart_names_the_file() -> None:
    msgs = [m for m in messages("recorded_call") if m.event != "VarSet" or m.get("Variable") != "MIXMONITOR_FILENAME"]
    (record,) = finished(msgs)
    assert record.extra["recording"] == f"{record.uniqueid}.wav"


def test_unrecorded_calls_have_none_and_nothing_is_kept_of_other_channels() -> None:
    tracker = CallTracker("from-pstn", ["6001"], OPERATORS)
    records = [ev.record for m in messages("repair_answered") for ev in tracker.handle(m, 1.0)
               if isinstance(ev, CallFinished)]
    assert records and all("recording" not in r.extra for r in records)
    for m in messages("recorded_call"):
        tracker.handle(m, 1.0)
    assert tracker._early_recordings == {}  # taken over by the call it belonged to
