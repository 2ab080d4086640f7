"""The cell parsers an import and an administrator's edit share refuse what a column cannot
hold with a reason (``BadValue``), never another exception: infinities, NaN, numbers beyond
an Integer column or a price's 12 digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ticketing.masterdata import BadValue, integer, price


@pytest.mark.parametrize("raw", ["Infinity", "-Infinity", "NaN", "sNaN", "1e400", "2147483648",
                                 "1" + "0" * 30, "2.5", "-1", "abc"])
def test_integer_refuses_what_a_column_cannot_hold(raw: str) -> None:
    with pytest.raises(BadValue):
        integer(0)(raw)


def test_integer_takes_whole_numbers_with_separators() -> None:
    assert integer(0)("1,200") == 1200 and integer(0)("3.0") == 3 and integer(0)("") == 0
    assert integer(0)("2147483647") == 2_147_483_647


@pytest.mark.parametrize("raw", ["Infinity", "NaN", "-1", "1e400", "1" + "0" * 30, "0.125",
                                 "12,34.5.6"])
def test_price_refuses_what_a_price_cannot_be(raw: str) -> None:
    with pytest.raises(BadValue):
        price(raw)


def test_price_takes_yuan() -> None:
    assert price("¥1,234.5") == Decimal("1234.50") and price("") == Decimal("0.00")
    assert price("9999999999.99") == Decimal("9999999999.99")
