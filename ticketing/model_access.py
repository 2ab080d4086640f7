"""The tables of who gets in: users, their log-in sessions, log-in throttling, idempotent
requests; the links' grants (room QR codes, a worker's list), the shared rate counters and the
phone verification codes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model_base import Base


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(16))  # operator|dispatcher|lead|manager|admin|viewer
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    staff_code: Mapped[str] = mapped_column(String(32), default="")
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)



class WebSession(Base):
    """One log-in: the cookie names it (by a random token whose SHA-256 is kept here, never
    the token), every request and every open event stream checks it, log-out ends it."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # absolute: a log-in lasts no longer
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str] = mapped_column(String(50), default="")
    end_reason: Mapped[str] = mapped_column(String(30), default="")  # logout|everywhere|admin|…
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class LoginThrottle(Base):
    """Failed log-ins counted per client address, per name and per (address, name), known
    names and unknown alike; ``blocked_until`` is the back-off before the next attempt."""

    __tablename__ = "login_throttle"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # addr:…, name:…, pair:…|…
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


class IdempotencyKey(Base):
    """A state-changing request sent with an ``Idempotency-Key``: written in the same
    transaction as the command it ran, so a retry finds it and gets the first answer."""

    __tablename__ = "idempotency_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100))
    route: Mapped[str] = mapped_column(String(200))  # "POST /api/tickets"
    request_hash: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int | None] = mapped_column(Integer)  # the ticket it made or acted on
    status: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (UniqueConstraint("user_id", "key"),)


# --- links: room QR codes (扫码报修), the worker's page, the reporter's status -------------

class LinkGrant(Base):
    """The current version of a room's QR codes (``kind = room``, ``subject`` its location
    code) or of a worker's list link (``worker``, the staff code). A link names the version it
    was issued with; raising the version revokes every link issued before. No row: version 1."""

    __tablename__ = "link_grant"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(50), default="")

    __table_args__ = (UniqueConstraint("kind", "subject"),)



class RateCounter(Base):
    """Hits per key (``room:<id>``, ``addr:<ip>``, ``code:<number>``) and time window: shared by
    every process of the center, so the limits hold however many serve the pages."""

    __tablename__ = "rate_counter"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class PhoneCode(Base):
    """The last verification code sent to a number (a salted hash of it), until it is used,
    expires or has been guessed at too often."""

    __tablename__ = "phone_code"
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)

