"""The signature is HMAC-SHA256 as RFC 4231 defines it, over the exact body; a receiver's check
refuses a changed body, a moved or stale timestamp and a changed delivery id."""

from __future__ import annotations

import json

import pytest

from hooks import signing


def test_the_signature_is_rfc_4231_hmac_sha256() -> None:
    # RFC 4231, test case 2
    assert signing.signature("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


def test_a_request_carries_its_id_event_and_signed_timestamp() -> None:
    body, headers = signing.request(42, "ticket.created", "2026-11-23T01:00:00+00:00", {"ticket": {"id": 7}},
                                    2, "s3cret-s3cret-s3cret", 1_763_859_600)
    payload = json.loads(body)
    assert payload == {"id": 42, "event": "ticket.created", "occurred_at": "2026-11-23T01:00:00+00:00",
                       "sent_at": 1_763_859_600, "attempt": 2, "data": {"ticket": {"id": 7}}}
    assert headers["X-OneStop-Delivery"] == "42" and headers["X-OneStop-Event"] == "ticket.created"
    assert headers["X-OneStop-Timestamp"] == "1763859600"
    assert signing.verify("s3cret-s3cret-s3cret", body, headers, now_s=1_763_859_650)["id"] == 42


@pytest.mark.parametrize(("change", "why"), [
    (lambda b, h: (b.replace(b'"id":7', b'"id":8'), h), "bad signature"),
    (lambda b, h: (b, h | {"X-OneStop-Timestamp": "1763859999"}), "not the signed one"),
    (lambda b, h: (b, h | {"X-OneStop-Delivery": "43"}), "not the signed id"),
])
def test_a_changed_request_is_refused(change, why: str) -> None:  # type: ignore[no-untyped-def]
    body, headers = signing.request(42, "ticket.created", "", {"ticket": {"id": 7}}, 1, "k" * 20, 1_763_859_600)
    body, headers = change(body, headers)
    with pytest.raises(ValueError, match=why):
        signing.verify("k" * 20, body, headers, now_s=1_763_859_600)


def test_a_replayed_request_is_refused_once_stale() -> None:
    body, headers = signing.request(42, "ping", "", {}, 1, "k" * 20, 1_763_859_600)
    signing.verify("k" * 20, body, headers, now_s=1_763_859_600 + 299)
    with pytest.raises(ValueError, match="replay"):
        signing.verify("k" * 20, body, headers, now_s=1_763_859_600 + 301)
    with pytest.raises(ValueError, match="bad signature"):
        signing.verify("another secret!!", body, headers, now_s=1_763_859_600)
