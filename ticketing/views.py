"""Read models handed out of a transaction (plain frozen data, no lazy loading)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table

from ticketing.model import Base
from ticketing.tx import Tx

AUDIT: Table = Base.metadata.tables["audit_log"]


@dataclass(frozen=True)
class EventView:
    """One step of a ticket's timeline (from its audit rows: ``timeline``)."""

    at: datetime
    action: str
    from_status: str
    to_status: str
    actor: str
    note: str


@dataclass(frozen=True)
class TicketView:
    id: int
    service_type: str
    priority: str
    status: str
    source: str
    location_code: str
    org_code: str
    reporter_name: str
    reporter_phone: str
    description: str
    details: dict[str, Any]
    operator: str
    assignee: str
    created_at: datetime
    dispatched_at: datetime | None
    worker_accepted_at: datetime | None
    started_at: datetime | None
    done_at: datetime | None
    called_back_at: datetime | None
    assessed_at: datetime | None
    response_due: datetime | None
    completion_due: datetime | None
    escalation_level: int
    reopen_count: int
    satisfaction: int | None
    merged_into: int | None
    version: int
    assessment: str
    assessment_grade: str
    workers: tuple[tuple[str, str], ...] = ()  # (staff code, assignment state)
    parts: tuple[tuple[str, int], ...] = ()
    calls: tuple[str, ...] = ()
    timeline: tuple[EventView, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif key == "timeline":
                value = [dict(e.__dict__, at=e.at.isoformat()) for e in value]
            elif isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[key] = value
        return out


_FIELDS = [f for f in TicketView.__dataclass_fields__ if f not in ("workers", "parts", "calls", "timeline")]
_NO_DETAIL = {"workers": (), "parts": (), "calls": (), "timeline": ()}


def ticket_view(t: Any) -> TicketView:
    """The ticket's own columns (``t``: a model or a ``Record``); commands return this plain
    view, they are on the hot path: it is filled in place of the frozen dataclass's generated
    ``__init__`` (a guarded ``object.__setattr__`` per field, 31 of them: 6 % of a lifecycle's
    instructions) where ``_FILL`` found that to make the same object, else constructed."""
    if not _FILL:
        values = {name: getattr(t, name) for name in _FIELDS}
        values["details"] = dict(values["details"] or {})
        return TicketView(**values)
    view = object.__new__(TicketView)
    values = view.__dict__
    for name in _FIELDS:
        values[name] = getattr(t, name)
    values["details"] = dict(values["details"] or {})
    values.update(_NO_DETAIL)
    return view


def fills_like_init(cls: type, values: dict[str, Any], defaults: dict[str, Any]) -> bool:
    """Whether filling a new instance's ``__dict__`` with ``values`` and ``defaults`` makes
    the object ``cls(**values)`` makes: not when its ``__init__`` does more than set its
    fields (a ``__post_init__``, slots, another default)."""
    if hasattr(cls, "__post_init__"):
        return False
    try:
        filled: Any = object.__new__(cls)
        filled.__dict__.update(values)
        filled.__dict__.update(defaults)
    except AttributeError:  # no __dict__: slots
        return False
    made = cls(**values)
    return type(made) is cls and made.__dict__ == filled.__dict__ and made == filled


# Checked once with a sample of distinct values; the constructor serves if the shortcut differs.
_FILL = fills_like_init(TicketView, {name: (i, name) for i, name in enumerate(_FIELDS)}, _NO_DETAIL)


def ticket_detail(tx: Tx, t: Any) -> TicketView:
    """The view with the ticket's workers, parts, calls and timeline."""
    tx.flush()
    workers = tuple((code, state) for code, state in tx.all(
        "SELECT staff_code, state FROM assignment WHERE ticket_id = ? ORDER BY id", (t.id,)))
    parts = tuple((code, qty) for code, qty in tx.all(
        "SELECT part_code, qty FROM ticket_part WHERE ticket_id = ? ORDER BY id", (t.id,)))
    calls = tuple(u for (u,) in tx.all("SELECT uniqueid FROM ticket_call WHERE ticket_id = ? ORDER BY id",
                                       (t.id,)))
    steps = tx.records(AUDIT, "entity = 'ticket' AND entity_key = ? ORDER BY at, id", (str(t.id),))
    return dataclasses.replace(ticket_view(t), workers=workers, parts=parts, calls=calls,
                               timeline=timeline(steps))


def timeline(steps: Iterable[Any]) -> tuple[EventView, ...]:
    """A ticket's timeline from its audit rows in order (``at``, then id): each command's
    row names its step (``create`` is the accept), the status it left and entered, and a note
    (the transition's, a reprint's printer…; an edit's changed fields). A row that does not
    move the status (escalate, reprint, link_call…) keeps the status of the row before it."""
    out = []
    status = ""
    for row in steps:
        before, after = row.before or {}, row.after or {}
        if row.action == "create":
            action, from_status, note = "accept", "", str(after.get("source", ""))
        else:
            action, from_status = row.action, before.get("status", status)
            note = str(after["note"]) if "note" in after else (
                ", ".join(sorted(after)) if row.action == "edit" else "")
        status = after.get("status", status)
        out.append(EventView(row.at, action, from_status, status, row.actor, note))
    return tuple(out)
