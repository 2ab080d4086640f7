"""Log-in sessions kept in the store: made at log-in, checked on every request and by open
event streams, ended by a log-out (this one, or all of a user's), by an administrator, or by
disabling the account; they expire after ``[web] session_idle_minutes`` without use and
``[web] session_hours`` after the log-in whatever the use.

A request costs one read on the token's unique index (the session joined with its user, as
plain columns: no ORM objects are made for it). The last use is written at most once a minute
per session, so a busy desk does not turn every read into a write. There is no cache: an ended
session is refused by the next request in every process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    CursorResult,
    Delete,
    bindparam,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from config.settings import WebSettings
from ticketing.model import User, WebSession
from web.security import token_hash

TOUCH_EVERY = timedelta(minutes=1)  # how stale the stored last use may get
RETENTION = timedelta(days=7)  # ended or expired rows are kept this long, then swept


@dataclass(frozen=True)
class Found:
    """An open session and its user, as a request sees them."""

    session_id: int
    user_id: int
    username: str
    display_name: str
    role: str
    language: str
    staff_code: str
    last_seen_at: datetime | None = None  # as stored (``touch`` writes it again after TOUCH_EVERY)


def is_open(row: Any, now: datetime, settings: WebSettings) -> bool:
    """``row``: a session (or a row with its ``ended_at``, ``expires_at``, ``last_seen_at``)."""
    return (row.ended_at is None and now < row.expires_at
            and now - row.last_seen_at < timedelta(minutes=settings.session_idle_minutes))


_FIND = (select(WebSession.id, WebSession.ended_at, WebSession.expires_at, WebSession.last_seen_at,
                User.id.label("user_id"), User.active, User.username, User.display_name, User.role,
                User.language, User.staff_code)
         .join(User, User.id == WebSession.user_id)
         .where(WebSession.token_hash == bindparam("token_hash")))  # built once, cached compiled


def open_session(s: Session, user_id: int, nonce: str, now: datetime, settings: WebSettings,
                 address: str = "", agent: str = "") -> int:
    """A new session for ``user_id`` named by ``nonce`` (the cookie's token)."""
    row = WebSession(token_hash=token_hash(nonce), user_id=user_id, created_at=now,
                     last_seen_at=now, expires_at=now + timedelta(hours=settings.session_hours),
                     ended_by="", end_reason="", address=address[:64], user_agent=agent[:200])
    s.add(row)
    s.flush()
    return row.id


def find(s: Session | Connection, nonce: str, now: datetime, settings: WebSettings,
         note_use: bool = True) -> Found | None:
    """The open session ``nonce`` names with its (active) user, or None; notes the use
    (``note_use`` false: in a transaction that only reads — then ``stale`` and ``touch``)."""
    row = s.execute(_FIND, {"token_hash": token_hash(nonce)}).first()
    if row is None or not row.active or not is_open(row, now, settings):
        return None
    last_seen = row.last_seen_at
    if note_use and stale(last_seen, now):
        touch(s, row.id, now)
        last_seen = now
    return Found(row.id, row.user_id, row.username, row.display_name or row.username, row.role,
                 row.language, row.staff_code, last_seen)


def stale(last_seen_at: datetime | None, now: datetime) -> bool:
    """Whether the stored last use is old enough to be written again."""
    return last_seen_at is not None and now - last_seen_at >= TOUCH_EVERY


def touch(s: Session | Connection, session_id: int, now: datetime) -> None:
    """Note a use of an open session (one that ``find`` or ``still_open`` read as ``stale``)."""
    s.execute(update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None),
                                       WebSession.last_seen_at < now).values(last_seen_at=now))


def still_open(s: Session, session_id: int, now: datetime, settings: WebSettings) -> tuple[bool, bool]:
    """Whether a session (of an open event stream) is still open, and whether its stored last
    use is ``stale`` (an open stream is use: ``touch`` it)."""
    hit = s.execute(select(WebSession, User.active).join(User, User.id == WebSession.user_id)
                    .where(WebSession.id == session_id)).first()
    if hit is None or not hit[1] or not is_open(hit[0], now, settings):
        return False, False
    return True, stale(hit[0].last_seen_at, now)


def end(s: Session, session_id: int, now: datetime, by: str, reason: str) -> None:
    s.execute(update(WebSession).where(WebSession.id == session_id, WebSession.ended_at.is_(None))
              .values(ended_at=now, ended_by=by[:50], end_reason=reason[:30]))


def end_all(s: Session, user_id: int, now: datetime, by: str, reason: str) -> int:
    """End every open session of ``user_id``; returns how many were open."""
    result = s.execute(update(WebSession)
                       .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None),
                              WebSession.expires_at > now)
                       .values(ended_at=now, ended_by=by[:50], end_reason=reason[:30]))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def listing(s: Session, user_id: int, now: datetime, settings: WebSettings,
            current: int = 0) -> list[dict[str, Any]]:
    """A user's sessions of the last week, newest first: when, from where, open or how ended."""
    rows = s.scalars(select(WebSession).where(WebSession.user_id == user_id,
                                              WebSession.created_at > now - RETENTION)
                     .order_by(WebSession.id.desc()).limit(50))
    return [{"id": r.id, "created_at": r.created_at.isoformat(),
             "last_seen_at": r.last_seen_at.isoformat(), "expires_at": r.expires_at.isoformat(),
             "address": r.address, "user_agent": r.user_agent, "open": is_open(r, now, settings),
             "ended_at": r.ended_at.isoformat() if r.ended_at else None, "ended_by": r.ended_by,
             "end_reason": r.end_reason, "current": r.id == current} for r in rows]


def open_counts(s: Session, now: datetime) -> dict[int, int]:
    """user id → sessions not ended and not past their absolute expiry."""
    return dict(s.execute(select(WebSession.user_id, func.count())  # type: ignore[arg-type]
                          .where(WebSession.ended_at.is_(None), WebSession.expires_at > now)
                          .group_by(WebSession.user_id)).all())


def sweep(s: Session, now: datetime) -> int:
    """Delete sessions that ended or expired more than ``RETENTION`` ago (log-ins and log-outs
    stay in the audit log)."""
    cutoff = now - RETENTION
    return deleted(s, delete(WebSession).where(or_(WebSession.expires_at < cutoff,
                                                   WebSession.ended_at < cutoff)))


def deleted(s: Session, stmt: Delete) -> int:
    """Run a DELETE; how many rows it removed."""
    result = cast(CursorResult[Any], s.execute(stmt))
    return int(result.rowcount or 0)
