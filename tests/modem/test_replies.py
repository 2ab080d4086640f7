from __future__ import annotations

import pytest

from modem.replies import Reply, Unparsed, parse_reply


@pytest.mark.parametrize(("text", "want"), [
    ("接单 1042", Reply("accept", 1042)), ("ACCEPT 1042", Reply("accept", 1042)),
    ("accept #1042", Reply("accept", 1042)), ("1 1042", Reply("accept", 1042)),
    ("１　１０４２", Reply("accept", 1042)), ("到达1042", Reply("arrived", 1042)),
    ("同意 1042", Reply("approve", 1042)), ("1042 同意", Reply("approve", 1042)),
    ("不同意 1042 已出院", Reply("reject", 1042, reason="已出院")),
    ("1042不同意", Reply("reject", 1042)), ("reject 1042 over budget", Reply("reject", 1042, reason="over budget")),
    ("ARRIVED 1042", Reply("arrived", 1042)), ("2 1042", Reply("arrived", 1042)),
    ("完成 1042", Reply("done", 1042)), ("1042 完成", Reply("done", 1042)),
    ("完成 1042 配件 P0001x2", Reply("done", 1042, (("P0001", 2),))),
    ("完成1042配件P0001×2 P0002", Reply("done", 1042, (("P0001", 2), ("P0002", 1)))),
    ("DONE 1042 parts p0001*3, P0002x1", Reply("done", 1042, (("P0001", 3), ("P0002", 1)))),
    ("ＤＯＮＥ　１０４２", Reply("done", 1042)),
    ("无法 1042 缺少配件", Reply("cannot", 1042, reason="缺少配件")),
    ("CANNOT 1042 no ladder", Reply("cannot", 1042, reason="no ladder")),
    ("4 1042 太远", Reply("cannot", 1042, reason="太远")),
])
def test_replies(text: str, want: Reply) -> None:
    assert parse_reply(text) == want


@pytest.mark.parametrize("text", ["", "   ", "hello", "1042", "好的", "完成 abc", "到达 0",
                                  "完成 1042 配件 !!", "配件 P0001", "5 1042", "\x00\x01"])
def test_garbage_is_unparsed_with_a_reason(text: str) -> None:
    result = parse_reply(text)
    assert isinstance(result, Unparsed) and result.reason
