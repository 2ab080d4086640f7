"""Log-in throttling, kept in the store so every process counts alike.

Failed log-ins are counted under three keys: the client's address and the name tried
(``pair:``, ``[web] lockout_attempts``), the address alone (``addr:``, ``address_attempts``)
and the name alone (``name:``, ``name_attempts``). Once a key reaches its count, every further
failure under it holds the next attempt back twice as long as the last (1 s, 2 s, 4 s… at
most ``lockout_minutes``); a held-back attempt is refused before the password is looked at.
A count is forgotten after twice ``lockout_minutes`` without a failure, and a good log-in
forgets its pair and its name.

Unknown names are counted exactly as known ones, so the answers never tell which names exist.
Someone failing against a name from one address holds back that address (for that name, and
for every name once it has tried many), not the name's owner elsewhere; only failures from
many addresses slow a name down for everyone, and an administrator can unlock it
(``web.accounts.unlock``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from config.settings import WebSettings
from ticketing.model import LoginThrottle


@dataclass(frozen=True)
class Key:
    key: str
    threshold: int


def keys(address: str, name: str, settings: WebSettings) -> list[Key]:
    name = name.strip().lower()[:50]
    address = address[:64]
    return [Key(f"pair:{address}|{name}", settings.lockout_attempts),
            Key(f"addr:{address}", settings.address_attempts),
            Key(f"name:{name}", settings.name_attempts)]


def held_until(s: Session, ks: list[Key], now: datetime) -> datetime | None:
    """When the latest hold on any of ``ks`` ends, if one is still on."""
    until = s.scalar(select(LoginThrottle.blocked_until).where(
        LoginThrottle.key.in_([k.key for k in ks]), LoginThrottle.blocked_until > now)
        .order_by(LoginThrottle.blocked_until.desc()).limit(1))
    return until


def failed(s: Session, ks: list[Key], now: datetime, settings: WebSettings) -> datetime | None:
    """Count a failure under each key; the hold it starts, if any."""
    forget = timedelta(minutes=2 * settings.lockout_minutes)
    longest = timedelta(minutes=settings.lockout_minutes)
    held: datetime | None = None
    for k in ks:
        row = _row(s, k.key, now)
        if now - row.last_at > forget:
            row.failures, row.first_at = 0, now
        row.failures += 1
        row.last_at = now
        if row.failures >= k.threshold:
            wait = min(timedelta(seconds=2 ** min(row.failures - k.threshold, 30)), longest)
            row.blocked_until = now + wait
            held = max(held, row.blocked_until) if held else row.blocked_until
    return held


def succeeded(s: Session, address: str, name: str, settings: WebSettings) -> None:
    """A good log-in: its pair and its name start from nothing; the address takes back the
    failure this attempt was counted as, and keeps the rest (a valid account of one's own is
    no licence to guess others')."""
    pair, addr, own = keys(address, name, settings)
    for row in s.scalars(select(LoginThrottle).where(
            LoginThrottle.key.in_([pair.key, own.key, addr.key])).with_for_update()):
        if row.key != addr.key:
            s.delete(row)
            continue
        row.failures = max(0, row.failures - 1)
        if row.failures < addr.threshold:
            row.blocked_until = None


def retry_after(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _row(s: Session, key: str, now: datetime) -> LoginThrottle:
    """The key's row, made if missing (two processes may make it at once), locked. On
    PostgreSQL a good log-in of the same name (two tabs, two devices) may delete the row
    between the insert that found it there and the lock: then it is made again."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    for _attempt in range(5):
        s.execute(insert(LoginThrottle).values(key=key, failures=0, first_at=now, last_at=now)
                  .on_conflict_do_nothing(index_elements=["key"]))
        row = s.scalar(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
                       .execution_options(populate_existing=True))
        if row is not None:
            return row
    raise RuntimeError(f"log-in throttle row {key!r} deleted each time it was made")
