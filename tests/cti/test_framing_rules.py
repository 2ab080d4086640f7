"""The AMI wire format's rules, one by one, with the expected messages typed from the rules.

Asterisk's manager (main/manager.c) ends every line with ``\\r\\n`` and every message with a
blank line; a header is ``Key: Value``, split at the first ``": "``; the ``Command`` action of
Asterisk before 14 answers ``Response: Follows`` with the command's raw output lines and
``--END COMMAND--``. The parser also takes line feeds without their carriage return (captures
edited by hand, proxies), and a line it cannot read is counted and logged, never raised.
Channel fields with caller names and ``VarSet``'s value arrive C-escaped (``ast_escape_c``);
``OriginateResponse``, ``QueueEntry`` and responses send names as they are.
"""

from __future__ import annotations

import logging
import tracemalloc
import uuid

import pytest

from cti.protocol import AmiParser, EscapedMessage, Message, message


def feed(data: bytes, cuts: list[int] | tuple[int, ...] = (), **kw: object) -> tuple[list[Message], AmiParser]:
    parser = AmiParser(expect_banner=False, **kw)  # type: ignore[arg-type]
    out: list[Message] = []
    last = 0
    for cut in [*cuts, len(data)]:
        out += parser.feed(data[last:cut])
        last = cut
    return out, parser


# --- framing ---------------------------------------------------------------------------------

def test_a_blank_line_ends_a_message_and_nothing_is_given_before_it() -> None:
    parser = AmiParser(expect_banner=False)
    assert parser.feed(b"Event: Hangup\r\nUniqueid: 1.1\r\n") == []
    assert parser.pending == len(b"Event: Hangup\r\nUniqueid: 1.1\r\n")
    (msg,) = parser.feed(b"\r\n")
    assert msg.text == "Event: Hangup\nUniqueid: 1.1" and parser.pending == 0
    assert msg.headers == {"Event": "Hangup", "Uniqueid": "1.1"}


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_the_lf_only_fallback_gives_the_messages_crlf_gives(eol: bytes) -> None:
    lines = [[b"Response: Success", b"ActionID: 7", b"Message: Authentication accepted"],
             [b"Event: Newchannel", b"Channel: IAX2/x-1", b"CallerIDNum: 6123", b"Uniqueid: 1.2"],
             [b"Event: Hangup", b"Uniqueid: 1.2", b"Cause-txt: Normal Clearing"]]
    data = b"Asterisk Call Manager/13.0.0" + eol + b"".join(eol.join(m) + eol + eol for m in lines)
    want = ["\n".join(line.decode() for line in m) for m in lines]
    for cut in range(len(data) + 1):
        parser = AmiParser()
        got = parser.feed(data[:cut]) + parser.feed(data[cut:])
        assert [m.text for m in got] == want, cut
        assert parser.banner == "Asterisk Call Manager/13.0.0"
        assert parser.messages == 3 and parser.malformed == 0


def test_a_carriage_return_ending_a_read_is_kept_when_no_line_feed_follows() -> None:
    # LF-only stream (so the connection normalises); "\r" inside a value is the value's
    for tail in (b"\rY\n\n", b"\r\r\n\r\n"):
        data = b"Event: A\nX: 1" + tail + b"Event: B\n\n"
        want = "1\rY" if tail.startswith(b"\rY") else "1\r"
        for cut in range(len(data) + 1):
            msgs, _ = feed(data, [cut])
            assert [m.event for m in msgs] == ["A", "B"], cut
            assert msgs[0]["X"] == want, (tail, cut)


def test_key_and_value_split_at_the_first_colon_and_space() -> None:
    (msg,), parser = feed(b"Event: VarSet\r\nVariable: QUEUE\r\nValue: Queue: hotline\r\n"
                          b"Key:tight\r\nEmpty: \r\n\r\n")
    assert msg.headers == {"Event": "VarSet", "Variable": "QUEUE", "Value": "Queue: hotline",
                           "Key": "tight", "Empty": ""}
    assert msg["Value"] == "Queue: hotline" and msg["Empty"] == "" and "Queue" not in msg
    assert parser.malformed == 0


def test_a_missing_header_is_a_key_error_naming_it() -> None:
    msg = Message("Event: Hangup\nUniqueid: 1.1")
    with pytest.raises(KeyError) as err:
        msg["CallerIDNum"]
    assert err.value.args == ("CallerIDNum",)


