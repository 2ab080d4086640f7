"""The far leg of a click-to-call from the recorded events (click_to_call): the number
answered, and the talk from its DialEnd to the Hangup, whether the watch comes before or
after those events."""

from __future__ import annotations

import json

from cti.outbound import OutboundLegs
from cti.protocol import AmiParser
from tests.conftest import TRACES

UID = "1796444370.83"  # the operator's Local channel, as OriginateResponse names it


def stream() -> list[tuple[object, float]]:
    out = []
    for line in (TRACES / "click_to_call" / "ami.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item.get("raw", "").startswith("Event: "):
            out.append((AmiParser(expect_banner=False).feed(item["raw"].encode())[0], item["t"]))
    return out


def recorded_talk() -> float:
    """From the trace itself: the far DialEnd (caller side is the Local channel) to its Hangup."""
    events = [(m, t) for m, t in stream() if m.get("Uniqueid") == UID]
    answered = next(t for m, t in events if m.event == "DialEnd" and m.get("DialStatus") == "ANSWER")
    hangup = next(t for m, t in events if m.event == "Hangup")
    return hangup - answered


def run(watch_after: int) -> tuple[list[tuple[str, str]], list[int | None]]:
    legs, far, ended = OutboundLegs("desk-out"), [], []
    legs.placing()
    for i, (m, t) in enumerate(stream()):
        if i == watch_after:
            legs.watch(UID, lambda o, d: far.append((o, d)), ended.append)
            legs.done()
        legs.handle([m], t)  # type: ignore[list-item]
    return far, ended


def test_answered_and_the_talk_time() -> None:
    far, ended = run(0)
    assert far == [("answered", "DialStatus ANSWER")]
    assert ended == [round(recorded_talk())] and ended[0] in (4, 5)


def test_events_before_the_watch_are_kept_and_applied() -> None:
    events = stream()
    last = max(i for i, (m, _t) in enumerate(events) if m.get("Uniqueid") == UID)  # type: ignore[attr-defined]
    far, ended = run(last + 1)  # watched only once everything happened
    assert far == [("answered", "DialStatus ANSWER")] and ended == [round(recorded_talk())]


def test_nothing_is_kept_when_no_call_is_being_placed() -> None:
    legs = OutboundLegs("desk-out")
    for m, t in stream():
        legs.handle([m], t)  # type: ignore[list-item]
    assert legs._early == {}


def test_a_hangup_without_an_answer_is_no_answer() -> None:
    legs, far, ended = OutboundLegs("desk-out"), [], []
    legs.watch("9.1", lambda o, d: far.append(o), ended.append)
    hangup = AmiParser(expect_banner=False).feed(
        b"Event: Hangup\r\nChannel: Local/101@agents-1;1\r\nContext: desk-out\r\nUniqueid: 9.1\r\n"
        b"Cause: 16\r\nCause-txt: Normal Clearing\r\n\r\n")
    legs.handle(hangup, 1.0)
    assert far == ["no_answer"] and ended == [None]
