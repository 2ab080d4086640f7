"""The fast AMI parser equals the simple one (tests/cti/reference_parser.py).

``AmiParser`` keeps CRLF input as received and sorts whole batches of events by name in C;
it falls back to normalising every read at the first bare line feed. Whatever the input and
however it is cut into reads, both parsers must return the same messages from the same
``feed`` call and keep the same counters. The recorded traces are the input, cut at random
points, optionally damaged (bare line feeds, extra blank lines, stray carriage returns,
responses and ActionIDs, invalid UTF-8, GBK values, lines without a colon, header-less events, messages
over the size limit), with and without the event and VarSet filters.
"""

from __future__ import annotations

import logging
import operator
import random
import re
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cti.protocol import AmiParser, Message
from cti.replay import load_trace
from cti.tracker import DEFAULT_VARIABLES, CallFinished, CallTracker
from tests.conftest import TRACES
from tests.cti.helpers import KEYS, OPERATORS, expected
from tests.cti.reference_parser import SimpleAmiParser

SCENARIOS = sorted(p.name for p in TRACES.iterdir() if (p / "ami.raw").exists())
RAW = {s: (TRACES / s / "ami.raw").read_bytes() for s in SCENARIOS}
EVENTS = CallTracker().wanted_events | {"FullyBooted", "OriginateResponse"}
COUNTERS = ("skipped", "messages", "dropped_oversize", "decode_errors", "gb18030", "malformed",
            "banner")


def run(parser: AmiParser | SimpleAmiParser, data: bytes,
        cuts: list[int]) -> list[list[tuple[str, int]]]:
    out = []
    last = 0
    for cut in [*sorted(set(cuts)), len(data)]:
        out.append([(m.text, m.size) for m in parser.feed(data[last:cut])])
        last = cut
    return out


def assert_same(data: bytes, cuts: list[int], **kw: object) -> list[list[tuple[str, int]]]:
    fast, simple = AmiParser(**kw), SimpleAmiParser(**kw)  # type: ignore[arg-type]
    got, want = run(fast, data, cuts), run(simple, data, cuts)
    assert got == want
    for name in COUNTERS:
        assert getattr(fast, name) == getattr(simple, name), name
    return got


def sub(old: bytes, new: bytes, most: int = 5) -> Callable[[bytes, random.Random], bytes]:
    """Replace up to ``most`` occurrences of ``old``, picked at random."""
    def damage(data: bytes, rnd: random.Random) -> bytes:
        spots, i = [], data.find(old)
        while i >= 0:
            spots.append(i)
            i = data.find(old, i + len(old))
        chosen = sorted(rnd.sample(spots, min(len(spots), rnd.randint(1, most))))
        out, last = [], 0
        for i in chosen:
            out += [data[last:i], new]
            last = i + len(old)
        return b"".join([*out, data[last:]])
    return damage