def test_a_header_asked_for_the_first_time_is_found() -> None:
    # header names are looked up through a cache made on first use: a name no one asked for
    # before (fresh each run) must be found on its first lookup and on the ones after
    key = "X-Probe-" + uuid.uuid4().hex
    msg = Message(f"Event: UserEvent\nUserEvent: probe\n{key}: first\nOther: {key}: not a line start")
    assert msg.get(key) == "first" and msg[key] == "first" and key in msg
    assert Message(f"Event: UserEvent\n{key}: again").get(key) == "again"
    assert Message("Event: UserEvent\nOther: 1").get(key, "-") == "-"
    fresh = "X-Other-" + uuid.uuid4().hex
    assert Message(f"Event: UserEvent\nA: {fresh}: 1").get(fresh) == ""


# --- Response: Follows (the Command action before Asterisk 14) -----------------------------------

FOLLOWS = (b"Response: Follows\r\nPrivilege: Command\r\nActionID: cmd-1\r\n"
           b"Channel              Location             State   Application(Data)\r\n"
           b"0 active channels\r\n"
           b"--END COMMAND--\r\n\r\n")


def test_command_output_is_one_follows_response_with_its_lines_kept(
        caplog: pytest.LogCaptureFixture) -> None:
    data = FOLLOWS + b"Event: Hangup\r\nUniqueid: 1.3\r\n\r\n"
    with caplog.at_level(logging.WARNING):
        for cut in range(len(data) + 1):
            msgs, parser = feed(data, [cut], events={"Hangup"})
            assert [(m.response, m.event) for m in msgs] == [("Follows", ""), ("", "Hangup")], cut
            follows = msgs[0]
            assert follows["ActionID"] == "cmd-1" and follows["Privilege"] == "Command"
            assert list(follows.bad_lines) == [
                "Channel              Location             State   Application(Data)",
                "0 active channels", "--END COMMAND--"]
            assert parser.malformed == 1 and parser.messages == 2 and parser.skipped == 0
    assert "malformed line(s) in Follows message" in caplog.text


# --- a malformed line is an error, not a crash ----------------------------------------------------

@pytest.mark.parametrize("line", [b"no colon at all", b":no key", b"Key with no value", b"\x00\xff"])
def test_a_malformed_line_is_counted_and_logged_and_the_message_kept(
        line: bytes, caplog: pytest.LogCaptureFixture) -> None:
    data = b"Event: Newstate\r\n" + line + b"\r\nUniqueid: 1.4\r\n\r\nEvent: Hangup\r\nUniqueid: 1.4\r\n\r\n"
    with caplog.at_level(logging.WARNING):
        msgs, parser = feed(data)
    assert [m.event for m in msgs] == ["Newstate", "Hangup"]
    assert msgs[0]["Uniqueid"] == "1.4" and len(msgs[0].bad_lines) == 1
    assert parser.malformed == 1 and "AMI: 1 malformed line(s) in Newstate message" in caplog.text
    assert f"ignored: {msgs[0].bad_lines[0]!r}" in caplog.text  # the line itself, quoted


# --- the size cap bounds memory ---------------------------------------------------------------

@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_a_message_that_never_ends_holds_no_more_than_the_cap(eol: bytes) -> None:
    cap, read = 4096, 16384
    parser = AmiParser(max_message=cap, expect_banner=False)
    assert parser.feed(b"Event: A" + eol + eol + b"Event: Endless" + eol + b"Data: ") != []
    chunk = b"x" * read
    tracemalloc.start()
    try:
        for _ in range(200):  # 3.2 MB of one message
            assert parser.feed(chunk) == []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * (cap + read), peak  # what is held stays under the cap plus a read or two
    assert parser.dropped_oversize == 1 and parser.pending == 0
    assert [m.event for m in parser.feed(eol + eol + b"Event: After" + eol + eol)] == ["After"]


# --- C escapes, however the message is read ----------------------------------------------------

# (event, key, as sent, as meant), from Asterisk's rules (see the module's docstring)
ESCAPES = [
    ("Newchannel", "CallerIDName", r"O\'Brien 3B\?", "O'Brien 3B?"),
    ("DialBegin", "DestConnectedLineName", r"say \"hi\"", 'say "hi"'),
    ("VarSet", "Value", r"C:\\rec\'s", "C:\\rec's"),
    ("VarSet", "AppData", r"a\tb", r"a\tb"),
    ("OriginateResponse", "CallerIDName", r"C:\ward\n", r"C:\ward\n"),
    ("QueueEntry", "CallerIDName", r"O\'Brien", r"O\'Brien"),
]


