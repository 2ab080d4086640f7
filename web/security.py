"""Sessions, CSRF tokens, password hashes, roles and masking: the pure parts of security.

A session cookie is ``<random token>.<HMAC-SHA256>`` signed with the web secret; the session
itself — whose it is, when it expires, whether it was ended — is a row in the store
(``web.sessions``), found by the token's SHA-256. The CSRF token is derived from the token with
the same key, so it needs no storage and dies with the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ticketing.masking import mask_number as mask_number  # where web's callers find it

ROLES = ("operator", "dispatcher", "lead", "manager", "admin", "viewer")

# What each capability is for, and who has it. Every /api/ route names exactly one.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),  # tickets, search, wallboard, board, statistics (viewers masked)
    "session": frozenset(ROLES),  # one's own log-in sessions: list them, end them all
    "desk": frozenset({"operator", "dispatcher", "lead", "manager", "admin"}),  # pops, calls
    "write": frozenset({"operator", "dispatcher", "lead", "manager", "admin"}),  # ticket commands
    "supervise": frozenset({"lead", "manager", "admin"}),  # assess, merge, reopen, escalate
    "export": frozenset({"lead", "manager", "admin"}),  # CSV / Excel, audit history
    "admin": frozenset({"admin"}),  # master data and users
    "stock": frozenset({"dispatcher", "lead", "manager", "admin"}),  # stock documents, back-orders
    # telephony: place a call from a ticket (click-to-call) and one's own queue state
    "dial": frozenset({"operator", "dispatcher", "lead", "manager", "admin"}),
    # listen to hotline call recordings (each play audited)
    "recordings": frozenset({"lead", "manager"}),
}

def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def mask_name(name: str) -> str:
    """A patient's name for viewers: ``张三丰`` → ``张**``."""
    return name[:1] + "*" * (len(name) - 1) if name else name


# --- passwords ---------------------------------------------------------------------------

def _local_hash(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return "scrypt$16384$8$1$" + _b64(salt) + "$" + _b64(digest)


def _local_verify(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(_unb64(digest)), maxmem=2**26)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _unb64(digest))


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _password_functions() -> tuple[Callable[[str], str], Callable[[str, str], bool]]:
    # The master-data module owns the format users are imported with; use it when present.
    try:
        from ticketing.passwords import hash_password, verify_password
    except ImportError:
        return _local_hash, _local_verify
    return hash_password, verify_password


hash_password, verify_password = _password_functions()

# Verifying against this when the user does not exist takes as long as a real check, so the
# response time does not tell which user names exist.
_DUMMY_HASH: str | None = None


def dummy_verify(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not a real password")
    verify_password(password, _DUMMY_HASH)


# --- sessions and CSRF --------------------------------------------------------------------

@dataclass(frozen=True)
class SessionToken:
    """The random token a session cookie carries, and the stored session it names."""

    nonce: str
    session_id: int = 0


def token_hash(nonce: str) -> str:
    """What the store keeps of a session's token (a leaked table gives no cookies)."""
    return hashlib.sha256(nonce.encode()).hexdigest()


class Signer:
    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("web.secret_key must be at least 16 characters")
        self._key = hashlib.sha256(("onestop-web|" + secret).encode()).digest()

    def _mac(self, text: str) -> str:
        return _b64(hmac.new(self._key, text.encode(), hashlib.sha256).digest())

    def new_token(self) -> str:
        return secrets.token_urlsafe(24)

    def cookie(self, nonce: str) -> str:
        """The cookie for a session's token: the token and its MAC."""
        return nonce + "." + self._mac("session|" + nonce)

    def read(self, cookie: str) -> str | None:
        """The token of a cookie this app made, or None (forged, garbled): whether the session
        it names is still open is the store's to say (``web.sessions``)."""
        nonce, _, mac = cookie.rpartition(".")
        if not nonce or "." in nonce or not hmac.compare_digest(mac, self._mac("session|" + nonce)):
            return None
        return nonce

    def csrf(self, token: SessionToken) -> str:
        return self._mac("csrf|" + token.nonce)

    def check_csrf(self, token: SessionToken, given: str) -> bool:
        return bool(given) and hmac.compare_digest(given, self.csrf(token))

    def pre_csrf(self, seed: str) -> str:
        """The log-in form's token, bound to a random pre-session cookie (double submit)."""
        return self._mac("login|" + seed)


def load_secret(configured: str, data_dir: Path) -> str:
    """The configured secret, or one generated once and kept (0600) in the data dir."""
    if configured:
        return configured
    path = data_dir / "web_secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret
