"""Signed short links: what they carry, how long they are, and every way one fails to open."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

import pytest

from ticketing.tokens import MAC_BYTES, Links, LinkSigner, Purpose, TokenError

TODAY = date(2026, 11, 23)
signer = LinkSigner("a-link-secret-of-the-center")


def _unb64(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def test_a_token_reads_back_what_it_was_issued_with() -> None:
    for purpose, ids in ((Purpose.ROOM, (3012, 1)), (Purpose.WORK, (1_234_567,)),
                         (Purpose.LIST, (17, 4)), (Purpose.STATUS, (2_147_483_647,))):
        token = signer.issue(purpose, ids, date(2026, 11, 30))
        claim = signer.read(token, purpose, TODAY)
        assert (claim.purpose, claim.ids, claim.expires) == (purpose, ids, date(2026, 11, 30))
    room = signer.issue(Purpose.ROOM, (3012, 1), None)
    assert signer.read(room, Purpose.ROOM, date(2090, 1, 1)).expires is None  # until revoked


def test_the_body_is_ids_and_a_day_and_the_mac_is_hmac_sha256() -> None:
    """Computed independently: purpose byte, LEB128 varints, day number since 2020-01-01, then
    the first 8 bytes of HMAC-SHA256 under sha256("onestop-link|" + secret)."""
    token = signer.issue(Purpose.WORK, (300,), date(2026, 11, 30))
    day = (date(2026, 11, 30) - date(2020, 1, 1)).days  # 2525 → varint 0xDD 0x13
    body = bytes([2, 0xAC, 0x02, day & 0x7F | 0x80, day >> 7])
    key = hashlib.sha256(b"onestop-link|a-link-secret-of-the-center").digest()
    assert _unb64(token) == body + hmac.new(key, body, hashlib.sha256).digest()[:MAC_BYTES]
    # nothing else rides along: no name, no number
    assert len(_unb64(token)) == len(body) + 8


def test_tokens_are_short_enough_for_an_sms() -> None:
    # an assignment id below 2,097,152 (three varint bytes) and a day: 14 bytes, 19 characters
    work = signer.issue(Purpose.WORK, (2_097_151,), date(2026, 11, 30))
    assert len(work) == 19 and work.isascii() and "=" not in work
    room = signer.issue(Purpose.ROOM, (4000, 1), None)
    assert len(room) <= 18
    links = Links(signer, base_url="http://10.20.1.5:8080/")
    url = links.url(Purpose.WORK, (123_456,), TODAY)
    assert url.startswith("http://10.20.1.5:8080/w/") and len(url) == len("http://10.20.1.5:8080/w/") + 19


@pytest.mark.parametrize("mangle, reason", [
    (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), "forged"),  # one character of the MAC
    (lambda t: "B" + t[1:] if t[0] != "B" else "C" + t[1:], "forged"),  # the body changed
    (lambda t: t[:10], "malformed"),
    (lambda t: "", "malformed"),
    (lambda t: "!!!" + t, "malformed"),
    (lambda t: t + "x" * 80, "malformed"),
    (lambda t: "工单" + t, "malformed"),
])
def test_a_changed_or_broken_token_is_refused(mangle, reason) -> None:  # type: ignore[no-untyped-def]
    token = signer.issue(Purpose.WORK, (42,), date(2026, 11, 30))
    with pytest.raises(TokenError) as err:
        signer.read(mangle(token), Purpose.WORK, TODAY)
    assert err.value.reason == reason


def test_another_key_another_purpose_or_a_past_day_is_refused() -> None:
    token = signer.issue(Purpose.WORK, (42,), date(2026, 11, 30))
    with pytest.raises(TokenError, match="forged"):
        LinkSigner("another-center-secret-xx").read(token, Purpose.WORK, TODAY)
    with pytest.raises(TokenError) as err:
        signer.read(token, Purpose.STATUS, TODAY)  # a work order's link is not a status page
    assert err.value.reason == "purpose"
    assert signer.read(token, Purpose.WORK, date(2026, 11, 30)).ids == (42,)  # its last day
    with pytest.raises(TokenError) as err:
        signer.read(token, Purpose.WORK, date(2026, 12, 1))
    assert err.value.reason == "expired"


def test_links_last_as_long_as_the_settings_say() -> None:
    links = Links(signer, base_url="http://x", work_days=7, status_days=30)
    work = links.token(Purpose.WORK, (1,), TODAY)
    assert links.read(work, Purpose.WORK, TODAY).expires == date(2026, 11, 30)
    assert links.read(links.token(Purpose.STATUS, (1,), TODAY), Purpose.STATUS, TODAY).expires == date(2026, 12, 23)
    assert links.read(links.token(Purpose.ROOM, (1, 1), TODAY), Purpose.ROOM, TODAY).expires is None


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 characters"):
        LinkSigner("short")
