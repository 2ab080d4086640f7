"""The event feed: what happened to tickets and calls, turned into webhook deliveries.

The commands already write an audit row for every step of a ticket (the timeline is read from
them) and the CTI listener a call-log row for every finished call, in their own transactions.
So the command path pays nothing for webhooks: one reader (``pump``, run by the center every
second) reads both append-only sources by id from a cursor stored in ``feed_cursor``, and in
ONE transaction writes a ``webhook_delivery`` row per event and interested subscription and
moves the cursor. A crash before that commit reads the same rows again; ``(subscription,
event_key)`` is unique, so a row read twice — a second process's reader, a retry — is never
two deliveries. Several readers take turns on the cursor row.

Events: ``ticket.created`` (an audit ``create``), ``ticket.status_changed`` (an audit row whose
status before and after differ: dispatch, start, complete, release, callback, assess, cancel,
reopen, merge, a ward head's reject), ``ticket.escalated`` (``escalate``), ``call.answered`` and
``call.abandoned`` (a call-log row with that outcome, written when the call ends). Caller
numbers are masked unless the subscription is allowed personal data.

**Ids and commit order.** On SQLite writers take turns, so ids are committed in order. On
PostgreSQL an id is drawn when a row is inserted, not when its transaction commits: a reader
that saw id 101 may not yet see 100, still uncommitted. So the reader first finds a horizon it
may read up to: in a transaction of its own it takes ``LOCK TABLE … IN SHARE MODE``, which
waits until every transaction writing the table has ended (and keeps new ones from starting
for that moment), and reads ``max(id)``; every id up to it is then committed or rolled back.
The lock is held for one statement and tried for at most ``lock_timeout`` (a long import
holding the audit log is waited out by the next poll, not by the ticket commands), and only
when there is something new to read.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ticketing.masking import mask_number, mask_text
from ticketing.ports import Clock
from ticketing.store import Store
from ticketing.tx import Tx, dump_json

EVENTS = ("ticket.created", "ticket.status_changed", "ticket.escalated", "call.answered",
          "call.abandoned")
LOCK_TIMEOUT_MS = 200


# Where each event's payload holds personal data: (object, field) holding a caller's number,
# and (object or "", field) of free text that may quote one.
PERSONAL: dict[str, tuple[tuple[str, str], ...]] = {
    "ticket.created": (("ticket", "reporter_phone"),),
    "call.answered": (("call", "caller_num"),), "call.abandoned": (("call", "caller_num"),)}
TEXTS: dict[str, tuple[tuple[str, str], ...]] = {  # the actor too: a requester's SMS may act
    "ticket.created": (("ticket", "description"), ("ticket", "reporter_name"), ("", "actor")),
    "ticket.status_changed": (("", "note"), ("", "actor")), "ticket.escalated": (("", "note"), ("", "actor")),
    "call.answered": (("call", "caller_name"),), "call.abandoned": (("call", "caller_name"),)}


@dataclass(frozen=True)
class Event:
    key: str  # the source row it came from: audit:<id>, call:<uniqueid>:<outcome>
    name: str  # one of EVENTS
    occurred_at: datetime
    data: dict[str, Any]

    def payload(self, personal: bool) -> dict[str, Any]:
        """The event's data; for a subscription not allowed personal data, masked."""
        return self.data if personal else masked(self.name, self.data)


def masked(event: str, data: dict[str, Any]) -> dict[str, Any]:
    """An event's payload with its numbers masked (``ticketing.masking``): the fields that hold
    one, and any quoted in the free text. Masking a masked payload changes nothing, so the
    sender masks again what it sends to a subscription not allowed personal data — a delivery
    made while the subscription was allowed, sent after an administrator took that away."""
    personal, texts = PERSONAL.get(event, ()), TEXTS.get(event, ())
    if not (personal or texts):
        return data
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    known = [str(out[obj][name]) for obj, name in personal
             if isinstance(out.get(obj), dict) and out[obj].get(name)]
    for obj, name in personal:
        if isinstance(out.get(obj), dict) and out[obj].get(name):
            out[obj][name] = mask_number(str(out[obj][name]))
    for obj, name in texts:
        holder = out.get(obj) if obj else out
        if isinstance(holder, dict) and isinstance(holder.get(name), str):
            holder[name] = mask_text(holder[name], known)
    return out


@dataclass(frozen=True)
class Source:
    cursor: str  # the feed_cursor row
    table: str
    where: str  # the rows that can be events (SQL)
    columns: str
    events: Callable[[Tx, list[Any]], list[Event]]


def pump(store: Store, clock: Clock, limit: int = 500) -> int:
    """Turn what is new in each source into deliveries; returns how many were made."""
    return sum(pump_source(store, clock, source, limit) for source in SOURCES)


def pump_source(store: Store, clock: Clock, source: Source, limit: int) -> int:
    with store.tx(clock.now) as tx:
        position = _position(tx, source)
        top = int(tx.one(f"SELECT max(id) FROM {source.table}")[0] or 0)
        if not tx.all("SELECT id FROM webhook_subscription WHERE active = ? LIMIT 1", (True,)):
            if top > position:  # nobody listens: nothing to make, and nothing waits for it
                _move(tx, source, top)
            return 0
    if top <= position:
        return 0
    horizon = _horizon(store, source.table) if store.dialect == "postgresql" else top
    if horizon is None:
        return 0  # writers hold the table: next poll
    with store.tx(clock.now) as tx:
        position = _position(tx, source, lock=True)  # a second reader waits here, then reads on
        rows = tx.all(f"SELECT {source.columns} FROM {source.table} WHERE id > ? AND id <= ?"
                      f" AND {source.where} ORDER BY id LIMIT ?", (position, horizon, limit))
        subs = tx.all("SELECT id, events, personal, created_at FROM webhook_subscription WHERE active = ?",
                      (True,))
        made = 0
        for event in source.events(tx, rows):
            for sub_id, events, personal, created_at in subs:
                if event.name in _json(events) and event.occurred_at >= _ts(created_at):
                    made += _deliver(tx, sub_id, event, bool(personal))
        _move(tx, source, rows[-1][0] if len(rows) == limit else horizon)
        return made


