"""The pure parts of web security against the written rules: who has which capability (typed
out from docs/CONTRACTS.md, "Roles", not read from ``PERMISSIONS``), number masking, session
cookies and CSRF tokens, the kept secret and the password hash."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from web import security
from web.security import (
    ROLES,
    SessionToken,
    Signer,
    allowed,
    load_secret,
    mask_number,
)

# role × capability; "x" = has it. Typed from docs/CONTRACTS.md, "Roles".
CAPABILITIES = ("read", "session", "desk", "write", "supervise", "export", "admin", "stock", "dial",
                "recordings")
RULES = """
role        read session desk write supervise export admin stock dial recordings
operator    x    x       x    x     ·         ·      ·     ·     x    ·
dispatcher  x    x       x    x     ·         ·      ·     x     x    ·
lead        x    x       x    x     x         x      ·     x     x    x
manager     x    x       x    x     x         x      ·     x     x    x
admin       x    x       x    x     x         x      x     x     x    ·
viewer      x    x       ·    ·     ·         ·      ·     ·     ·    ·
"""


def _grid() -> dict[tuple[str, str], bool]:
    lines = [line.split() for line in RULES.strip().splitlines()]
    assert tuple(lines[0][1:]) == CAPABILITIES
    return {(role, cap): cell == "x" for role, *cells in lines[1:]
            for cap, cell in zip(CAPABILITIES, cells, strict=True)}


GRID = _grid()


def test_the_roles_are_the_documented_six() -> None:
    assert sorted(ROLES) == sorted({role for role, _ in GRID})
    assert sorted(security.PERMISSIONS) == sorted(CAPABILITIES)


@pytest.mark.parametrize(("role", "capability"), sorted(GRID))
def test_each_role_has_exactly_its_documented_capabilities(role: str, capability: str) -> None:
    assert allowed(role, capability) is GRID[(role, capability)]


def test_a_role_nobody_wrote_down_has_nothing() -> None:
    assert not any(allowed(role, cap) for role in ("", "root", "Admin", "operator ") for cap in CAPABILITIES)


@pytest.mark.parametrize(("number", "masked"), [
    ("13800000001", "138****0001"),      # a mobile: the carrier prefix and the last four
    ("+8613800000001", "+86*******0001"),
    ("02161234567", "021****4567"),      # 11 digits of a landline, the same rule
    ("61234567", "61****67"),            # 7–10 characters keep two at each end
    ("6123456", "61***56"),
    ("612345", "6*****"),                # shorter keeps only the first
    ("6123", "6***"),
    ("6", "6"),
    ("", ""),
])
def test_numbers_are_masked_by_length(number: str, masked: str) -> None:
    assert mask_number(number) == masked
    assert len(mask_number(number)) == len(number)


SECRET = "a-web-secret-of-some-length"
T0 = 1_800_000_000


def _tag(text: str) -> str:
    # HMAC-SHA256 keyed with SHA-256("onestop-web|" + secret), computed here on its own
    import base64
    import hmac

    key = hashlib.sha256(("onestop-web|" + SECRET).encode()).digest()
    return base64.urlsafe_b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).decode().rstrip("=")


def test_a_session_cookie_is_its_token_and_the_tokens_mac() -> None:
    signer = Signer(SECRET)
    nonce = signer.new_token()
    assert len(nonce) == 32 and signer.new_token() != nonce, "24 random bytes, fresh each time"
    cookie = signer.cookie(nonce)
    assert cookie == f"{nonce}.{_tag('session|' + nonce)}"
    assert signer.read(cookie) == nonce
    # whether the session it names is still open is the store's to say (tests/web/test_sessions.py)


def test_a_cookie_signed_with_another_secret_or_changed_is_refused() -> None:
    signer = Signer(SECRET)
    nonce = signer.new_token()
    cookie = signer.cookie(nonce)
    mac = cookie.rpartition(".")[2]
    assert Signer(SECRET + "x").read(cookie) is None
    for forged in (f"{nonce}x.{mac}", f"{nonce}.{mac}x", f".{mac}", mac, "", ".", f"{nonce}.",
                   f"a.{nonce}.{mac}", cookie + "A"):
        assert signer.read(forged) is None, forged
    # a token with a dot in it is refused even when correctly signed
    body = "a.b"
    assert signer.read(f"{body}.{_tag('session|' + body)}") is None


def test_the_csrf_and_log_in_tokens_are_the_same_key_under_their_own_labels() -> None:
    signer = Signer(SECRET)
    assert signer.csrf(SessionToken("nonce")) == _tag("csrf|nonce")
    assert signer.pre_csrf("seed") == _tag("login|seed")


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        Signer("x" * 15)
    Signer("x" * 16)


def test_csrf_tokens_belong_to_their_session() -> None:
    signer = Signer(SECRET)
    a, b = SessionToken(signer.new_token(), 1), SessionToken(signer.new_token(), 2)
    token = signer.csrf(a)
    assert signer.check_csrf(a, token)
    assert not signer.check_csrf(b, token)
    assert not signer.check_csrf(a, "")
    assert not signer.check_csrf(a, token[:-1])
    assert token != signer.pre_csrf(a.nonce), "a log-in token is not a session's CSRF token"
    assert signer.pre_csrf("seed") == Signer(SECRET).pre_csrf("seed") != signer.pre_csrf("seed2")


def test_the_secret_is_the_configured_one_or_generated_once_and_private(tmp_path: Path) -> None:
    assert load_secret("configured-secret", tmp_path) == "configured-secret"
    assert not (tmp_path / "web_secret").exists(), "a configured secret writes nothing"
    data = tmp_path / "new" / "dir"
    first = load_secret("", data)
    assert len(first) >= 40
    path = data / "web_secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_secret("", data) == first, "kept across restarts"
    assert len(first) == 43, "32 random bytes"
    existing = tmp_path / "existing"
    existing.mkdir()
    assert len(load_secret("", existing)) == 43, "a data dir that exists without a secret"
    path.write_text(first + "\n")
    assert load_secret("", data) == first


def test_the_fallback_password_hash_is_scrypt_with_a_fresh_salt() -> None:
    stored = security._local_hash("pässword")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    raw_salt = security._unb64(salt)
    assert len(raw_salt) == 16
    expected = hashlib.scrypt("pässword".encode(), salt=raw_salt, n=16384, r=8, p=1, dklen=32)
    assert security._unb64(digest) == expected
    assert security._local_verify("pässword", stored)
    assert not security._local_verify("password", stored)
    assert security._local_hash("pässword") != stored
    for broken in ("", "bcrypt$16384$8$1$" + salt + "$" + digest, stored.replace("$16384$", "$x$"),
                   "scrypt$16384$8$1$" + salt):
        assert not security._local_verify("pässword", broken), broken


def test_a_stored_hash_may_not_ask_for_more_than_64_mib() -> None:
    # scrypt needs 128 · r · n bytes: n = 2**15 → 32 MiB (verified), n = 2**16 → 64 MiB plus
    # its overhead (refused: a crafted hash must not make a log-in eat the server's memory)
    def stored(n: int) -> str:
        salt = b"0123456789abcdef"
        digest = hashlib.scrypt(b"pw", salt=salt, n=n, r=8, p=1, dklen=32, maxmem=2**28)
        return f"scrypt${n}$8$1${security._b64(salt)}${security._b64(digest)}"

    assert security._local_verify("pw", stored(2**15))
    assert not security._local_verify("pw", stored(2**16))


def test_base64_round_trips_without_padding() -> None:
    for raw in (b"", b"a", b"ab", b"abc", bytes(range(256))):
        text = security._b64(raw)
        assert "=" not in text and security._unb64(text) == raw
    assert security._b64(b"\xfb\xff") == "-_8"


def test_an_unknown_user_costs_a_real_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "_DUMMY_HASH", None)  # as in a fresh process
    security.dummy_verify("anything")
    assert security._DUMMY_HASH is not None and security._DUMMY_HASH.startswith("scrypt$")
    kept = security._DUMMY_HASH
    security.dummy_verify("again")
    assert security._DUMMY_HASH is kept, "hashed once, then reused"
