"""The AGI protocol core, byte by byte."""

from __future__ import annotations

import json

import pytest

from ivr.protocol import (
    MAX_ENV_LINES,
    MAX_LINE,
    AgiEnv,
    AgiParser,
    EnvReady,
    Hangup,
    ProtocolError,
    Reply,
    clean_text,
    format_command,
    parse_reply,
    quote,
    split_command,
)
from tests.conftest import TRACES


def _inbound(path: str) -> bytes:
    lines = [json.loads(x) for x in (TRACES / path).read_text().splitlines()]
    return "".join(x["raw"] for x in lines if x["dir"] == "in").encode()


def test_recorded_session_parses_at_every_split_point() -> None:
    data = _inbound("hangup_during_ivr/agi-1.jsonl")
    whole = AgiParser().feed(data)
    for cut in range(len(data)):
        p = AgiParser()
        assert p.feed(data[:cut]) + p.feed(data[cut:]) == whole
    env = whole[0]
    assert isinstance(env, EnvReady)
    assert env.env.path == "ivr"
    assert env.env.get("calleridname") == "Pharmacy"
    assert env.env.get("accountcode") == ""
    assert whole[1:] == [parse_reply("200 result=1"), parse_reply("200 result=-1"), Hangup(),
                         parse_reply("200 result=1")]


def test_byte_at_a_time() -> None:
    data = _inbound("survey_callback/agi-1.jsonl")
    p = AgiParser()
    got = [m for b in data for m in p.feed(bytes([b]))]
    assert isinstance(got[0], EnvReady) and got[0].env.path == "survey"
    assert got[1] == parse_reply("200 result=1 (1042)")
    assert got[1].data == "1042" and got[2].value == 53


@pytest.mark.parametrize("line,result,data,extra", [
    ("200 result=1", "1", None, {}),
    ("200 result=-1 endpos=0", "-1", None, {"endpos": "0"}),
    ("200 result=0 endpos=40320", "0", None, {"endpos": "40320"}),
    ("200 result=1 (6123)", "1", "6123", {}),
    ("200 result=1 (a (b) c) )", "1", "a (b) c) ", {}),
    ("200 result=1 (x) endpos=3 (y)", "1", "x) endpos=3 (y", {}),
    ("200 result= (timeout)", "", "timeout", {}),
    ("200 result=12345 (timeout)", "12345", "timeout", {}),
    ("200 result=0 (timeout) endpos=1600", "0", "timeout", {"endpos": "1600"}),
    ("200 result=1 ()", "1", "", {}),
])
def test_reply_forms(line: str, result: str, data: str | None, extra: dict[str, str]) -> None:
    r = parse_reply(line)
    assert (r.code, r.result, r.data, r.extra) == (200, result, data, extra)


def test_errors_and_multiline_usage() -> None:
    p = AgiParser()
    p.feed(b"agi_request: agi://h/ivr\n\n")
    msgs = p.feed(b"510 Invalid or unknown command\n"
                  b"511 Command Not Permitted on a dead channel or intercept routine\n"
                  b"520-Invalid command syntax.  Proper usage follows:\n"
                  b" Usage: WAIT FOR DIGIT <timeout>\n"
                  b"520 End of proper usage.\n"
                  b"520 Invalid command syntax.  Proper usage not available.\n")
    assert [m.code for m in msgs if isinstance(m, Reply)] == [510, 511, 520, 520]
    assert "Usage: WAIT FOR DIGIT" in msgs[2].text  # type: ignore[union-attr]


@pytest.mark.parametrize("data", [
    b"GET / HTTP/1.1\r\n",
    b"agi_request agi://x/ivr\n",
    b"agi_" + b"x" * 60 + b": 1\n",
    b"agi_request: " + b"a" * MAX_LINE + b"\n",
])
def test_garbage_in_env_is_a_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        AgiParser().feed(data)


def test_oversized_line_without_newline_is_refused_early() -> None:
    p = AgiParser()
    with pytest.raises(ProtocolError):
        p.feed(b"agi_x: " + b"y" * (MAX_LINE + 10))


@pytest.mark.parametrize("line", ["hello", "200 nothing", "200 result=1 (open"])
def test_garbled_replies(line: str) -> None:
    p = AgiParser()
    p.feed(b"\n")
    with pytest.raises(ProtocolError):
        p.feed(line.encode() + b"\n")


def test_env_args_and_path() -> None:
    p = AgiParser()
    (msg,) = p.feed(b"agi_request: agi://127.0.0.1:4573/survey?x=1\nagi_arg_1: a b\n"
                    b"agi_arg_2: \"c\"\n\n")
    assert isinstance(msg, EnvReady)
    assert msg.env.path == "survey" and msg.env.args == ["a b", '"c"']