DAMAGE = [
    sub(b"\r\n", b"\n", 40),  # bare line feeds, then CRLF
    sub(b"\r\n\r\n", b"\r\n\r\n\r\n"),  # extra blank lines
    sub(b"\r\n\r\nEvent: Newexten", b"\r\n\r\n\nEvent: Newexten", 2),
    sub(b"Uniqueid: ", b"Uniqueid:\r", 3),  # stray carriage returns
    sub(b"\r\nPrivilege: ", b"\r\nActionID: x-1\r\nPrivilege: ", 8),
    sub(b"\r\nUniqueid: ", b"\r\nActionID: x-2\r\nUniqueid: ", 8),
    sub(b"\r\n\r\nEvent: Newstate",
        b"\r\n\r\nResponse: Success\r\nActionID: 7\r\n\r\nEvent: Newstate", 2),
    sub(b"Channel: ", b"Channel: \xff\xfe", 3),  # not UTF-8
    sub(b"CallerIDName: ", b"CallerIDName: \xd5\xc5\xbb\xa4", 4),  # GBK
    sub(b"Value: ", b"Value: \x81\\\\\\'\xca\xbf", 4),  # GBK, a 0x5C trail byte, escaped
    sub(b"Variable: ", b"Variable: \xd5\xc5", 2),  # a variable named in GBK
    sub(b"\r\nContext: ", b"\r\nno colon here\r\nContext: "),
    sub(b"\r\nVariable: ", b"\r\nVariable:", 6),  # irregular VarSets
    sub(b"\r\n\r\nEvent: Newexten", b"\r\n\r\nEvent: Hangup\r\n\r\nEvent: Newexten", 2),
    sub(b"Linkedid: ", b"Linkedid: " + b"x" * 700, 2),  # long lines
    sub(b"\r\n", b"\r\r\n", 3),
    sub(b"Event: VarSet\r\n", b"Event: VarSet\r\nVariable: QUEUE\r\n", 3),
    sub(b"\r\nValue: ", b"\r\n\r\nEvent: VarSet\r\nValue: ", 3),  # Variable: last line
    sub(b"Event: VarSet\r\n", b"Event: VarSet\r\nActionID: 9\r\n", 5),
    sub(b"\r\n\r\nEvent: Newstate", b"\r\n\r\nEvent:Newstate", 2),  # not quite events
    sub(b"\r\n\r\nEvent: Newexten", b"\r\n\r\nEvent:!Newexten", 2),
    sub(b"\r\n\r\nEvent: DialEnd", b"\r\n\r\nEvent: ", 2),
    sub(b"\r\n\r\nEvent: DialBegin", b"\r\n\r\nEvent:\tDialBegin", 2),
    lambda d, r: b"\r\n" * r.randint(1, 3) + d,  # blank lines before the banner
    lambda d, r: b"\n" + d,
]


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[int], dict[str, object]]:
    # Sizes and damage come from a seeded Random: hypothesis would shrink them to nothing.
    rnd = random.Random(draw(st.integers(0, 2**32)))
    data = RAW[draw(st.sampled_from(SCENARIOS))]
    if rnd.random() < 0.7:
        start = rnd.randrange(len(data))
        data = data[start:start + rnd.randint(500, 30000)]
    for _ in range(rnd.choice([0, 1, 1, 2, 3, 5])):
        data = rnd.choice(DAMAGE)(data, rnd)
    cuts = [rnd.randint(0, len(data)) for _ in range(rnd.choice([0, 1, 5, 30, 200]))]
    if rnd.random() < 0.5:  # reads cut right around the blank lines
        cuts += [i + rnd.randint(-4, 4) for i in range(0, len(data), rnd.randint(2, 900))
                 if data.startswith(b"\r\n\r\n", i)]
    kw: dict[str, object] = {"expect_banner": draw(st.booleans())}
    filt = draw(st.sampled_from(["none", "tracker", "tracker+vars", "tracker+vars", "vars",
                                 "some"]))
    if filt in ("tracker", "tracker+vars"):
        kw["events"] = EVENTS
    if filt in ("tracker+vars", "vars"):
        kw["variables"] = DEFAULT_VARIABLES
    if filt == "some":
        kw["events"] = set(rnd.sample(sorted(EVENTS | {"Newexten", "Hold"}), rnd.randint(0, 12)))
        kw["variables"] = set(rnd.sample([*DEFAULT_VARIABLES, "BRIDGEPEER", ""], rnd.randint(0, 5)))
    if rnd.random() < 0.4:
        kw["max_message"] = rnd.randint(50, 3000)
    return data, [max(0, min(len(data), c)) for c in cuts], kw


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams())
def test_fast_parser_equals_the_simple_one(case: tuple[bytes, list[int], dict[str, object]]) -> None:
    data, cuts, kw = case
    logging.disable(logging.WARNING)  # hostile input logs a lot; the counters are compared
    try:
        assert_same(data, cuts, **kw)
    finally:
        logging.disable(logging.NOTSET)


