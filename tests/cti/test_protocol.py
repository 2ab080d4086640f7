"""The sans-I/O AMI parser against recorded bytes, split at every point, and hostile input."""

from __future__ import annotations

import logging

import pytest

from cti.protocol import ActionError, AmiParser, Message, format_action, parse_all
from tests.conftest import TRACES

RAW = (TRACES / "repair_answered" / "ami.raw").read_bytes()


def feed_in_pieces(data: bytes, cuts: list[int], **kw: object) -> list[Message]:
    parser = AmiParser(**kw)  # type: ignore[arg-type]
    out: list[Message] = []
    last = 0
    for cut in [*cuts, len(data)]:
        out += parser.feed(data[last:cut])
        last = cut
    return out


def test_recorded_trace_parses_whole() -> None:
    parser = AmiParser()
    msgs = parser.feed(RAW)
    assert parser.banner == "Asterisk Call Manager/13.0.0"
    assert msgs[0].response == "Success" and msgs[0]["ActionID"] == "rec-login"
    assert msgs[1].event == "FullyBooted" and msgs[1]["Uptime"] == "66"
    assert len(msgs) == RAW.count(b"\r\n\r\n")
    varset = [m for m in msgs if m.event == "VarSet" and m.get("Variable") == "SERVICE_TYPE"]
    assert [m["Value"] for m in varset] == ["repair"]


def test_every_split_point_of_a_real_message_gives_the_same_message() -> None:
    whole = parse_all(RAW)
    # The AgentConnect: long, with many headers.
    start = RAW.index(b"Event: AgentConnect")
    end = RAW.index(b"\r\n\r\n", start) + 4
    chunk = RAW[start:end] + RAW[end:end + 200]
    expected = AmiParser(expect_banner=False).feed(chunk)
    for cut in range(1, len(chunk)):
        got = feed_in_pieces(chunk, [cut], expect_banner=False)
        assert got == expected, cut
    assert expected[0] == next(m for m in whole if m.event == "AgentConnect")


def test_byte_by_byte_equals_whole() -> None:
    data = RAW[:6000]
    assert feed_in_pieces(data, list(range(1, len(data)))) == parse_all(data)


def test_banner_split_across_reads() -> None:
    msgs = feed_in_pieces(RAW[:400], [3, 10, 27, 28, 29])
    assert msgs == parse_all(RAW[:400])


def test_no_banner_stream_is_parsed() -> None:
    assert AmiParser().feed(b"Event: Ping\r\nA: 1\r\n\r\n")[0].event == "Ping"


def test_bare_lf_and_mixed_line_ends() -> None:
    data = b"Event: A\nX: 1\n\nEvent: B\r\nY: 2\r\n\nEvent: C\nZ: 3\r\n\r\n"
    msgs = AmiParser(expect_banner=False).feed(data)
    assert [(m.event, m.headers) for m in msgs][1] == ("B", {"Event": "B", "Y": "2"})
    assert [m.event for m in msgs] == ["A", "B", "C"]


def test_cr_at_end_of_one_read_lf_at_start_of_next() -> None:
    msgs = feed_in_pieces(b"Event: A\r\nX: 1\r\n\r\nEvent: B\r\n\r\n", [9, 16, 17], expect_banner=False)
    assert [m.event for m in msgs] == ["A", "B"]
    assert msgs[0]["X"] == "1"


def test_utf8_split_across_reads_is_kept() -> None:
    name = "张护士长（三病区）".encode()
    data = b"Event: Newchannel\r\nCallerIDName: " + name + b"\r\nUniqueid: 1.1\r\n\r\n"
    cut = data.index(name) + 1  # inside the first character
    for c in range(cut, cut + len(name)):
        msgs = feed_in_pieces(data, [c], expect_banner=False)
        assert msgs[0]["CallerIDName"] == "张护士长（三病区）"


def test_non_utf8_is_replaced_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    data = b"Event: Newchannel\r\nCallerIDName: \xff\xfeBad\r\nUniqueid: 1.2\r\n\r\nEvent: Next\r\n\r\n"
    parser = AmiParser(expect_banner=False)
    with caplog.at_level(logging.WARNING):
        msgs = parser.feed(data)
    assert msgs[0]["CallerIDName"] == "\ufffd\ufffdBad" and msgs[0]["Uniqueid"] == "1.2"
    assert msgs[1].event == "Next"
    assert parser.decode_errors == 1 and "neither UTF-8 nor GB18030" in caplog.text


def test_malformed_lines_are_logged_and_the_rest_kept(caplog: pytest.LogCaptureFixture) -> None:
    data = b"Event: Hangup\r\ngarbage without colon\r\nUniqueid: 9.9\r\n:novalue\r\nKey:tight\r\n\r\n"
    with caplog.at_level(logging.WARNING):
        msg = AmiParser(expect_banner=False).feed(data)[0]
    assert msg.event == "Hangup" and msg["Uniqueid"] == "9.9" and msg["Key"] == "tight"
    assert msg.bad_lines == ["garbage without colon", ":novalue"]
    assert "malformed" in caplog.text


