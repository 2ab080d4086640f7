"""Caller-ID names as Asterisk really sends them, byte by byte: GBK from Chinese trunks, C
escapes (``ast_escape_c``) in the channel fields of events, and both at once.

The expected values are the names themselves; the wire forms are written out by hand from
Asterisk's rules (main/utils.c: ``\\a \\b \\f \\n \\r \\t \\v \\\\ \\' \\" \\?``, every other
byte as it is; OriginateResponse and QueueEntry carry the name unescaped).
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from cti.decoding import decode_message, escape_c, unescape_c
from cti.protocol import AmiParser, Message, format_action
from cti.replay import ReplayServer, TraceEvent, login_action
from cti.tracker import DEFAULT_VARIABLES
from tests.conftest import TRACES
from tests.cti.test_faults import call_events

GBK = "张护士".encode("gbk")
assert GBK == b"\xd5\xc5\xbb\xa4\xca\xbf"  # as in the recorded ami.raw
WANG_CHENG = "王誠".encode("gbk")  # 誠 is D5 5C: its trail byte is a backslash
assert WANG_CHENG == b"\xcd\xf5\xd5\x5c"

# name → what Asterisk sends for it in a channel field (written out from the rules above)
ESCAPED = {
    "O'Brien 3B?": rb"O\'Brien 3B\?",
    'say "hi"': rb"say \"hi\"",
    "C:\\ward": rb"C:\\ward",
    "tab\there": rb"tab\there",
    "bell\x07 bs\x08 ff\x0c vt\x0b cr\r nl\n": rb"bell\a bs\b ff\f vt\v cr\r nl\n",
    "no escapes": b"no escapes",
}


def parse(data: bytes, **kw: object) -> tuple[list[Message], AmiParser]:
    parser = AmiParser(expect_banner=False, **kw)  # type: ignore[arg-type]
    return parser.feed(data), parser


def event(name: str, *lines: bytes) -> bytes:
    return b"Event: " + name.encode() + b"\r\n" + b"".join(x + b"\r\n" for x in lines) + b"\r\n"


# --- encodings --------------------------------------------------------------------------------

def test_a_gbk_name_is_decoded_and_leaves_the_other_headers_alone(caplog: pytest.LogCaptureFixture) -> None:
    data = event("Newchannel", b"Channel: IAX2/127.0.0.1:4569-3064", b"CallerIDNum: 6125",
                 b"CallerIDName: " + GBK, b"ConnectedLineName: " + "李医生".encode(),
                 b"Context: from-pstn", b"Uniqueid: 1796444424.96")
    with caplog.at_level(logging.INFO, logger="cti.protocol"):
        (msg,), parser = parse(data)
    assert msg["CallerIDName"] == "张护士"
    assert msg["ConnectedLineName"] == "李医生"  # UTF-8 in the same message, untouched
    assert msg["Uniqueid"] == "1796444424.96" and msg["Context"] == "from-pstn"
    assert (parser.gb18030, parser.decode_errors) == (1, 0)
    assert "GB18030" in caplog.text and "neither" not in caplog.text


def test_utf8_and_gbk_in_one_message_at_every_split_point() -> None:
    data = event("Newchannel", b"CallerIDName: " + GBK,
                 b"ConnectedLineName: " + "张护士长（三病区）".encode(), b"Uniqueid: 1.1")
    for cut in range(1, len(data)):
        parser = AmiParser(expect_banner=False)
        (msg,) = parser.feed(data[:cut]) + parser.feed(data[cut:])
        assert msg["CallerIDName"] == "张护士", cut
        assert msg["ConnectedLineName"] == "张护士长（三病区）", cut


def test_bytes_in_neither_encoding_are_replaced_in_their_own_value_only(
        caplog: pytest.LogCaptureFixture) -> None:
    data = event("Newchannel", b"CallerIDName: \xff\xfeBad\x80", b"ConnectedLineName: " + GBK,
                 b"Uniqueid: 1.2")
    with caplog.at_level(logging.WARNING, logger="cti.protocol"):
        (msg,), parser = parse(data)
    assert msg["CallerIDName"] == "\ufffd\ufffdBad\ufffd"
    assert msg["ConnectedLineName"] == "张护士" and msg["Uniqueid"] == "1.2"
    assert parser.decode_errors == 1 and "neither UTF-8 nor GB18030" in caplog.text


def test_decode_message_says_how() -> None:
    assert decode_message(b"A: x\nB: \xe5\xbc\xa0") == ("A: x\nB: 张", 0)
    assert decode_message(b"A: x\nB: \xd5\xc5") == ("A: x\nB: 张", 1)
    assert decode_message(b"A: \xd5\xc5\nB: \xff") == ("A: 张\nB: \ufffd", 2)


def test_a_varset_named_in_gbk_is_decided_on_its_decoded_name() -> None:
    wanted = {"服务", *DEFAULT_VARIABLES}
    data = event("VarSet", b"Uniqueid: 1.1", b"Variable: " + "服务".encode("gbk"), b"Value: x")
    (msg,), _ = parse(data, events={"VarSet"}, variables=wanted)
    assert msg["Variable"] == "服务"
    (_, parser) = parse(data, events={"VarSet"}, variables=DEFAULT_VARIABLES)
    assert parser.skipped == 1


# --- C escapes --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(ESCAPED))
@pytest.mark.parametrize("key", ["CallerIDName", "ConnectedLineName", "DestCallerIDName",
                                 "LocalTwoConnectedLineName"])
def test_escaped_channel_fields_are_unescaped(name: str, key: str) -> None:
    wire = ESCAPED[name]
    data = event("DialBegin", b"Channel: IAX2/x-1", key.encode() + b": " + wire, b"Uniqueid: 1.3")
    (msg,), _ = parse(data)
    assert msg.get(key) == name
    assert msg.headers[key] == name and dict(msg.items())[key] == name
    assert msg.text.split("\n")[2] == key + ": " + wire.decode()  # the text stays as sent
    assert escape_c(name) == wire.decode() and unescape_c(wire.decode()) == name


def test_the_recorded_escaped_name() -> None:
    raw = (TRACES / "gbk_callerid" / "ami.raw").read_bytes()
    msgs = AmiParser().feed(raw)
    names = {(m.event, m.get(k)) for m in msgs for k in ("CallerIDName", "ConnectedLineName",
                                                          "DestCallerIDName", "LocalTwoCallerIDName")
             if "Brien" in m.get(k)}
    assert {n for _, n in names} == {"O'Brien 3B?"}
    assert ("OriginateResponse", "O'Brien 3B?") in names  # sent unescaped, taken as it is


@pytest.mark.parametrize("name", ["OriginateResponse", "QueueEntry"])
def test_events_that_send_the_name_as_it_is_are_not_unescaped(name: str) -> None:
    data = event(name, b"Channel: IAX2/x-1", rb"CallerIDName: C:\ward\n", b"Uniqueid: 1.4")
    (msg,), _ = parse(data)
    assert msg["CallerIDName"] == "C:\\ward\\n"


def test_only_the_escaped_fields_are_unescaped() -> None:
    data = event("VarSet", b"Channel: IAX2/x-1", rb"CallerIDName: O\'Brien", rb"AppData: a\tb",
                 rb"ChanVariable: X=a\'b", b"Variable: PATH", rb"Value: C:\\rec\'s", b"Uniqueid: 1.5")
    (msg,), _ = parse(data)
    assert msg["CallerIDName"] == "O'Brien"
    assert msg["Value"] == "C:\\rec's"  # varset_to_ami escapes the value
    assert msg["AppData"] == "a\\tb" and msg.chan_variables() == {"X": "a\\'b"}
    (resp,), _ = parse(b"Response: Success\r\nActionID: 1\r\n" + rb"Value: a\'b" + b"\r\n\r\n")
    assert resp["Value"] == "a\\'b"  # a response's value (Getvar) is not escaped


def test_an_irregular_message_is_unescaped_too() -> None:
    data = event("Newchannel", b"a line without a colon", rb"CallerIDName: O\'Brien",
                 rb"CallerIDName: second\?", b"Uniqueid: 1.6")
    (msg,), _ = parse(data)
    assert msg.irregular and msg["CallerIDName"] == "O'Brien"
    assert msg.getall("CallerIDName") == ["O'Brien", "second?"]


def test_a_lone_backslash_stays() -> None:
    assert unescape_c("a\\xb\\") == "a\\xb\\"


# --- both ------------------------------------------------------------------------------------

def test_a_gbk_name_with_a_backslash_trail_byte_escaped_by_asterisk() -> None:
    # ast_escape_c works on bytes: 誠's trail byte 0x5C is sent doubled; the quote escaped too.
    wire = WANG_CHENG.replace(b"\\", b"\\\\") + rb"\'s"
    assert wire == b"\xcd\xf5\xd5\x5c\x5c\x5c's"
    data = event("Newchannel", b"CallerIDName: " + wire, b"ConnectedLineName: " + GBK,
                 b"Uniqueid: 1.7")
    (msg,), parser = parse(data)
    assert msg["CallerIDName"] == "王誠's"
    assert msg["ConnectedLineName"] == "张护士"
    assert parser.decode_errors == 0
    # OriginateResponse sends the bytes as they are: one backslash, no escapes
    (orig,), _ = parse(event("OriginateResponse", b"CallerIDName: " + WANG_CHENG, b"Uniqueid: 1.8"))
    assert orig["CallerIDName"] == "王誠"


# --- the replay server ---------------------------------------------------------------------

def test_the_replay_server_lists_a_channel_with_its_name_escaped_as_asterisk_does() -> None:
    events = [TraceEvent(0.0, e) for e in call_events("5200.1", r"O\'Brien 3B\?")[:3]]

    async def go() -> list[Message]:
        server = ReplayServer(events)
        port = await server.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        parser, got = AmiParser(), []
        writer.write(login_action("onestop", "x"))
        async with asyncio.timeout(10):
            while not any(m.event == "QueueCallerJoin" for m in got):  # the stream is through
                got += parser.feed(await reader.read(65536))
            writer.write(format_action("CoreShowChannels", "list-1"))
            while not any(m.event == "CoreShowChannelsComplete" for m in got):
                got += parser.feed(await reader.read(65536))
        writer.close()
        await server.close()
        return [m for m in got if m.event == "CoreShowChannel"]

    (chan,) = asyncio.run(go())
    assert chan["CallerIDName"] == "O'Brien 3B?" and "\nCallerIDName: O\\'Brien 3B\\?\n" in chan.text
