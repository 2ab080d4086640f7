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