@pytest.mark.parametrize("read", [65536, 262144])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_trace_in_big_reads_with_the_listeners_filters(scenario: str, read: int) -> None:
    data = RAW[scenario] * 3
    got = assert_same(data, list(range(0, len(data), read)), events=EVENTS,
                      variables=DEFAULT_VARIABLES)
    assert sum(map(len, got)) > 0


def test_every_split_point_with_filters() -> None:
    """Every byte of the first 5,000 is once the end of a read. The cuts of one run are
    500 bytes apart, longer than any message there: between two cuts at least one message
    ends, so at each cut the parser holds only the message the cut splits — the state one
    read of everything before it leaves — and the read after it completes that message and
    goes on, compared read by read with the simple parser. (One parser per cut, fed the
    rest in one read, tests the same points at ten times the cost: the whole 5,000 bytes
    parsed twice per cut.)"""
    data = RAW["repair_answered"][:5000]
    step = 500
    assert max(map(len, data.split(b"\r\n\r\n"))) + 4 < step
    for first in range(step):
        cuts = list(range(first, len(data), step))
        assert_same(data, cuts, events=EVENTS, variables=DEFAULT_VARIABLES)


def test_the_filters_keep_what_the_tracker_uses() -> None:
    """Skipped by the filters = ignored by the tracker: the same calls come out."""
    data = b"".join(RAW.values())
    everything = AmiParser().feed(data)
    # the variables the listener lets through: the tracker's (the IVR's and MixMonitor's file)
    filtered = AmiParser(events=EVENTS, variables=CallTracker().variables).feed(data)
    assert len(filtered) < len(everything) / 2
    a, b = CallTracker(operators=OPERATORS), CallTracker(operators=OPERATORS)
    out_a = [ev for m in everything for ev in a.handle(m, 1.0)]
    out_b = [ev for m in filtered for ev in b.handle(m, 1.0)]
    assert out_a == out_b and len(out_a) > 20


# --- the CRLF fast path's own decisions, one by one ------------------------------------

def test_unwanted_event_with_an_action_id_is_kept() -> None:
    data = (b"Event: Newexten\r\nUniqueid: 1\r\n\r\n"
            b"Event: CoreShowChannel\r\nActionID: a-1\r\nUniqueid: 2\r\n\r\n"
            b"Event: Hangup\r\nUniqueid: 3\r\n\r\n")
    parser = AmiParser(expect_banner=False, events={"Hangup"})
    msgs = parser.feed(data)
    assert [m.event for m in msgs] == ["CoreShowChannel", "Hangup"] and parser.skipped == 1
    # Right after a wanted event with an ActionID (the search for the next one goes on).
    data = (b"Event: Hangup\r\nActionID: a-0\r\nUniqueid: 3\r\n\r\n"
            b"Event: QueueEntry\r\nActionID: a-1\r\n\r\nEvent: Newexten\r\nX: 1\r\n\r\n")
    msgs = AmiParser(expect_banner=False, events={"Hangup"}).feed(data)
    assert [m.event for m in msgs] == ["Hangup", "QueueEntry"]


def test_every_event_carrying_an_action_id_is_looked_at_not_only_the_last() -> None:
    # an action's list item nobody filters for, then a wanted event with an ActionID: the
    # list item is kept whatever its name (it answers an action)
    data = (b"Event: CoreShowChannel\r\nActionID: a-1\r\nUniqueid: 1\r\n\r\n"
            b"Event: Newexten\r\nUniqueid: 1\r\n\r\n"
            b"Event: Hangup\r\nActionID: a-2\r\nUniqueid: 1\r\n\r\n")
    parser = AmiParser(expect_banner=False, events={"Hangup"})
    assert [m.event for m in parser.feed(data)] == ["CoreShowChannel", "Hangup"]
    assert parser.skipped == 1
    # the same list item between two wanted events with ActionIDs
    data = (b"Event: Hangup\r\nActionID: a-0\r\nUniqueid: 0\r\n\r\n"
            b"Event: CoreShowChannel\r\nActionID: a-1\r\nUniqueid: 1\r\n\r\n"
            b"Event: Newexten\r\nUniqueid: 1\r\n\r\n"
            b"Event: Hangup\r\nActionID: a-2\r\nUniqueid: 1\r\n\r\n")
    parser = AmiParser(expect_banner=False, events={"Hangup"})
    assert [m.event for m in parser.feed(data)] == ["Hangup", "CoreShowChannel", "Hangup"]
    assert parser.skipped == 1


