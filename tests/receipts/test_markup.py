from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receipts.markup import (
    Cut,
    Field,
    MarkupError,
    Qr,
    Row,
    Style,
    Text,
    escape,
    parse,
    split_payload,
)


def test_parse_every_kind() -> None:
    els = parse("center bold big|Title\nfield|Label: |value\nrow|dish|x2\nrule|=\nqr|http://x/1\n"
                "sign|Sig: \nfeed|2\ncut|\n# a comment\n\n|plain text")
    assert els[0] == Text("Title", Style(bold=True, big=True, align="center"))
    assert els[1] == Field("Label: ", "value")
    assert els[2] == Row("dish", "x2")
    assert els[4] == Qr("http://x/1")
    assert isinstance(els[7], Cut)
    assert els[8] == Text("plain text")


def test_unknown_tag_and_line_without_bar_are_errors() -> None:
    with pytest.raises(MarkupError, match="unknown tag"):
        parse("blink|x")
    with pytest.raises(MarkupError, match="no '\\|'"):
        parse("just text")


@given(st.text())
def test_escape_round_trips_and_never_starts_a_line(value: str) -> None:
    escaped = escape(value)
    assert "\n" not in escaped and "\r" not in escaped
    expected = value.replace("\r\n", "\n")
    for sep in ("\r", "\u2028", "\u2029", "\x85"):
        expected = expected.replace(sep, "\n")
    assert split_payload(escaped) == [expected]


def test_a_value_holding_markup_stays_text() -> None:
    els = parse("field|Desc: |" + escape("broken\ncut|\nqr|http://evil|x"))
    assert len(els) == 1
    assert els[0] == Field("Desc: ", "broken\ncut|\nqr|http://evil|x")