def test_oversized_message_dropped_and_parser_resyncs(caplog: pytest.LogCaptureFixture) -> None:
    huge = b"Event: Huge\r\nData: " + b"x" * (1024 * 1024 + 10) + b"\r\n\r\n"
    data = b"Event: Before\r\n\r\n" + huge + b"Event: After\r\nA: 1\r\n\r\n"
    parser = AmiParser(expect_banner=False)
    with caplog.at_level(logging.WARNING):
        whole = parser.feed(data)
        pieces = feed_in_pieces(data, list(range(4096, len(data), 4096)), expect_banner=False)
    assert [m.event for m in whole] == ["Before", "After"]
    assert [m.event for m in pieces] == ["Before", "After"]
    assert parser.dropped_oversize == 1 and "AMI: dropp" in caplog.text


def test_duplicate_headers_kept() -> None:
    data = (b"Event: Newchannel\r\nChanVariable: SERVICE_TYPE=repair\r\n"
            b"ChanVariable: LOCATION_CODE=A0305\r\nChanVariable: EMPTY=\r\nUniqueid: 1.3\r\n\r\n")
    msg = AmiParser(expect_banner=False).feed(data)[0]
    assert msg.getall("ChanVariable") == ["SERVICE_TYPE=repair", "LOCATION_CODE=A0305", "EMPTY="]
    assert msg["ChanVariable"] == "SERVICE_TYPE=repair"
    assert msg.chan_variables() == {"SERVICE_TYPE": "repair", "LOCATION_CODE": "A0305", "EMPTY": ""}


def test_header_lookup_is_exact_line_start() -> None:
    msg = Message("Event: VarSet\nVariable: QUEUEWAIT\nValue: Variable: QUEUE")
    assert msg.get("Variable") == "QUEUEWAIT"
    assert msg.get("Queue") == "" and "Queue" not in msg
    with pytest.raises(KeyError):
        msg["Nope"]


def test_format_action_and_injection_refused() -> None:
    data = format_action("Originate", "survey-1042",
                         {"Channel": "IAX2/pstn/6123", "Variable": ["TICKET_ID=1042", "X=1"],
                          "Async": "true", "Timeout": 30000})
    assert data == (b"Action: Originate\r\nActionID: survey-1042\r\nChannel: IAX2/pstn/6123\r\n"
                    b"Variable: TICKET_ID=1042\r\nVariable: X=1\r\nAsync: true\r\nTimeout: 30000\r\n\r\n")
    with pytest.raises(ActionError):
        format_action("Originate", "1", {"CallerID": "x\r\nAction: Command"})


@pytest.mark.parametrize("bad", [
    {"CallerID": "x\rAction: Command"},       # a carriage return alone
    {"CallerID": "x\nAction: Command"},       # a line feed alone
    {"Call\nerID": "x"},                      # in a key
    {"Variable": ["A=1", "B=2\r"]},           # in one of a repeated header's values
])
def test_format_action_refuses_any_line_break(bad: dict[str, object]) -> None:
    with pytest.raises(ActionError, match="Originate: header .* contains a line break"):
        format_action("Originate", "1", bad)  # type: ignore[arg-type]
    with pytest.raises(ActionError):
        format_action("Originate", "1\n")


# --- the size cap at its edge, in both modes, at every read size -------------------------------

CAP = 120


def _event(name: str, body_len: int, eol: bytes) -> tuple[bytes, str]:
    """An event whose text (``\\n`` line ends, no blank line) is ``body_len`` bytes."""
    head = f"Event: {name}\nData: "
    text = head + "x" * (body_len - len(head))
    assert len(text) == body_len
    return text.replace("\n", eol.decode()).encode() + eol + eol, text


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_a_message_at_the_cap_is_kept_one_byte_over_is_dropped_and_the_next_read(eol: bytes) -> None:
    first, first_text = _event("First", 40, eol)
    at_cap, at_cap_text = _event("AtCap", CAP, eol)
    over, _ = _event("Over", CAP + 1, eol)
    way_over, _ = _event("WayOver", 3 * CAP, eol)
    last, last_text = _event("Last", 30, eol)
    # the banner's line end sets the mode from the start; the CR-LF stream stays in CR-LF mode
    data = b"Asterisk Call Manager/13.0.0" + eol + first + at_cap + over + way_over + last
    for size in (1, 2, 3, 5, 7, 64, len(data)):
        parser = AmiParser(max_message=CAP)
        msgs = feed_in_pieces(data, list(range(size, len(data), size)), max_message=CAP)
        parser.feed(data)
        assert [m.text for m in msgs] == [first_text, at_cap_text, last_text], size
        assert parser.dropped_oversize == 2 and parser.messages == 3
        assert parser.banner == "Asterisk Call Manager/13.0.0"