def test_a_batch_opening_with_a_wanted_event_that_carries_an_action_id_is_sorted_in_c(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: object) -> None:
        raise AssertionError("the per-part path was taken")

    monkeypatch.setattr(AmiParser, "_part", slow)
    parser = AmiParser(expect_banner=False, events={"OriginateResponse", "Hangup"})
    data = (b"Event: OriginateResponse\r\nActionID: o-1\r\nResponse: Success\r\n\r\n"
            b"Event: Newexten\r\nUniqueid: 1\r\n\r\n"
            b"Event: OriginateResponse\r\nActionID: o-2\r\nResponse: Failure\r\n\r\n")
    assert [m["ActionID"] for m in parser.feed(data)] == ["o-1", "o-2"]
    assert parser.skipped == 1


def test_a_reset_connection_is_read_the_crlf_way_again(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = AmiParser(expect_banner=False, events={"A"})
    assert [m.event for m in parser.feed(b"Event: A\nX: 1\n\n")] == ["A"]  # went bare LF
    parser.reset()

    def normalising(*args: object) -> None:
        raise AssertionError("a CR-LF stream after reset() was normalised")

    monkeypatch.setattr(AmiParser, "_feed_normalised", normalising)
    msgs = parser.feed(b"Asterisk Call Manager/13.0.0\r\nEvent: A\r\nX: 2\r\n\r\n")
    assert [m["X"] for m in msgs] == ["2"]


def test_varset_filter_reads_the_first_variable_header() -> None:
    data = (b"Event: VarSet\r\nUniqueid: 1\r\nVariable: BRIDGEPEER\r\nValue: x\r\n\r\n"
            b"Event: VarSet\r\nUniqueid: 1\r\nVariable: SERVICE_TYPE\r\nValue: repair\r\n\r\n"
            b"Event: VarSet\r\nVariable: QUEUEWAIT\r\nVariable: QUEUE\r\n\r\n"
            b"Event: VarSet\r\nUniqueid: 1\r\nVariable:QUEUE\r\nValue: hotline\r\n\r\n")
    parser = AmiParser(expect_banner=False, events={"VarSet"}, variables=DEFAULT_VARIABLES)
    msgs = parser.feed(data)
    # The last one is irregular (no space after the colon): decoded, then judged.
    assert [m.get("Variable") for m in msgs] == ["SERVICE_TYPE", "QUEUE"]
    assert parser.skipped == 2 and parser.messages == 2


def test_varset_filter_with_lines_after_the_value() -> None:
    """Asterisk before 12 sends VarSet as Channel, Variable, Value, Uniqueid: the name read
    from the raw bytes ends at its own line end; an empty name is a name like any other."""
    data = (b"Event: VarSet\r\nChannel: IAX2/x-1\r\nVariable: SERVICE_TYPE\r\nValue: repair\r\n"
            b"Uniqueid: 1.1\r\n\r\n"
            b"Event: VarSet\r\nChannel: IAX2/x-1\r\nVariable: BRIDGEPEER\r\nValue: x\r\n"
            b"Uniqueid: 1.1\r\n\r\n"
            b"Event: VarSet\r\nChannel: IAX2/x-1\r\nVariable: \r\nValue: y\r\nUniqueid: 1.1\r\n\r\n")
    parser = AmiParser(expect_banner=False, events={"VarSet"}, variables={"SERVICE_TYPE", ""})
    assert [(m["Variable"], m["Value"]) for m in parser.feed(data)] == [("SERVICE_TYPE", "repair"),
                                                                       ("", "y")]
    assert parser.skipped == 1


def test_varset_filter_on_a_gbk_varset_whose_name_the_raw_bytes_cannot_tell() -> None:
    # "Variable:" without its space: the name is judged once decoded, also when the value
    # is GBK and the message is decoded value by value
    value = "张护士".encode("gbk")
    data = (b"Event: VarSet\r\nUniqueid: 1\r\nVariable:BRIDGEPEER\r\nValue: " + value + b"\r\n\r\n"
            b"Event: VarSet\r\nUniqueid: 1\r\nVariable:SERVICE_TYPE\r\nValue: " + value + b"\r\n\r\n")
    parser = AmiParser(expect_banner=False, events={"VarSet"}, variables={"SERVICE_TYPE"})
    assert [(m["Variable"], m["Value"]) for m in parser.feed(data)] == [("SERVICE_TYPE", "张护士")]
    assert parser.skipped == 1 and parser.gb18030 == 1


def test_a_part_that_is_only_event_colon_bang_is_decoded_not_skipped() -> None:
    # "Event:!" sorts last among the parts the C sort may take: it is no event, so it is
    # decoded the per-part way (a malformed message), as the simple parser does
    data = b"Event: Hangup\r\nUniqueid: 1\r\n\r\nEvent:!\r\n\r\n"
    got = assert_same(data, [], expect_banner=False, events={"Hangup"})
    assert [t for batch in got for t, _ in batch] == ["Event: Hangup\nUniqueid: 1", "Event:!"]


def test_varset_filter_with_a_replacement_character_in_a_name() -> None:
    """A wanted name with U+FFFD matches a byte that is not UTF-8: decided after decoding."""
    data = b"Event: VarSet\r\nUniqueid: 1\r\nVariable: BAD\xff\r\nValue: 1\r\n\r\n"
    for read in (1, 7, len(data)):
        assert assert_same(data, list(range(read, len(data), read)), expect_banner=False,
                           events={"VarSet"}, variables={"BAD\ufffd"})[-1] != []


def test_header_less_event_is_skipped_under_a_filter() -> None:
    parser = AmiParser(expect_banner=False, events={"Hangup"})
    assert parser.feed(b"Event: Hangup\r\n\r\nEvent: Hangup\r\nUniqueid: 1\r\n\r\n") == [
        Message("Event: Hangup\nUniqueid: 1")]
    assert parser.skipped == 1
    assert [m.event for m in AmiParser(expect_banner=False).feed(b"Event: Hangup\r\n\r\n")] == [
        "Hangup"]


def test_bare_line_feed_midway_switches_to_normalising() -> None:
    parser = AmiParser(expect_banner=False, events={"A", "B", "C"})
    assert [m.event for m in parser.feed(b"Event: A\r\nX: 1\r\n\r\nEvent: B\r\nY: 2")] == ["A"]
    assert [m.event for m in parser.feed(b"\n\nEvent: C\r\nZ: 3\r\n\r\n")] == ["B", "C"]
    assert [m.event for m in parser.feed(b"Event: A\r\n\r\n")] == []  # header-less: skipped
    assert [m.event for m in parser.feed(b"Event: A\r\nQ: 1\r\n\r\n")] == ["A"]


def test_oversized_crlf_message_resyncs_and_counts_like_the_simple_parser() -> None:
    huge = b"Event: Huge\r\nData: " + b"x" * 5000 + b"\r\n\r\n"
    data = b"Event: A\r\nB: 1\r\n\r\n" + huge + b"Event: C\r\nD: 1\r\n\r\n"
    for step in (1, 7, 100, 4096, len(data)):
        got = assert_same(data, list(range(step, len(data), step)), max_message=1000,
                          expect_banner=False)
        assert [t for batch in got for t, _ in batch] == ["Event: A\nB: 1", "Event: C\nD: 1"]


def test_a_clean_event_stream_never_takes_the_slow_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Events only, OriginateResponses with ActionIDs among them: all sorted in C."""
    def slow(*args: object) -> None:
        raise AssertionError("the per-part path was taken")

    # (an action's list items — QueueStatus's QueueMember… — carry its ActionID and take the
    # slow way on purpose: they are left out here)
    data = b"".join(e.raw for s in SCENARIOS for e in load_trace(TRACES / s)
                    if b"\nActionID: " not in e.raw or e.raw.startswith(b"Event: OriginateResponse\r\n"))
    assert b"Event: OriginateResponse\r\n" in data and b"\nActionID: " in data
    monkeypatch.setattr(AmiParser, "_part", slow)
    parser = AmiParser(expect_banner=False, events=EVENTS, variables=DEFAULT_VARIABLES)
    msgs = [m for i in range(0, len(data), 4096) for m in parser.feed(data[i:i + 4096])]
    assert msgs and parser.skipped > len(msgs)


@example(["A: x", "\n", "B: y", "\n", "A: z"], "A")
@example(["Response: Success", "\n", "A: 1"], "Response")
@given(st.lists(st.sampled_from(["A", "B", ":", " ", ": ", "\n", "Event", "Event: ", "A: ", "x",
                                 "é"]), max_size=30),
       st.sampled_from(["A", "B", "Event", "A:", "A B", "x", "A: B", "", "\nA"]))
def test_message_get_equals_the_plain_lookup(pieces: list[str], key: str) -> None:
    text = "".join(pieces)
    msg = Message(text)
    if msg.irregular:
        want = msg.headers.get(key, "")
    elif text.startswith(key + ": "):
        want = text[len(key) + 2:].split("\n", 1)[0]
    else:
        i = text.find("\n" + key + ": ")
        want = "" if i < 0 else text[i + len(key) + 3:].split("\n", 1)[0]
    assert msg.get(key) == want
    assert msg.event == (text[7:].split("\n", 1)[0] if text.startswith("Event: ")
                         else msg.get("Event"))


def test_interleaved_copies_of_every_trace_through_the_listeners_path() -> None:
    """Copies of every trace with their own ids, interleaved by recorded time (the bench's
    stream, smaller), cut into 256 KiB reads, filtered parser → tracker: every copy's calls
    come out as its calls.jsonl says, and nothing the filters skip was needed."""
    uid = re.compile(rb"\b(\d{10})\.(\d+)\b")
    events: list[tuple[float, int, bytes]] = []
    wanted: list[dict[str, object]] = []
    for copy, (scenario, offset) in enumerate((s, o) for o in (0.0, 0.7, 1.9) for s in SCENARIOS):
        ids: dict[bytes, bytes] = {}

        def renumber(m: re.Match[bytes], ids: dict[bytes, bytes] = ids,
                     copy: int = copy) -> bytes:
            return ids.setdefault(m.group(0), b"%d.%d" % (1900000000 + copy, len(ids) + 1))

        for e in load_trace(TRACES / scenario):
            if not e.raw.startswith(b"Event: FullyBooted"):
                events.append((e.t + offset, len(events), uid.sub(renumber, e.raw)))
        for call in expected(scenario):
            wanted.append({**call, "uniqueid": ids[str(call["uniqueid"]).encode()].decode()})
    data = b"".join(raw for _, _, raw in sorted(events))
    tracker = CallTracker(operators=OPERATORS)
    parser = AmiParser(expect_banner=False, events=tracker.wanted_events | {"OriginateResponse"},
                       variables=tracker.variables)
    got = [ev.record.summary() for i in range(0, len(data), 262144)
           for m in parser.feed(data[i:i + 262144]) for ev in tracker.handle(m, 1.0)
           if isinstance(ev, CallFinished)]
    assert parser.messages + parser.skipped == len(events)
    key = operator.itemgetter("uniqueid")
    assert sorted(({k: r[k] for k in KEYS} for r in got), key=key) == sorted(wanted, key=key)
