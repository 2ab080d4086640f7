"""Master data as the admin pages show it: each column by its name (``field:<name>``), each
value as people read it — yes/no, names of roles, shifts, diets, skills, departments, rooms,
suppliers instead of codes (the code stays in the tooltip) — and, for the edit form, each
column's kind of input with its choices. ``web.masterdata`` keeps the kinds and the edits;
``web.pages.admin`` renders these.

How to use it (for a page that lists master data): ``columns(kind)`` → the column names;
``display(s, kind, rows, words, language)`` → per row ``{"key", "cells": [(text, tooltip,
as_is)], "values"}`` (``as_is``: data shown as written, such as English names: ``translate="no"``); ``schema(kind, words)`` → the edit form's fields (``name``, ``label``, ``type``:
text | number | bool | select, ``options`` for a select).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing import masterdata as md
from ticketing.model import OrgUnit, Supplier
from web import labels
from web.i18n import LANGUAGES
from web.masterdata import KINDS
from web.names import Names
from web.security import ROLES

BOOLS = frozenset({"active", "on_duty", "vip"})
AS_IS = frozenset({"name_en", "number", "phone", "code", "model", "serial"})  # data shown as written (translate="no")
NUMBERS = frozenset({"stock", "price"})


def _choices(kind: str, field: str) -> tuple[str, tuple[str, ...]] | None:
    """(label kind, values) of a column whose values are one of a few codes."""
    if kind == "users":
        return {"role": ("role", ROLES), "language": ("lang", LANGUAGES)}.get(field)
    table = {"role": ("staffrole", md.ROLES), "shift": ("shift", md.SHIFTS), "kind": ("orgkind", md.ORG_KINDS),
             "meal": ("meal", md.MEALS), "diet": ("diet", md.DIETS), "grade": ("grade", md.GRADES),
             "status": ("eqstatus", md.EQUIPMENT_STATUS)}.get(field)
    if table is None:
        return None
    label_kind, aliases = table
    return label_kind, tuple(dict.fromkeys(aliases.values()))


def columns(kind: str) -> tuple[str, ...]:
    return KINDS[kind][2]


def display(s: Session, kind: str, rows: list[dict[str, Any]], words: Mapping[str, str],
            language: str) -> list[dict[str, Any]]:
    """Each row's key, its cells as (text, tooltip) and its raw values (for the edit form)."""
    key, fields = KINDS[kind][1], KINDS[kind][2]
    names = Names(s, words, language)
    orgs = names.orgs({r.get(f) for r in rows for f in ("org_code", "parent_code", "team") if r.get(f)})
    places = names.places(r.get("location_code") for r in rows)
    staff = names.staff(r.get("staff_code") for r in rows)
    wanted = {r.get("supplier_code") for r in rows if r.get("supplier_code")}
    suppliers = dict(s.execute(select(Supplier.code, Supplier.name).where(Supplier.code.in_(wanted))).all()) \
        if wanted else {}
    out = []
    for r in rows:
        cells = []
        for f in fields:
            value = r.get(f)
            text, tip = _text(kind, f, value, words, orgs, places, staff, suppliers), ""
            if f in ("org_code", "parent_code", "team", "location_code", "staff_code", "supplier_code") and value:
                tip = f"{text} · {value}"
            cells.append((text, tip or text, f in AS_IS))
        out.append({"key": r[key], "cells": cells,
                    "values": {f: ("" if r.get(f) is None else r.get(f) if f in BOOLS else str(r.get(f)))
                               for f in fields}})
    return out


def _text(kind: str, field: str, value: Any, words: Mapping[str, str], orgs: dict[str, str],
          places: dict[str, str], staff: dict[str, str], suppliers: dict[str, str]) -> str:
    if field in BOOLS:
        return labels.label("bool", bool(value), words)
    if value in (None, ""):
        return ""
    if field == "price":
        return f"¥{value}"
    if field == "skills":
        return labels.label("svc", value, words)
    choices = _choices(kind, field)
    if choices:
        return labels.label(choices[0], value, words)
    lookup = {"org_code": orgs, "parent_code": orgs, "team": orgs, "location_code": places,
              "staff_code": staff, "supplier_code": suppliers}.get(field)
    return lookup.get(str(value), str(value)) if lookup is not None else str(value)


def schema(s: Session, kind: str, words: Mapping[str, str], language: str) -> list[dict[str, Any]]:
    """The edit form's fields for ``kind``: name, label, input type and choices."""
    out = []
    for f in KINDS[kind][2]:
        item: dict[str, Any] = {"name": f, "label": labels.label("field", f, words), "type": "text"}
        choices = _choices(kind, f)
        if f in BOOLS:
            item["type"] = "bool"
        elif f in NUMBERS:
            item["type"] = "number"
        elif choices:
            item["type"] = "select"
            item["options"] = [[v, labels.label(choices[0], v, words)] for v in choices[1]]
        elif f in ("org_code", "parent_code") or (f == "team" and kind == "staff"):
            rows = s.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en).where(OrgUnit.active.is_(True))
                             .order_by(OrgUnit.kind, OrgUnit.code)).all()
            item["type"] = "select"
            item["options"] = [["", "—"]] + [[c, (en if language == "en" and en else n) + f" · {c}"]
                                             for c, n, en in rows]
        out.append(item)
    return out