def test_quoting_neutralises_hostile_arguments() -> None:
    assert quote('Evil" \\ \n EXEC System rm') == '"Evil\\" \\\\   EXEC System rm"'
    line = format_command("SET VARIABLE", "CALLER", 'x"\nHANGUP\r\n')
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    assert line == b'SET VARIABLE "CALLER" "x\\" HANGUP  "\n'
    assert format_command("WAIT FOR DIGIT", raw=(6000,)) == b"WAIT FOR DIGIT 6000\n"
    assert format_command("RECORD FILE", "c", "wav", "#", raw=(30000, "BEEP", "s=3")) == \
        b'RECORD FILE "c" "wav" "#" 30000 BEEP s=3\n'
    with pytest.raises(TypeError):
        format_command("WAIT FOR DIGIT", raw=("6000 ; EXEC",))
    with pytest.raises(ValueError):
        format_command("VERBOSE", "x" * MAX_LINE)


GBK_NAME = "张护士".encode("gbk")  # D5 C5 BB A4 CA BF, what the recorded trunk sent


def _env_bytes(name: bytes) -> bytes:
    return (b"agi_request: agi://127.0.0.1:4573/ivr\nagi_callerid: 6125\nagi_calleridname: " + name
            + b"\nagi_language: \xe4\xb8\xad\xe6\x96\x87\n\n")  # the next line in UTF-8: 中文


def _env(data: bytes, cut: int) -> tuple[AgiEnv, AgiParser]:
    p = AgiParser()
    msgs = p.feed(data[:cut]) + p.feed(data[cut:])
    assert len(msgs) == 1 and isinstance(msgs[0], EnvReady)
    return msgs[0].env, p


def test_a_gbk_caller_name_is_decoded_per_line_at_every_split_point() -> None:
    data = _env_bytes(GBK_NAME)
    for cut in range(len(data) + 1):
        env, p = _env(data, cut)
        assert env.get("calleridname") == "张护士", cut
        assert env.get("language") == "中文"  # the UTF-8 line after it, untouched
        assert (p.gb18030, p.replaced) == (1, 0)


def test_a_name_in_neither_encoding_is_replaced_not_refused() -> None:
    env, p = _env(_env_bytes(b"\xff\xfe\x00Bad\x80"), 0)
    assert env.get("calleridname") == "\ufffd\ufffd\x00Bad\ufffd"
    assert env.get("language") == "中文" and (p.gb18030, p.replaced) == (0, 1)
    assert clean_text(env.get("calleridname")) == "\ufffd\ufffd Bad\ufffd"


def test_a_gbk_value_in_a_reply() -> None:
    p = AgiParser()
    p.feed(b"agi_request: agi://x/ivr\n\n")
    (reply,) = p.feed(b"200 result=1 (" + GBK_NAME + b")\n")
    assert isinstance(reply, Reply) and reply.data == "张护士"


# --- edges, against the AGI wire format (the module docstring) and Asterisk's parse_args ------

def test_reply_code_is_exactly_three_digits() -> None:
    for line in ("20x result=1", "2000 result=1", "1234", "20 result=1", "abc"):
        with pytest.raises(ProtocolError, match="not an AGI reply"):
            parse_reply(line)
    long = "9" * 100
    with pytest.raises(ProtocolError) as err:
        parse_reply(long)
    assert str(err.value) == f"not an AGI reply: {long[:80]!r}"


def test_replies_keep_their_raw_text() -> None:
    assert parse_reply("510 Invalid or unknown command") == Reply(510, text="510 Invalid or unknown command")
    r = parse_reply("200 result=1 (x) endpos=7")
    assert r.text == "200 result=1 (x) endpos=7" and r.endpos == 7
    assert parse_reply("200 result=1 endpos=-5").endpos == -5
    assert parse_reply("200 result=1 endpos=x").endpos is None and parse_reply("200 result=1").endpos is None
    assert parse_reply("200 result=abc").value is None and parse_reply("200 result=-1").value == -1


def test_data_that_is_not_closed_before_the_pairs_is_refused() -> None:
    # the data ends at the last ")" followed only by key=value pairs; none such here
    for line in ("200 result=1 (a) b=1 c", "200 result=1 (a) )b", "200 result=1 (a"):
        with pytest.raises(ProtocolError, match="unclosed data"):
            parse_reply(line)


def test_env_values_lose_one_leading_space_only_and_keep_the_rest() -> None:
    p = AgiParser()
    (msg,) = p.feed(b"agi_callerid:6123\nagi_calleridname:  Li  \nagi_dnid: \n\n")
    assert isinstance(msg, EnvReady)
    assert msg.env.values == {"callerid": "6123", "calleridname": " Li  ", "dnid": ""}
    assert msg.env.get("nothing", "-") == "-" and msg.env.get("nothing") == ""


