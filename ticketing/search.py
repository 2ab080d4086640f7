"""Full-text search over every ticket: Chinese substrings, numbers, notes and SMS replies.

Each ticket has one document in ``ticket_search``: its description, the reporter's name and
number, the location (code, campus, building, floor, room, name) and department names, the
reporter's comment at the call-back, then one line per note (a reason given to cancel, reopen,
release or escalate, what was done, the assessment) and per SMS reply of a worker. The commands
write it in their own transaction: ``index_new`` when a ticket is accepted, ``append`` when a
note or a reply comes, ``reindex`` when the ticket is edited — so a search never misses what the
desk has just saved, and a rolled-back command leaves no trace in it.

The engines index it for substrings, not words (Chinese has no spaces between words):
SQLite with an FTS5 table using the trigram tokenizer (``ticket_fts``, an index of
``ticket_search`` kept by triggers), PostgreSQL with a ``pg_trgm`` GIN index. Both look up a
term of three characters or more in the index; a shorter term (两个字: 漏水, 空调) has no
trigram, and is a ``LIKE`` over the documents, newest first, which stops at the page's end.
Migration 0008 makes both and fills them for the tickets already there.

``search`` ranks by match, then recency: the ticket whose number was typed first, then every
ticket whose document holds all the terms, newest first (ticket numbers follow creation).
Numbers are personal data: a search that may not see them (a viewer's) is refused when a term
holds a run of three digits or more (``NumberSearchRefused``), and a query of digits alone is
then only a ticket number or a location code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from ticketing.phone import normalise_number
from ticketing.tx import Record, Tx

FTS_TABLE = "ticket_fts"  # SQLite: the FTS5 index and its shadow tables (ticket_fts_*)
PG_INDEX = "ix_ticket_search_body_trgm"  # PostgreSQL: the pg_trgm GIN index
MAX_BODY = 16_000  # characters a document keeps (the first ones: a ticket's own text comes first)
MIN_GRAM = 3  # the shortest term the trigram indexes can look up
MAX_TERMS = 6
MAX_OFFSET = 5_000  # pages further than this are not served: narrow the search instead
# the system's own notes (a call's id, a reprint, a resend, the call-back's score): not searched
QUIET_NOTES = frozenset({"callback", "link_call", "reprint", "resend"})
UNKNOWN_SENDER = "unknown sender"  # an SMS from a number that is no worker's: never searched

_DIGIT_RUN = re.compile(r"\d{3,}")
_PHONE_LIKE = re.compile(r"\+?[\d\s\-]+")


class NumberSearchRefused(ValueError):
    """The query looks for a number, and the searcher may not see numbers."""


# --- the document ----------------------------------------------------------------------------

def header(description: str, reporter_name: str, reporter_phone: str, location_code: str,
           place: Sequence[Any], org_name: str | None, comment: str) -> str:
    """The first lines of a document: the ticket's own fields, its place and department
    (``place``: campus, building, floor, room, name of the location, or empty)."""
    where = " ".join(str(p) for p in (location_code, *place, org_name or "") if p)
    lines = [description, f"{reporter_name} {reporter_phone}".strip(), where, comment]
    return "\n".join(line for line in lines if line)[:MAX_BODY]


def _place(tx: Tx, code: str) -> tuple[Any, ...]:
    if not code:
        return ()
    row = tx.one("SELECT campus, building, floor, room, name FROM location WHERE code = ?", (code,))
    return tuple(row) if row else ()


def _org_name(tx: Tx, code: str) -> str:
    row = tx.one("SELECT name FROM org_unit WHERE code = ?", (code,)) if code else None
    return str(row[0]) if row else ""


def index_new(tx: Tx, t: Record, location: Record | None = None) -> None:
    """The document of a ticket just accepted (``location``: its location's row, when the
    command has it at hand)."""
    place = ((location.campus, location.building, location.floor, location.room, location.name)
             if location is not None else _place(tx, t.location_code))
    body = header(t.description, t.reporter_name, t.reporter_phone, t.location_code, place,
                  _org_name(tx, t.org_code), t.satisfaction_comment or "")
    tx.run("INSERT INTO ticket_search (ticket_id, body) VALUES (?, ?)", (t.id, body))


def append(s: Tx | Session, ticket_id: int, line: str) -> None:
    """Add a line (a note, an SMS reply, a comment) to the ticket's document, in the
    transaction of ``s`` (a command's ``Tx``, or a session)."""
    line = " ".join(line.split())
    if not line:
        return
    if isinstance(s, Tx):
        s.run("UPDATE ticket_search SET body = substr(body || ?, 1, ?) WHERE ticket_id = ?",
              ("\n" + line, MAX_BODY, ticket_id))
    else:
        s.execute(text("UPDATE ticket_search SET body = substr(body || :l, 1, :n) WHERE ticket_id = :t"),
                  {"l": "\n" + line, "n": MAX_BODY, "t": ticket_id})


def reindex(tx: Tx, ticket_id: int) -> None:
    """Write the ticket's document anew from its rows (after an edit)."""
    tx.flush()  # the edited columns, read back below
    docs = documents(tx.all, _note_sql(tx.pg), ticket_id, ticket_id)
    for tid, body in docs:
        if tx.run("UPDATE ticket_search SET body = ? WHERE ticket_id = ?", (body, tid)) == 0:
            tx.run("INSERT INTO ticket_search (ticket_id, body) VALUES (?, ?)", (tid, body))


def _note_sql(pg: bool) -> str:
    return "(after ->> 'note')" if pg else "json_extract(after, '$.note')"


Fetch = Callable[[str, Sequence[Any]], Sequence[Any]]


def documents(fetch: Fetch, note_sql: str, lo: int, hi: int) -> list[tuple[int, str]]:
    """The documents of the tickets ``lo``..``hi`` as their rows make them (``fetch``: runs
    SQL with ``?`` placeholders and returns its rows; ``note_sql``: the engine's way to read an
    audit row's note)."""
    tickets = fetch(
        "SELECT t.id, t.description, t.reporter_name, t.reporter_phone, t.location_code,"
        " l.campus, l.building, l.floor, l.room, l.name, o.name, t.satisfaction_comment"
        " FROM ticket t LEFT JOIN location l ON l.code = t.location_code"
        " LEFT JOIN org_unit o ON o.code = t.org_code WHERE t.id BETWEEN ? AND ? ORDER BY t.id",
        (lo, hi))
    if not tickets:
        return []
    lines: dict[int, list[str]] = {}
    keys = [str(r[0]) for r in tickets]
    marks = ", ".join("?" for _ in QUIET_NOTES)
    for key, note in fetch(
            f"SELECT entity_key, {note_sql} FROM audit_log WHERE entity = 'ticket'"
            f" AND entity_key IN ({', '.join('?' for _ in keys)}) AND action NOT IN ({marks})"
            f" AND {note_sql} IS NOT NULL ORDER BY id",
            (*keys, *sorted(QUIET_NOTES))):
        lines.setdefault(int(key), []).append(str(note))
    for tid, body in fetch("SELECT ticket_id, text FROM sms_inbox WHERE ticket_id BETWEEN ? AND ?"
                           " AND reason <> ? ORDER BY id", (lo, hi, UNKNOWN_SENDER)):
        lines.setdefault(int(tid), []).append(str(body))
    out = []
    for tid, desc, name, phone, code, campus, building, floor, room, lname, org, comment in tickets:
        place = (campus, building, floor, room, lname) if campus is not None else ()
        body = header(desc, name, phone, code, place, org, comment or "")
        for line in lines.get(tid, ()):
            line = " ".join(line.split())
            if line:
                body = (body + "\n" + line)[:MAX_BODY]
        out.append((tid, body))
    return out


def fill(conn: Connection, after_id: int = 0, chunk: int = 2_000) -> int:
    """Write the documents of the tickets numbered above ``after_id`` (a bulk load of history
    that bypassed the commands); returns how many. The caller commits."""
    pg = conn.dialect.name == "postgresql"

    def fetch(sql: str, params: Sequence[Any]) -> Sequence[Any]:
        return conn.exec_driver_sql(sql.replace("?", "%s") if pg else sql, tuple(params)).fetchall()

    top = conn.exec_driver_sql("SELECT max(id) FROM ticket").scalar() or 0
    insert = "INSERT INTO ticket_search (ticket_id, body) VALUES (?, ?)"
    written = 0
    for lo in range(after_id + 1, top + 1, chunk):
        docs = documents(fetch, _note_sql(pg), lo, lo + chunk - 1)
        if docs:
            conn.exec_driver_sql(insert.replace("?", "%s") if pg else insert, docs)
            written += len(docs)
    return written


# --- the query -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    terms: tuple[str, ...]  # every one must be in the document
    ticket_id: int | None = None  # a ticket number typed: that ticket comes first
    location_code: str = ""  # digits, searched by a viewer: the tickets of that location


def parse(raw: str, numbers: bool = True) -> Query:
    """What a query asks for. ``numbers`` false (a viewer): a term with three digits or more
    in a row is refused, and digits alone are a ticket or a location code, never text."""
    q = " ".join(raw.split())[:100]
    if not q:
        return Query(())
    if re.fullmatch(r"#\d{1,9}", q):
        return Query((), int(q[1:]))
    if q.isdigit():
        tid = int(q) if len(q) <= 9 else None
        return Query((q,), tid) if numbers else Query((), tid, q)
    if _PHONE_LIKE.fullmatch(q) and sum(c.isdigit() for c in q) >= 7:
        q = normalise_number(q)  # 138-0000-0009, +86 138 0000 0009: as the store keeps numbers
    terms = tuple(dict.fromkeys(q.split()))[:MAX_TERMS]
    if not numbers and any(_DIGIT_RUN.search(t) for t in terms):
        raise NumberSearchRefused(q)
    return Query(terms)


@dataclass(frozen=True)
class Page:
    ids: list[int]  # tickets, best first
    has_more: bool


def search(s: Session | Connection, raw: str, offset: int = 0, limit: int = 50,
           numbers: bool = True) -> Page:
    """A page of the tickets that match ``raw`` (see ``parse``), best match first, then newest."""
    query = parse(raw, numbers)
    offset = max(0, min(offset, MAX_OFFSET))
    first: list[int] = []
    if query.ticket_id is not None and s.execute(
            text("SELECT 1 FROM ticket WHERE id = :i"), {"i": query.ticket_id}).first():
        first = [query.ticket_id]
    head = first[offset:offset + limit]
    want = limit - len(head) + 1  # one more than the page: is there a next one?
    rest: list[int] = []
    if query.terms or query.location_code:
        sql, params = _matching(s, query, first)
        params.update(lim=want, off=max(0, offset - len(first)))
        rest = [r[0] for r in s.execute(text(sql + " LIMIT :lim OFFSET :off"), params)]
    ids = head + rest
    return Page(ids[:limit], len(ids) > limit)


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching(s: Session | Connection, query: Query, skip: list[int]) -> tuple[str, dict[str, Any]]:
    """The SQL of the tickets matching the terms, newest first, without ``skip``."""
    params: dict[str, Any] = {f"x{i}": x for i, x in enumerate(skip)}
    if query.location_code:
        params["code"] = query.location_code
        skipped = "".join(f" AND id <> :x{i}" for i in range(len(skip)))
        return f"SELECT id FROM ticket WHERE location_code = :code{skipped} ORDER BY id DESC", params
    dialect = s.get_bind().dialect.name if isinstance(s, Session) else s.dialect.name
    pg = dialect == "postgresql"
    longs = [t for t in query.terms if len(t) >= MIN_GRAM]
    # PostgreSQL: every term a LIKE (the GIN index takes those with trigrams); SQLite: the
    # long terms go to the FTS5 index, the short ones are a LIKE on the rows it found
    liked = list(query.terms) if pg or not longs else [t for t in query.terms if len(t) < MIN_GRAM]
    params.update({f"l{i}": _like(t) for i, t in enumerate(liked)})
    op = "ILIKE" if pg else "LIKE"
    likes = [f"s.body {op} :l{i} ESCAPE '\\'" for i in range(len(liked))]
    if pg or not longs:
        where = " AND ".join(likes + [f"s.ticket_id <> :x{i}" for i in range(len(skip))])
        return f"SELECT s.ticket_id FROM ticket_search s WHERE {where} ORDER BY s.ticket_id DESC", params
    params["m"] = " ".join('"' + t.replace('"', '""') + '"' for t in longs)
    where = " AND ".join([f"{FTS_TABLE} MATCH :m", *likes,
                          *(f"f.rowid <> :x{i}" for i in range(len(skip)))])
    join = " JOIN ticket_search s ON s.ticket_id = f.rowid" if likes else ""
    return f"SELECT f.rowid FROM {FTS_TABLE} f{join} WHERE {where} ORDER BY f.rowid DESC", params
