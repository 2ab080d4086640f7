"""Click-to-call's number rules, case by case from the written rules (ticketing/dialing.py)."""

from __future__ import annotations

import pytest

from ticketing.dialing import DialRefused, dialable


@pytest.mark.parametrize("given,number,kind", [
    ("13900139000", "13900139000", "mobile"),
    ("139-0013-9000", "13900139000", "mobile"),
    ("+86 139 0013 9000", "13900139000", "mobile"),
    ("0086 13900139000", "13900139000", "mobile"),
    ("010-12345678", "01012345678", "landline"),
    ("(0755) 8765 4321", "075587654321", "landline"),
    ("+86 10 1234 5678", "01012345678", "landline"),
    ("0571-8888888", "05718888888", "landline"),
    ("6123", "6123", "internal"),
    ("305", "305", "internal"),
    ("80001", "80001", "internal"),
])
def test_what_the_desk_may_dial(given: str, number: str, kind: str) -> None:
    got = dialable(given)
    assert (got.number, got.kind) == (number, kind)


@pytest.mark.parametrize("given,why", [
    ("", "empty"), ("  ", "empty"), ("139a0013900", "not_a_number"), ("6123#", "not_a_number"),
    ("+1 212 555 0100", "international"), ("0044 20 7946 0000", "international"),
    ("95555", "premium"), ("96123", "premium"), ("95105688", "premium"), ("1900123456", "premium"),
    ("16812345", "premium"), ("110", "premium"), ("120", "premium"), ("12345", "premium"),
    ("10086", "premium"), ("12", "unknown_form"), ("139001390001", "unknown_form"),
    ("23456789", "unknown_form"), ("9123", "unknown_form"),
])
def test_what_is_refused_and_why(given: str, why: str) -> None:
    with pytest.raises(DialRefused) as err:
        dialable(given)
    assert err.value.why == why


def test_the_settings_may_allow_them() -> None:
    assert dialable("+1 212 555 0100", allow_international=True).number == "0012125550100"
    assert dialable("95555", allow_premium=True).kind == "premium"
    assert dialable("9123", internal=r"9\d{3}").kind == "internal"