@pytest.mark.parametrize(("event", "key", "wire", "meant"), ESCAPES)
@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_escapes_are_undone_where_asterisk_makes_them(event: str, key: str, wire: str, meant: str,
                                                      eol: bytes) -> None:
    lines = [f"Event: {event}", "Uniqueid: 1.5", f"{key}: {wire}", f"{key}: {wire}"]
    data = eol.join(x.encode() for x in lines) + eol + eol
    (msg,), _ = feed(data)
    assert isinstance(msg, EscapedMessage)
    assert msg.get(key) == meant and msg[key] == meant
    assert dict(msg.items())[key] == meant and msg.getall(key) == [meant, meant]
    assert msg.headers[key] == meant  # the dict, built after the lookups above
    assert msg.text.split("\n")[2] == f"{key}: {wire}"  # the text stays as sent
    for built in (Message.from_headers([(x.split(": ", 1)[0], x.split(": ", 1)[1]) for x in lines]),
                  EscapedMessage.from_headers({"Event": event, key: wire})):
        assert isinstance(built, EscapedMessage) and built[key] == meant
    (irregular,), parser = feed(data.replace(b"Uniqueid: 1.5", b"no colon"))
    assert parser.malformed == 1 and irregular.getall(key) == [meant, meant] and irregular[key] == meant


def test_a_response_sends_values_as_they_are() -> None:
    (resp,), _ = feed(b"Response: Success\r\nActionID: 2\r\nVariable: X\r\nValue: a\\'b\r\n"
                      b"CallerIDName: O\\'Brien\r\nCallerIDName: B\\?\r\n\r\n")
    assert resp.headers["Value"] == "a\\'b" and resp["CallerIDName"] == "O\\'Brien"
    assert resp.getall("CallerIDName") == ["O\\'Brien", "B\\?"]
    assert dict(resp.items())["Value"] == "a\\'b"


def test_from_headers_without_a_backslash_is_a_plain_message() -> None:
    plain = Message.from_headers({"Event": "Hangup", "Uniqueid": "1.6"})
    assert type(plain) is Message and plain["Uniqueid"] == "1.6"


def test_an_escaped_message_answers_a_missing_header_with_the_default() -> None:
    (msg,), _ = feed(b"Event: Newchannel\r\nCallerIDName: O\\'Brien\r\nUniqueid: 1.7\r\n\r\n")
    assert isinstance(msg, EscapedMessage)
    for _ in range(2):  # by lookup, then from the dict .headers builds
        assert msg.get("ConnectedLineName") == "" and msg.get("ConnectedLineName", "-") == "-"
        assert msg.get("Uniqueid", "-") == "1.7" and msg.get("CallerIDName", "-") == "O'Brien"
        assert msg.headers["CallerIDName"] == "O'Brien"


def test_message_picks_the_class_by_the_backslash() -> None:
    escaped = message("Event: Newchannel\nCallerIDName: O\\'Brien", 40, 2)
    assert isinstance(escaped, EscapedMessage) and escaped["CallerIDName"] == "O'Brien"
    assert escaped.size == 40
    plain = message("Event: Hangup\nUniqueid: 1.1")
    assert type(plain) is Message and plain.size == len("Event: Hangup\nUniqueid: 1.1")


@pytest.mark.parametrize("eol", [b"\r\n", b"\n"])
def test_a_banner_with_bytes_not_in_utf8_is_read_not_raised(eol: bytes) -> None:
    data = b"Asterisk Call Manager/13.0.0 \xff\xfe" + eol + b"Event: FullyBooted" + eol + eol
    for cut in range(len(data) + 1):
        parser = AmiParser()
        msgs = parser.feed(data[:cut]) + parser.feed(data[cut:])
        assert parser.banner == "Asterisk Call Manager/13.0.0 \ufffd\ufffd", cut
        assert [m.event for m in msgs] == ["FullyBooted"]


def test_extra_blank_lines_between_messages_are_ignored() -> None:
    data = b"Event: A\r\n\r\n\r\nX-Thing: 1\r\n\r\n\r\n\r\nEvent: B\r\n\r\n"
    for cut in range(len(data) + 1):
        msgs, parser = feed(data, [cut])
        assert [m.text for m in msgs] == ["Event: A", "X-Thing: 1", "Event: B"], cut
        assert parser.malformed == 0


def test_a_gbk_name_with_escapes_is_unescaped_on_the_filtered_way_too() -> None:
    # a filtered stream of events is sorted in C; a message that is not UTF-8 is then decoded
    # value by value, and Asterisk's escapes are still undone
    wire = "张护士".encode("gbk") + rb"\'s"
    data = b"Event: Newchannel\r\nCallerIDName: " + wire + b"\r\nUniqueid: 1.8\r\n\r\n"
    (msg,), parser = feed(data, events={"Newchannel"})
    assert msg["CallerIDName"] == "张护士's" and parser.gb18030 == 1