def test_env_block_holds_up_to_max_env_lines() -> None:
    lines = b"".join(b"agi_arg_%d: v\n" % n for n in range(1, MAX_ENV_LINES + 1))
    (msg,) = AgiParser().feed(lines + b"\n")
    assert isinstance(msg, EnvReady) and len(msg.env.args) == 99 and len(msg.env.values) == MAX_ENV_LINES
    with pytest.raises(ProtocolError, match="environment block too long"):
        AgiParser().feed(lines + b"agi_one_more: v\n")


def test_lines_up_to_max_line_bytes_are_taken() -> None:
    p = AgiParser(max_line=30)
    env = b"agi_request: agi://h/" + b"x" * 9  # exactly 30 bytes
    assert len(env) == 30
    assert p.feed(env) == []  # incomplete, at the limit: kept
    (msg,) = p.feed(b"\n\n")
    assert isinstance(msg, EnvReady) and msg.env.path == "x" * 9
    with pytest.raises(ProtocolError, match="longer than 30"):
        AgiParser(max_line=30).feed(env + b"y\n")
    with pytest.raises(ProtocolError, match="longer than 30"):
        AgiParser(max_line=30).feed(env + b"y")


def test_crlf_and_trailing_blanks() -> None:
    p = AgiParser()
    (env,) = p.feed(b"agi_calleridname: Li \r\n\r\n")
    assert isinstance(env, EnvReady) and env.env.get("calleridname") == "Li "
    assert p.feed(b"200 result=1 (a b ) \r\n") == [parse_reply("200 result=1 (a b ) ")]


def test_multiline_usage_up_to_max_env_lines_then_refused() -> None:
    p = AgiParser()
    p.feed(b"agi_request: agi://h/ivr\n\n")
    body = [b"520-Invalid command syntax.  Proper usage follows:"] + [b" usage"] * (MAX_ENV_LINES - 1)
    assert p.feed(b"\n".join(body) + b"\n") == []
    (reply,) = p.feed(b"520 End of proper usage.\n")
    assert reply == Reply(520, text="\n".join(x.decode() for x in body) + "\n520 End of proper usage.")
    p.feed(b"\n".join(body) + b"\n")
    with pytest.raises(ProtocolError, match="usage text never ends"):
        p.feed(b" one line too many\n")


@pytest.mark.parametrize(("request_", "path"), [
    ("agi://127.0.0.1:4573/ivr/sub?x=1", "ivr/sub"),
    ("agi://127.0.0.1:4573", ""),
    ("agi://h/survey/a://b", "survey/a://b"),
    ("agi://h:1/", ""),
    ("ivr", ""),
])
def test_the_script_path_of_the_request(request_: str, path: str) -> None:
    assert AgiEnv({"request": request_}).path == path
    assert AgiEnv({"request": "agi://h/other", "network_script": "ivr?z"}).path == "ivr"


@pytest.mark.parametrize(("line", "args"), [
    ("A B", ["A", "B"]),
    ("A  B", ["A", "B"]),
    ("A\tB ", ["A", "B"]),
    (" lead", ["lead"]),
    ('"a b" c', ["a b", "c"]),
    ('"" x', ["", "x"]),
    ('a"b c"d', ["ab cd"]),
    ("a\\ b c", ["a b", "c"]),
    ("\\x", ["x"]),
    ('"a\\"b"', ['a"b']),
    ('\\"x', ['"x']),
])
def test_split_command_as_asterisk_parse_args(line: str, args: list[str]) -> None:
    assert split_command(line) == args


def test_formatted_commands_split_back_into_their_arguments() -> None:
    hostile = ['Evil" \\ x', "tab\there", "", "\\", '"']
    line = format_command("EXEC", *hostile).decode().rstrip("\n")
    assert split_command(line) == ["EXEC", *[a.replace("\t", " ") for a in hostile]]


def test_format_command_length_limit_and_raw_tokens() -> None:
    fits = "x" * (MAX_LINE - len('V ""\n'))
    assert len(format_command("V", fits)) == MAX_LINE
    with pytest.raises(ValueError, match=f"longer than {MAX_LINE}"):
        format_command("V", fits + "x")
    with pytest.raises(TypeError, match="raw AGI argument must be an int or a plain token"):
        format_command("WAIT FOR DIGIT", raw=(1.5,))


def test_clean_text() -> None:
    assert clean_text("Li\x00\n\x1b[2J\x7fWang") == "Li   [2J Wang"
    assert clean_text("x" * 100) == "x" * 80 and clean_text("x" * 100, limit=5) == "xxxxx"
