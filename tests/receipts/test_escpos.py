"""The bytes, read back by the independent decoder: every field, styles, QR, cut, code pages,
and no command injection from ticket text."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from receipts.escpos import encode, encode_text
from receipts.layout import CutMark, Line, SlipRenderer
from receipts.markup import Style
from receipts.profile import PrinterProfile
from receipts.samples import sample_snapshot
from tests.receipts.conftest import BASE_URL, squash
from tests.receipts.escpos_decoder import decode


def _decode(renderer: SlipRenderer, snap: dict[str, Any], profile: PrinterProfile):  # type: ignore[no-untyped-def]
    return decode(encode(renderer.lay_out(snap, profile), profile))


def _slip_values(snap: dict[str, Any]) -> list[str]:
    loc, rep = snap["location"], snap["reporter"]
    values = [snap["center_name"], str(snap["ticket_id"]), snap["service_name"],
              loc["building"], loc["floor"], loc["room"], loc["name"], loc["code"],
              rep["name"], rep["phone"], rep["org"], snap["description"]]
    for w in snap["workers"]:
        values += [w["name"], w["code"]]
    for p in snap["parts"]:
        values += [p["name"], p["code"], p["spec"]]
    return values


def test_zh_slip_has_every_field(renderer, profile80) -> None:  # type: ignore[no-untyped-def]
    snap = sample_snapshot("zh-CN")
    d = _decode(renderer, snap, profile80)
    assert d.errors == []
    text = squash(d.text)
    for value in _slip_values(snap):
        assert squash(value) in text, value
    # Times in the center's zone (UTC+8), priority, labels, signature, accept placeholder.
    for expected in ("优先级：紧急", "响应时限：11-2409:17", "完成时限：11-2411:02",
                     "派单时间：11-2409:05", "受理时间：11-2409:02", "接单时间：___", "签收人：___",
                     "完成时间：___", "1个", "2包"):
        assert expected in text, expected
    assert d.qr_payloads == [f"{BASE_URL}/desk/tickets/1042"]
    assert d.cuts == 1 and d.commands[0] == "ESC @" and d.commands[-1] == "FS ."
    header = d.lines[0]
    assert header.text == snap["center_name"] and header.bold and header.align == 1
    number = next(x for x in d.lines if "1042" in x.text)
    assert number.big and number.bold


def test_en_slip_has_every_field(renderer, profile80) -> None:  # type: ignore[no-untyped-def]
    snap = sample_snapshot("en")
    d = _decode(renderer, snap, profile80)
    assert d.errors == []
    text = squash(d.text)
    for value in _slip_values(snap):
        assert squash(value) in text, value
    for expected in ("Priority:CRITICAL", "Respondby:11-2414:50", "Accepted:11-2414:44",
                     "Signature:___", "2pc"):
        assert expected in text, expected
    assert d.qr_payloads == [f"{BASE_URL}/desk/tickets/1043"]
    # English only: Chinese mode is never switched on.
    assert "FS &" not in d.commands


def test_kitchen_ticket(renderer, profile58) -> None:  # type: ignore[no-untyped-def]
    for lang, title, deliver in (("zh-CN", "厨 房 单", "送餐：11:30"), ("en", "KITCHEN", "Deliver:11:30")):
        snap = sample_snapshot(lang, "kitchen")
        d = _decode(renderer, snap, profile58)
        assert d.errors == []
        text = squash(d.text)
        assert squash(title) in text and deliver in text
        for item in snap["details"]["meal"]["items"]:
            # A long dish name wraps under its quantity: every word is there.
            assert all(word in text for word in item["name"].split())
        dish = next(x for x in d.lines if "x2" in x.text)
        assert dish.big and dish.text.rstrip().endswith("x2")
        assert d.cuts == 1 and d.qr_payloads


HOSTILE = "漏水\x1b@\x1d!\x11\x00\x1dV\x00\x10\x04\x01\x1c.\x1bd\x09\x85\x9b\x7f结束"


def _commands(renderer: SlipRenderer, snap: dict[str, Any], profile: PrinterProfile) -> list[str]:
    return _decode(renderer, snap, profile).commands


def test_control_bytes_in_ticket_text_print_as_text(renderer, profile80) -> None:  # type: ignore[no-untyped-def]
    clean, hostile = sample_snapshot(), sample_snapshot()
    clean["description"] = "x" * len(HOSTILE)
    hostile["description"] = HOSTILE
    hostile["reporter"]["name"] = "王\x1b@\x00"
    clean["reporter"]["name"] = "王xxx"
    hostile["workers"][0]["name"] = "张\x1dV\x41\x00"
    clean["workers"][0]["name"] = "张xxxx"
    d = _decode(renderer, hostile, profile80)
    assert d.errors == []
    assert not [c for c in d.commands if c.startswith(("CTRL", "DLE"))]
    assert d.cuts == 1
    assert d.commands.count("ESC @") == 1
    text = squash(d.text)
    # A tab prints as a space and NEL (0x85) is a line break; every other control is shown.
    assert "漏水^[@^]!^Q^@^]V^@^P^D^A^\\.^[d<9B>^?结束" in text
    assert "王^[@^@" in text and "张^]VA^@" in text
    # The hostile slip issues exactly the commands of a clean one (only wrapping differs:
    # caret notation is longer, so there are more line feeds).
    def no_lf(cmds: list[str]) -> list[str]:
        return [c for c in cmds if c != "LF"]

    assert no_lf(d.commands) == no_lf(_commands(renderer, clean, profile80))


def test_markup_in_ticket_text_stays_text(renderer, profile80) -> None:  # type: ignore[no-untyped-def]
    snap = sample_snapshot()
    snap["description"] = "坏了\ncut|\nqr|http://evil.example/\ncenter big|FREE"
    d = _decode(renderer, snap, profile80)
    assert d.cuts == 1 and d.qr_payloads == [f"{BASE_URL}/desk/tickets/1042"]
    assert "cut|" in d.text and "qr|http://evil.example/" in d.text
    assert not next(x for x in d.lines if "FREE" in x.text).big


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.text(max_size=40))
def test_any_text_gives_the_same_commands(description: str, name: str) -> None:
    renderer = SlipRenderer(base_url=BASE_URL)
    profile = PrinterProfile(encoding="gbk", columns=32, paper_mm=58)
    snap = sample_snapshot()
    snap["description"], snap["reporter"]["name"] = description, name
    d = _decode(renderer, snap, profile)
    assert d.errors == []
    assert d.cuts == 1 and len(d.qr_payloads) == 1
    assert not [c for c in d.commands if c.startswith(("CTRL", "DLE", "GS V", "GS ("))
                and not c.startswith(("GS V 66", "GS ( k"))]


def test_encode_text_never_yields_control_bytes() -> None:
    every = "".join(chr(c) for c in range(0x00, 0x3000, 7)) + "\x1b\x1d\x1c\x10\x00"
    for enc in ("gbk", "gb18030"):
        data = encode_text(every, enc)  # type: ignore[arg-type]
        assert not [b for b in data if b < 0x20 or b == 0x7F]


def _line_bytes(text: str, encoding: str) -> bytes:
    profile = PrinterProfile(encoding=encoding)  # type: ignore[arg-type]
    from receipts.layout import lay_out
    from receipts.markup import Text

    return encode(lay_out([Text(text, Style())], profile), profile)


def test_gbk_and_gb18030_profiles() -> None:
    gbk, gb = _line_bytes("价¥12 㐀😀€", "gbk"), _line_bytes("价¥12 㐀😀€", "gb18030")
    assert bytes.fromhex("a3a4") + b"12" in gbk  # ¥ → full-width ￥ that GBK firmware has
    assert bytes.fromhex("81308436") not in gbk
    assert bytes.fromhex("81308436") + b"12" in gb  # GB18030 sends the real ¥
    assert decode(gbk).lines[0].text == "价￥12 ??EUR"
    assert decode(gb).lines[0].text == "价¥12 㐀?€"
    for data in (gbk, gb):
        assert data.index(b"\x1c&") < data.index("价".encode("gbk"))
        assert data.endswith(b"\x1c.")


def test_cjk_punctuation_prints_itself_not_a_question_mark() -> None:
    # python-escpos prints "?" for these; here they are GBK double-byte codes.
    data = _line_bytes("“你好”，（测试）。、；：！？《》", "gbk")
    assert decode(data).lines[0].text == "“你好”，（测试）。、；：！？《》"


def test_wrapped_width_matches_what_prints(renderer, profile58) -> None:  # type: ignore[no-untyped-def]
    snap = sample_snapshot()
    snap["description"] = "测" * 100
    d = _decode(renderer, snap, profile58)
    desc = [x.text for x in d.lines if "测" in x.text]
    assert all(len(t.encode("gbk")) <= 32 for t in desc)
    assert sum(t.count("测") for t in desc) == 100


def test_lines_and_bytes_agree(renderer, profile80) -> None:  # type: ignore[no-untyped-def]
    laid = renderer.lay_out(sample_snapshot("zh-CN"), profile80)
    # A QR code is followed by a line feed: an empty decoded line.
    lines = [x.text if isinstance(x, Line) else "" for x in laid if not isinstance(x, CutMark)]
    assert [x.text for x in decode(encode(laid, profile80)).lines] == lines
