"""Webhooks: subscriptions (where a hospital's HIS or a chat bot wants events, signed with
its secret) and their deliveries, an outbox the sender adapter leases like the SMS outbox.

Administrators manage subscriptions (each change one transaction with its audit row; the
secret never goes into the audit log). The feed reader (``ticketing.event_feed``) writes a
delivery per event and interested subscription; the sender (``hooks/``) ``claim``s due ones
under a lease, POSTs them and records the outcome: ``mark_delivered`` (a 2xx) or
``mark_failed`` (retried with back-off, then ``failed``). A sender that dies holding a lease
lets it run out and the delivery goes again with the same id, which is how a receiver
recognises it (exactly once by delivery id). A delivery's row is its log: status, HTTP status
code, latency, the last error and the attempts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Table, func, select

from ticketing import event_feed
from ticketing.audit import audit
from ticketing.catalog import Catalog
from ticketing.commands.base import TicketError, TicketNotFound
from ticketing.model import Base
from ticketing.model_facilities import WebhookDelivery, WebhookSubscription
from ticketing.outbox import Backoff
from ticketing.ports import Clock
from ticketing.store import Store
from ticketing.tx import Record
from ticketing.webhook_context import FORMATS, LANGUAGES, context

SUBSCRIPTION: Table = Base.metadata.tables["webhook_subscription"]
DELIVERY: Table = Base.metadata.tables["webhook_delivery"]
EVENTS = event_feed.EVENTS
STATES = ("queued", "sending", "retry", "delivered", "failed")
FIELDS = ("name", "url", "events", "active", "personal", "format", "language")


class WebhookError(TicketError):
    """A subscription or delivery refused for a reason the user can fix; names the field."""


class SubscriptionNotFound(WebhookError, TicketNotFound):
    pass


@dataclass(frozen=True)
class Delivery:
    """A claimed delivery, as the sender needs it."""

    id: int
    subscription_id: int
    url: str
    secret: str
    event: str
    occurred_at: datetime
    payload: dict[str, Any]
    attempts: int
    format: str = "generic"  # or a chat bot's (``webhook_context.FORMATS``)
    language: str = "zh-CN"  # a chat message's words
    context: dict[str, str] = field(default_factory=dict)  # the names a chat message shows


class Webhooks:
    def __init__(self, store: Store, clock: Clock, backoff: Backoff | None = None,
                 lease: timedelta = timedelta(seconds=60), catalog: Catalog | None = None) -> None:
        self.store, self.clock, self.catalog = store, clock, catalog
        self.backoff = backoff or Backoff(base_s=10.0, cap_s=3600.0, max_attempts=10)
        self.lease = lease

    # --- subscriptions -------------------------------------------------------------------

    def create(self, actor: str, values: dict[str, Any]) -> dict[str, Any]:
        """A subscription (``name``, ``url``, ``events``, ``secret``: given or made, shown only
        here; ``active``, ``personal``)."""
        clean = _checked({"active": True, "personal": False, "format": "generic", "language": "zh-CN"} | values)
        secret = _secret(values.get("secret"), clean["format"])
        with self.store.tx(self.clock.now) as tx:
            sub = tx.create(SUBSCRIPTION, {**clean, "secret": secret, "created_by": actor[:50],
                                           "created_at": tx.now, "updated_at": tx.now})
            audit(tx, tx.now, actor, "webhook_subscription", sub.id, "create", None, _audited(sub))
            # our secret, shown once, for the receiver to keep; a robot's is the robot's own
            return _public(sub) | ({"secret": secret} if clean["format"] == "generic" else {})

    def update(self, actor: str, sub_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a subscription; ``new_secret: true`` makes a new secret (returned once);
        ``secret`` sets one (a chat bot's own signing secret, or "" for a robot that signs
        nothing)."""
        unknown = set(changes) - set(FIELDS) - {"new_secret", "secret"}
        if unknown:
            raise WebhookError(f"cannot change {', '.join(sorted(unknown))} of a subscription")
        with self.store.tx(self.clock.now) as tx:
            sub = tx.get(SUBSCRIPTION, sub_id, lock=True)
            if sub is None:
                raise SubscriptionNotFound(f"no subscription {sub_id}")
            before = _audited(sub)
            clean = _checked({f: getattr(sub, f) for f in FIELDS} | {k: v for k, v in changes.items()
                                                                       if k in FIELDS})
            for key, value in clean.items():
                setattr(sub, key, value)
            # the generic format signs with our secret: one is made for a robot's subscription
            # turned generic without one
            rotated = bool(changes.get("new_secret")) or (sub.format == "generic" and not sub.secret
                                                          and not changes.get("secret"))
            if rotated:
                sub.secret = _secret(None, "generic")
            elif "secret" in changes:
                sub.secret = _secret(changes["secret"], clean["format"], keep_empty=True)
            sub.updated_at = tx.now
            after = _audited(sub) | ({"secret": "(new)"} if rotated or "secret" in changes else {})
            audit(tx, tx.now, actor, "webhook_subscription", sub.id, "edit", before, after)
            return _public(sub) | ({"secret": sub.secret} if rotated else {})

    def subscriptions(self) -> list[dict[str, Any]]:
        with self.store.tx() as tx:
            return [_public(s) for s in tx.records(SUBSCRIPTION, "1 = 1 ORDER BY id")]

    def ping(self, actor: str, sub_id: int) -> int:
        """A ``ping`` delivery to the subscription now (to try its receiver)."""
        with self.store.tx(self.clock.now) as tx:
            sub = tx.get(SUBSCRIPTION, sub_id)
            if sub is None:
                raise SubscriptionNotFound(f"no subscription {sub_id}")
            n = int(tx.one("SELECT count(*) FROM webhook_delivery WHERE subscription_id = ?"
                           " AND event = 'ping'", (sub.id,))[0])
            delivery_id = tx.insert(DELIVERY, {
                "subscription_id": sub.id, "event": "ping", "event_key": f"ping:{n + 1}",
                "payload": {"subscription": sub.id, "by": actor}, "occurred_at": tx.now,
                "status": "queued", "attempts": 0, "due_at": tx.now, "worker": "", "error": "",
                "created_at": tx.now})
            audit(tx, tx.now, actor, "webhook_subscription", sub.id, "ping", None, {"delivery": delivery_id})
            return delivery_id

    def redeliver(self, actor: str, delivery_id: int) -> None:
        """Send a failed (or delivered) delivery again, now, with the same id."""
        with self.store.tx(self.clock.now) as tx:
            d = tx.get(DELIVERY, delivery_id, lock=True)
            if d is None:
                raise SubscriptionNotFound(f"no delivery {delivery_id}")
            if d.status in ("queued", "retry", "sending"):
                raise WebhookError(f"delivery {delivery_id} is {d.status}: it is going already")
            d.status, d.due_at, d.lease_until = "queued", tx.now, None
            audit(tx, tx.now, actor, "webhook_delivery", d.id, "redeliver", None, {"event": d.event})

    # --- the feed ------------------------------------------------------------------------

    def pump(self, limit: int = 500) -> int:
        """New events into deliveries (``ticketing.event_feed``); returns how many."""
        return event_feed.pump(self.store, self.clock, limit)

    # --- the outbox ----------------------------------------------------------------------

    def claim(self, worker: str, limit: int = 4) -> list[Delivery]:
        """Due deliveries of active subscriptions (and those whose sender died holding them),
        leased to ``worker``."""
        now = self.clock.now()
        with self.store.tx(self.clock.now) as tx:
            at = tx.at(now)
            rows = tx.records(DELIVERY, "((status IN ('queued', 'retry') AND due_at <= ?)"
                              " OR (status = 'sending' AND lease_until < ?))"
                              " AND subscription_id IN (SELECT id FROM webhook_subscription WHERE active = ?)"
                              " ORDER BY due_at, id LIMIT ?", (at, at, True, limit), lock=True, skip_locked=True)
            wanted = sorted({d.subscription_id for d in rows})
            marks = ", ".join("?" * len(wanted))
            subs = {s.id: s for s in tx.records(SUBSCRIPTION, f"id IN ({marks})", wanted)} if rows else {}
            out = []
            for d in rows:
                d.status, d.lease_until, d.worker = "sending", now + self.lease, worker[:120]
                d.attempts += 1
                sub = subs[d.subscription_id]
                # masked again as the subscription stands now (made while it was allowed
                # personal data, sent after that was taken away)
                payload = dict(d.payload) if sub.personal else event_feed.masked(d.event, dict(d.payload))
                fmt = sub.format or "generic"
                names = context(tx, self.catalog, d.event, payload, sub.language) if fmt != "generic" else {}
                out.append(Delivery(d.id, sub.id, sub.url, sub.secret, d.event, d.occurred_at,
                                    payload, d.attempts, fmt, sub.language or "zh-CN", names))
            return out

    def mark_delivered(self, delivery_id: int, status_code: int, latency_ms: int) -> None:
        with self.store.tx(self.clock.now) as tx:
            d = tx.get(DELIVERY, delivery_id, lock=True)
            if d is None or d.status == "delivered":
                return
            d.status, d.delivered_at, d.lease_until, d.error = "delivered", tx.now, None, ""
            d.status_code, d.latency_ms = status_code, latency_ms

    def mark_failed(self, delivery_id: int, error: str, retry: bool, status_code: int | None = None,
                    latency_ms: int | None = None, retry_after_s: float | None = None) -> str:
        """An attempt that failed: due again after the back-off (or the receiver's
        ``Retry-After``, if longer; neither beyond the back-off's cap), or ``failed`` for good.
        Returns the new status."""
        with self.store.tx(self.clock.now) as tx:
            d = tx.get(DELIVERY, delivery_id, lock=True)
            if d is None:
                return "missing"
            if d.status == "delivered":
                return "delivered"
            d.error, d.lease_until = error[:500], None
            d.status_code, d.latency_ms = status_code, latency_ms
            if retry and d.attempts < self.backoff.max_attempts:
                wait = max(self.backoff.delay(d.attempts), timedelta(seconds=retry_after_s or 0))
                d.status, d.due_at = "retry", tx.now + min(wait, timedelta(seconds=self.backoff.cap_s))
            else:
                d.status = "failed"
            return str(d.status)

    # --- the log -------------------------------------------------------------------------

    def deliveries(self, subscription_id: int | None = None, status: str = "", number: int = 1,
                   size: int = 50) -> dict[str, Any]:
        """The delivery log, newest first, a page at a time."""
        stmt = select(WebhookDelivery)
        if subscription_id:
            stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
        if status:
            stmt = stmt.where(WebhookDelivery.status == status)
        with self.store.session() as s:
            total = int(s.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
            pages = max(1, -(-total // size))
            number = min(max(1, number), pages)
            rows = s.scalars(stmt.order_by(WebhookDelivery.id.desc()).offset((number - 1) * size).limit(size))
            names = dict(s.execute(select(WebhookSubscription.id, WebhookSubscription.name)).all())
            return {"rows": [{
                "id": d.id, "subscription_id": d.subscription_id, "subscription": names.get(d.subscription_id, ""),
                "event": d.event, "event_key": d.event_key, "status": d.status, "attempts": d.attempts,
                "status_code": d.status_code, "latency_ms": d.latency_ms, "error": d.error,
                "occurred_at": d.occurred_at.isoformat(), "created_at": d.created_at.isoformat(),
                "due_at": d.due_at.isoformat(),
                "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None} for d in rows],
                "page": {"number": number, "pages": pages, "total": total, "size": size}}


def _checked(v: dict[str, Any]) -> dict[str, Any]:
    name = str(v.get("name") or "").strip()
    if not 1 <= len(name) <= 100:
        raise WebhookError("name: 1 to 100 characters")
    url = str(v.get("url") or "").strip()
    parts = urlsplit(url)
    if len(url) > 500 or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise WebhookError(f"url: {url[:80]!r} is not an http(s) URL")
    events = v.get("events")
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise WebhookError(f"events: a list of one or more of {', '.join(EVENTS)}")
    unknown = [e for e in events if e not in EVENTS]
    if unknown:
        raise WebhookError(f"events: unknown {', '.join(unknown)}; use {', '.join(EVENTS)}")
    for flag in ("active", "personal"):
        if not isinstance(v.get(flag), bool):
            raise WebhookError(f"{flag}: true or false")
    if v.get("format") not in FORMATS:
        raise WebhookError(f"format: one of {', '.join(FORMATS)}")
    if v.get("language") not in LANGUAGES:
        raise WebhookError(f"language: one of {', '.join(LANGUAGES)}")
    return {"name": name, "url": url, "events": [e for e in EVENTS if e in events],
            "active": v["active"], "personal": v["personal"], "format": v["format"], "language": v["language"]}


def _secret(given: Any, fmt: str, keep_empty: bool = False) -> str:
    """The generic format signs with our secret (made if none is given); a chat bot's format
    with the robot's own (DingTalk's 加签, Feishu's 签名校验: none if the robot checks none;
    WeCom signs nothing)."""
    if fmt == "wecom":
        return ""
    if fmt != "generic":
        if given in (None, ""):
            return ""
        if not isinstance(given, str) or not 8 <= len(given) <= 200 or any(c.isspace() for c in given):
            raise WebhookError("secret: the robot's signing secret, 8 to 200 characters without spaces"
                               " (or empty if the robot checks no signature)")
        return given
    if given in (None, "") and not keep_empty:
        return secrets.token_urlsafe(32)
    if not isinstance(given, str) or not 16 <= len(given) <= 200:
        raise WebhookError("secret: 16 to 200 characters (or leave it empty to have one made)")
    return given


def _audited(sub: Record) -> dict[str, Any]:
    """What the audit log keeps of a subscription: nothing of its secret."""
    return {k: v for k, v in _public(sub).items() if k != "secret_hint"}


def _public(sub: Record) -> dict[str, Any]:
    """A subscription without its secret (its last four characters as a hint)."""
    return {"id": sub.id, "name": sub.name, "url": sub.url, "events": list(sub.events or []),
            "active": bool(sub.active), "personal": bool(sub.personal),
            "format": sub.format or "generic", "language": sub.language or "zh-CN",
            "secret_hint": "…" + sub.secret[-4:] if sub.secret else "",
            "created_by": sub.created_by, "created_at": sub.created_at.isoformat(),
            "updated_at": sub.updated_at.isoformat()}
