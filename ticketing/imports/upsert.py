"""Writing checked master-data records: upserted by the kind's natural key, with an audit row
for each record created, changed or deactivated (its history); new rows go in bulk. The demo's
seed writes its sample hospital through the same function.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ticketing.audit import audit, jsonable
from ticketing.masterdata import Kind
from ticketing.model import AuditLog
from ticketing.stock_import import opening_balances


@dataclass
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0


def upsert_records(s: Session, spec: Kind, records: Iterable[dict[str, Any]], actor: str,
                   at: datetime, deactivate_missing: bool = False,
                   present_keys: set[str] | None = None) -> UpsertCounts:
    """Create or update ``records`` (field → parsed value) by the kind's key, with an audit
    row for each record that changes; optionally deactivate records not among the keys."""
    model: Any = spec.model
    existing = {str(getattr(o, spec.key)): o for o in s.scalars(select(model))}
    counts = UpsertCounts()
    new_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    keys: set[str] = set(present_keys or ())
    for values in records:
        values = {**values, "active": True}
        key = str(values[spec.key])
        keys.add(key)
        obj = existing.get(key)
        if obj is None:
            new_rows.append(_with_defaults(spec, values))
            audit_rows.append(_audit_row(at, actor, spec.entity, key, "create", None,
                                         _jsonable(new_rows[-1])))
            counts.created += 1
            continue
        if spec.name == "parts":  # an existing part's stock moves only by stock documents
            values.pop("stock", None)
        before = {k: getattr(obj, k) for k in values}
        changed = {k: v for k, v in values.items() if before[k] != v}
        if not changed:
            counts.unchanged += 1
            continue
        for k, v in changed.items():
            setattr(obj, k, v)
        audit(s, at, actor, spec.entity, key, "update", _jsonable(before), _jsonable(values))
        counts.updated += 1
    if deactivate_missing:
        for key, obj in existing.items():
            if key not in keys and obj.active:
                obj.active = False
                audit(s, at, actor, spec.entity, key, "deactivate", {"active": True}, {"active": False})
                counts.deactivated += 1
    s.flush()
    if new_rows:
        s.execute(insert(model), new_rows)
        s.execute(insert(AuditLog), audit_rows)
        s.info["audited"] = True
        if spec.name == "parts":
            opening_balances(s, new_rows, actor, at)
    return counts


def _with_defaults(spec: Kind, values: dict[str, Any]) -> dict[str, Any]:
    # Bulk inserts skip the ORM's Python-side defaults: give every column its value.
    row: dict[str, Any] = {}
    for col in spec.model.__table__.columns:  # type: ignore[attr-defined]
        if col.name in values:
            row[col.name] = values[col.name]
        elif col.default is not None and not col.primary_key:
            arg = col.default.arg
            row[col.name] = arg(None) if callable(arg) else arg
    return row


def _audit_row(at: datetime, actor: str, entity: str, key: str, action: str,
               before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    return {"at": at, "actor": actor[:50], "entity": entity, "entity_key": key[:50],
            "action": action, "before": before, "after": after}


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in values.items()}