def _deliver(tx: Tx, sub_id: int, event: Event, personal: bool) -> int:
    as_json = "CAST(? AS JSON)" if tx.pg else "?"
    now = tx.at(tx.now)
    return tx.run(
        "INSERT INTO webhook_delivery (subscription_id, event, event_key, payload, occurred_at, status,"
        " attempts, due_at, worker, error, created_at)"
        f" VALUES (?, ?, ?, {as_json}, ?, 'queued', 0, ?, '', '', ?)"
        " ON CONFLICT (subscription_id, event_key) DO NOTHING",
        (sub_id, event.name, event.key[:120], dump_json(event.payload(personal)), tx.at(event.occurred_at),
         now, now))


def _position(tx: Tx, source: Source, lock: bool = False) -> int:
    row = tx.one("SELECT position FROM feed_cursor WHERE name = ?" + (" FOR UPDATE" if lock and tx.pg else ""),
                 (source.cursor,))
    if row is not None:
        return int(row[0])
    # the first reading starts now: what happened before there were webhooks is history
    top = int(tx.one(f"SELECT max(id) FROM {source.table}")[0] or 0)
    tx.run("INSERT INTO feed_cursor (name, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
           (source.cursor, top, tx.at(tx.now)))
    return int(tx.one("SELECT position FROM feed_cursor WHERE name = ?" + (" FOR UPDATE" if lock and tx.pg else ""),
                      (source.cursor,))[0])


def _move(tx: Tx, source: Source, position: int) -> None:
    tx.run("UPDATE feed_cursor SET position = ?, updated_at = ? WHERE name = ? AND position < ?",
           (position, tx.at(tx.now), source.cursor, position))


def _horizon(store: Store, table: str) -> int | None:
    """PostgreSQL: the highest id of ``table`` below which every transaction has ended (see the
    module's doc); None when writers held the table longer than ``LOCK_TIMEOUT_MS``."""
    errors = store.engine.dialect.loaded_dbapi.Error
    try:
        with store.tx() as tx:
            tx.run(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
            tx.run(f"LOCK TABLE {table} IN SHARE MODE")
            return int(tx.one(f"SELECT max(id) FROM {table}")[0] or 0)
    except errors:
        return None


# --- the sources ------------------------------------------------------------------------------


def _ticket_events(tx: Tx, rows: list[Any]) -> list[Event]:
    ids = sorted({int(r[4]) for r in rows if str(r[4]).isdigit()})
    tickets: dict[int, dict[str, Any]] = {}
    if ids:
        for tid, service, priority, location, org in tx.all(
                "SELECT id, service_type, priority, location_code, org_code FROM ticket"
                f" WHERE id IN ({', '.join('?' * len(ids))})", ids):
            tickets[tid] = {"id": tid, "service_type": service, "priority": priority,
                            "location_code": location, "org_code": org}
    out = []
    for audit_id, at, actor, _entity, key, action, before, after in rows:
        before, after = _json(before) or {}, _json(after) or {}
        when, ticket = _ts(at), tickets.get(int(key)) if str(key).isdigit() else None
        if ticket is None:
            continue
        common = {"ticket": ticket, "actor": actor, "action": action}
        if action == "create":
            created = {k: after.get(k) for k in (
                "id", "service_type", "priority", "status", "source", "location_code", "org_code",
                "reporter_name", "reporter_phone", "description", "created_at", "response_due",
                "completion_due")}
            created["description"] = str(created.get("description") or "")[:500]
            out.append(Event(f"audit:{audit_id}", "ticket.created", when, {**common, "ticket": created}))
        elif action == "escalate":
            out.append(Event(f"audit:{audit_id}", "ticket.escalated", when, {
                **common, "level": after.get("escalation_level"), "note": after.get("note", "")}))
        elif "status" in after and before.get("status") not in (None, after["status"]):
            out.append(Event(f"audit:{audit_id}", "ticket.status_changed", when, {
                **common, "from": before["status"], "to": after["status"], "note": after.get("note", "")}))
    return out


def _call_events(_tx: Tx, rows: list[Any]) -> list[Event]:
    out = []
    for (_id, uniqueid, caller_num, caller_name, service, queue, outcome, agent, wait_s, talk_s,
         started, answered, ended) in rows:
        call = {"uniqueid": uniqueid, "caller_num": caller_num, "caller_name": caller_name,
                "service_type": service, "queue": queue, "agent": agent, "wait_s": wait_s,
                "talk_s": talk_s, "started_at": _iso(started), "answered_at": _iso(answered),
                "ended_at": _iso(ended)}
        when = _ts(answered if outcome == "answered" and answered else ended or started)
        out.append(Event(f"call:{uniqueid}:{outcome}", f"call.{outcome}", when, {"call": call}))
    return out


SOURCES = (
    Source("audit_log", "audit_log",
           "entity = 'ticket' AND (action IN ('create', 'escalate') OR \"after\" IS NOT NULL)",
           'id, "at", actor, entity, entity_key, action, "before", "after"', _ticket_events),
    Source("call_record", "call_record", "outcome IN ('answered', 'abandoned')",
           "id, uniqueid, caller_num, caller_name, service_type, queue, outcome, agent, wait_s, talk_s,"
           " started_at, answered_at, ended_at", _call_events),
)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _ts(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _iso(value: Any) -> str | None:
    return _ts(value).isoformat() if value else None