def test_carriage_returns_split_from_their_line_feeds_after_the_stream_went_bare_lf() -> None:
    # a bare "\n" switches the connection to normalising; CR-LF messages after it, split
    # between the "\r" and the "\n" at every point, still parse exactly
    data = b"Event: Bare\nA: 1\n\n" + b"Event: Crlf\r\nB: 2\r\nC: 3\r\n\r\n" * 3
    expected = ["Event: Bare\nA: 1"] + ["Event: Crlf\nB: 2\nC: 3"] * 3
    for cut in range(1, len(data)):
        assert [m.text for m in feed_in_pieces(data, [cut], expect_banner=False)] == expected, cut
        assert [m.text for m in feed_in_pieces(data, [cut, cut + 1], expect_banner=False)] == expected


def test_reset_forgets_the_half_message_and_expects_a_new_banner() -> None:
    for eol in (b"\r\n", b"\n"):
        parser = AmiParser()
        assert parser.feed(b"Asterisk Call Manager/13.0.0" + eol + b"Event: Half" + eol + b"X: 1") == []
        parser.reset()
        assert parser.banner is None
        msgs = parser.feed(b"Asterisk Call Manager/18.1.0" + eol + b"Event: New" + eol + eol)
        assert parser.banner == "Asterisk Call Manager/18.1.0"
        assert [m.text for m in msgs] == ["Event: New"]
        # and a fresh connection is CR-LF again: a CR-LF message after a bare-LF one is whole
        parser.reset()
        msgs = parser.feed(b"Asterisk Call Manager/18.1.0\r\nEvent: A\r\nB: x\r\r\n\r\n")
        assert [m.get("B") for m in msgs] == ["x\r"]


def test_oversize_while_discarding_keeps_the_blank_line_split_across_reads() -> None:
    # the blank line that ends a dropped message arrives one byte at a time after the cap
    for eol in (b"\r\n", b"\n"):
        over, _ = _event("Over", CAP + 40, eol)
        nxt, nxt_text = _event("Next", 20, eol)
        data = over + nxt
        body = len(over) - 2 * len(eol)
        for cut in range(body - 2, body + 2 * len(eol) + 1):
            pieces = [cut, *range(cut + 1, len(data))]
            msgs = feed_in_pieces(data, pieces, max_message=CAP, expect_banner=False)
            assert [m.text for m in msgs] == [nxt_text], (eol, cut)


# --- Message ------------------------------------------------------------------------------

def test_message_equality_hash_and_repr() -> None:
    a, b = Message("Event: Hangup\nUniqueid: 1.1"), Message("Event: Hangup\nUniqueid: 1.1")
    c = Message("Response: Success\nActionID: 7")
    assert a == b and hash(a) == hash(b) and a != c and hash(a) != hash(c)
    assert a != "Event: Hangup\nUniqueid: 1.1" and a != None  # noqa: E711
    assert {a, b, c} == {a, c}
    assert repr(a) == "<Message Hangup 27 chars>"
    assert repr(c) == "<Message Success 29 chars>"
    assert repr(Message("Foo: bar")) == "<Message ? 8 chars>"


def test_message_from_headers_keeps_order_and_duplicates() -> None:
    m = Message.from_headers([("Event", "Newchannel"), ("ChanVariable", "A=1"), ("ChanVariable", "B=2")])
    assert m.text == "Event: Newchannel\nChanVariable: A=1\nChanVariable: B=2"
    assert Message.from_headers({"Response": "Success", "ActionID": "9"}).text == "Response: Success\nActionID: 9"


def test_message_headers_items_getall_and_chan_variables() -> None:
    m = Message("Event: Cdr\nStartTime: 2026-11-24 09:00:01\nKey:tight\nChanVariable: URL=a=b\n"
                "ChanVariable: URL=second\nChanVariable: NOEQUALS")
    assert m.headers == {"Event": "Cdr", "StartTime": "2026-11-24 09:00:01", "Key": "tight",
                         "ChanVariable": "URL=a=b"}
    assert list(m.items()) == [("Event", "Cdr"), ("StartTime", "2026-11-24 09:00:01"), ("Key", "tight"),
                               ("ChanVariable", "URL=a=b"), ("ChanVariable", "URL=second"),
                               ("ChanVariable", "NOEQUALS")]
    assert m.getall("ChanVariable") == ["URL=a=b", "URL=second", "NOEQUALS"]
    assert m.chan_variables() == {"URL": "a=b"}, "first value wins; no '=' is no variable"
    plain = Message("Event: Hangup\nUniqueid: 1.1")
    assert plain.getall("Uniqueid") == ["1.1"] and plain.getall("Missing") == []
    assert plain.chan_variables() == {}


def test_message_get_with_odd_keys_reads_whole_lines_only() -> None:
    # keys that are not plain header names (": " or ":" in them) still match whole lines only
    m = Message("Event: UserEvent\nA: B: first\nX: A: B: not a line start\nA: B: second")
    assert m.get("A: B") == "first" and m.get("A") == "B: first"
    assert m.get("B") == "" and m.get("A: B: first") == ""
    first = Message("A: B: c\nEvent: X")
    assert first.get("A: B") == "c" and first.get("Q: R", "-") == "-"
    assert Message("Event: X\nTail:: v").get("Tail:") == "v"
