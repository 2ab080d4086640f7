"""Enumerations as people read them: a code in, its name in the user's language out.

How to use it (shared by every page):

- Templates: ``{{ label('status', tk.status) }}``, ``{{ label('svc', key) }}`` (service types
  and skills), ``{{ label('bool', row.active) }}``… (``WebState.render`` binds the language).
- Scripts: ``OneStop.label(kind, value)`` (``web/static/app.js``) reads the same
  ``<kind>:<value>`` entries from the page's words.
- Server code: ``label(kind, value, words)`` with ``words`` = ``WebState.words(language)``;
  ``options(kind, values, words)`` gives ``(value, name)`` pairs for a ``<select>``.

The kinds are listed in ``KINDS`` (each is the catalog prefix of its entries, see
``web/i18n/enums.py``). A value without an entry comes back as it is — visible, so the
browser tests' raw-identifier check finds the missing entry instead of a blank hiding it.
A comma-separated value (a worker's skills) is named part by part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

KINDS = frozenset({
    "status",     # ticket status (ticketing.lifecycle.Status)
    "step",       # a timeline step (the audit row's action)
    "sms",        # an SMS's state in the outbox (and "replied"/"none" on the board)
    "smskind",    # the template an SMS was written from
    "reply",      # what was done with an SMS reply
    "assign",     # a worker's assignment state
    "role",       # a log-in's role (web.security.ROLES)
    "staffrole",  # a staff member's role (master data)
    "grade",  # a worker's grade for labour rates (master data)
    "svc",        # a service type or a skill (from the service catalog)
    "prio",       # priority
    "source",     # where a ticket came from
    "via",        # how a call-back was made
    "opstate",    # an operator's queue state (wallboard)
    "print",      # a print job's state
    "call",       # a hotline call's outcome
    "orgkind", "shift", "diet", "meal", "cleaning", "approval", "bool", "lang",
    "eqstatus",   # a piece of equipment's state (the equipment register)
    "field",      # a column of master data or a ticket (admin tables, history, imports)
})


def key(kind: str, value: Any) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown label kind {kind!r}")
    if kind == "bool":
        value = "true" if value in (True, "true", "True", 1, "1") else "false"
    return f"{kind}:{value}"


def label(kind: str, value: Any, words: Mapping[str, str]) -> str:
    """The name of ``value`` of ``kind`` in the words' language; "" for None or ""."""
    if value is None or value == "":
        return "" if kind != "bool" else words.get(key(kind, False), "")
    if kind == "svc" and isinstance(value, str) and "," in value:
        sep = words.get("list_sep", ", ")
        return sep.join(label(kind, part.strip(), words) for part in value.split(",") if part.strip())
    return words.get(key(kind, value), str(value))


def options(kind: str, values: Iterable[Any], words: Mapping[str, str]) -> list[tuple[Any, str]]:
    """``(value, name)`` for each value, in order: the choices of a ``<select>``."""
    return [(v, label(kind, v, words)) for v in values]
