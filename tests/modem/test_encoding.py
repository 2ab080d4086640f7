from __future__ import annotations

import pytest
from smspdudecoder.easy import read_outgoing_sms

from modem.encoding import (
    InvalidNumber,
    choose_alphabet,
    length_units,
    normalise_number,
    split_text,
)
from modem.pdu import decode, encode_submit


@pytest.mark.parametrize(("raw", "want"), [
    ("138-0000-0000", "+8613800000000"), ("+86 138 0000 0000", "+8613800000000"),
    ("13800000000", "+8613800000000"), ("008613800000000", "+8613800000000"),
    ("8613800000000", "+8613800000000"), ("１３８００００００００", "+8613800000000"),
    ("6123", "6123"), ("+44 7700 900123", "+447700900123"), ("(0086) 139-1234-5678", "+8613912345678"),
])
def test_numbers_normalised(raw: str, want: str) -> None:
    assert normalise_number(raw) == want


@pytest.mark.parametrize("raw", ["", "abc", "+1", "12", "1380000000", "23800000000", "+86 120 0000 0000",
                                 "12345678901234567", "6123abc", "１３８＊", "+0123456789", "ZHANG"])
def test_garbage_numbers_refused(raw: str) -> None:
    with pytest.raises(InvalidNumber):
        normalise_number(raw)


def test_alphabet_choice() -> None:
    assert choose_alphabet("Room 305 [urgent] €5") == "gsm7"
    assert choose_alphabet("维修 305") == "ucs2"
    assert length_units("[x]", "gsm7") == 5  # extension characters take two septets


def test_gsm7_split_never_cuts_an_escape() -> None:
    text = "a" * 152 + "[" + "b" * 10
    split = split_text(text)
    assert split.parts[0] == "a" * 152 and split.parts[1].startswith("[")
    assert all(length_units(p, "gsm7") <= 153 for p in split.parts)


def test_ucs2_split_keeps_surrogate_pairs() -> None:
    text = "修" * 66 + "👍" + "好" * 10
    split = split_text(text)
    assert split.alphabet == "ucs2" and split.parts[0] == "修" * 66 and split.parts[1][0] == "👍"
    assert "".join(split.parts) == text


def test_lone_surrogates_and_controls_removed() -> None:
    assert split_text("ok\ud83d\x00\x07 done\r\n").parts == ("ok? done\n",)  # replaced, not dropped silently


def test_300_chinese_characters_decoded_by_an_independent_decoder() -> None:
    text = ("请到门诊医技综合楼三层305室维修空调，报修人分机6123，三十分钟内响应。" * 10)[:300]
    pdus = encode_submit("+8613800000000", text, tag=9, concat_ref=42)
    assert len(pdus) == 5 and all(p.tpdu_length <= 140 + 15 for p in pdus)
    decoded = [read_outgoing_sms(p.hex) for p in pdus]
    assert "".join(d["content"] for d in decoded) == text
    assert {d["recipient"] for d in decoded} == {"+8613800000000"}
    assert [decode(p.hex).concat for p in pdus] == [(42, 5, i) for i in range(1, 6)]


def test_emoji_roundtrip_through_our_decoder() -> None:
    text = "完成了👍" * 40
    assert "".join(decode(p.hex).text for p in encode_submit("6123", text)) == text


def test_gsm7_roundtrip_independent() -> None:
    text = "Order 1042: repair at ward 5, reply ACCEPT 1042. " * 5
    pdus = encode_submit("+8613800000000", text, concat_ref=7)
    assert "".join(read_outgoing_sms(p.hex)["content"] for p in pdus) == text
