"""Full-text search over every ticket: Chinese substrings, numbers, notes and SMS replies.

A ticket's text is kept in ``ticket_search`` in pieces: the first (``id`` = ticket × 1024) holds
its description, the reporter's name and number, the location (code, campus, building, floor,
room, name) and department names; then one piece per note (a reason given to cancel, reopen,
release or escalate, what was done, the assessment), SMS reply of a worker and comment at the
call-back (× 1024 + 1, + 2…). The commands write them in their own transaction: ``index_new``
when a ticket is accepted, ``append`` when a note or a reply comes, ``reindex`` when the ticket
is edited — so a search never misses what the desk has just saved, and a rolled-back command
leaves no trace. A note is a short row of its own, not a rewrite of the ticket's whole text:
the index takes only the note's own trigrams.

The engines index the pieces for substrings, not words (Chinese has no spaces between words):
SQLite with an FTS5 table using the trigram tokenizer (``ticket_fts``, an index of
``ticket_search``), PostgreSQL with a ``pg_trgm`` GIN index. SQLite looks a term of three
characters or more up in the index, which gives its matches newest first; PostgreSQL's index
gives them in no order, so a search there reads the newest pieces first and asks the index
only for what a walk did not find (``ticketing.search_plans``). A term of two characters
(漏水, 空调) has no trigram of its own, but each of its occurrences starts one: on SQLite the
index takes each piece with a line end after it (so a pair at a piece's very end starts the
trigram of the pair and the line end), and after the newest tickets' pieces the search asks the
index for every term that starts with the pair (``search_plans.pair``). PostgreSQL walks the pieces newest
first, then asks a second GIN index, of every piece's pairs of characters (migration 0018). A
single character is read newest first with ``LIKE`` until the page is full, down to the pieces
of the newest ``SCAN_TICKETS`` (100,000) tickets: the page says where it stopped
(``Page.searched_from``), and a second character searches every year. Migration 0009
makes the trigram indexes and fills them for the tickets already there; 0017 the line ends.

Each engine takes new entries into its index in batches: PostgreSQL's GIN index keeps a
pending list of its own (``fastupdate``); on SQLite the triggers list a new or changed piece in
``ticket_fts_pending`` (one integer in the command's transaction, where writing its trigrams
would cost the command a new segment of the index and its pages), and ``catch_up``, run by the
store's maintenance thread, moves the listed pieces into the index a few hundred at a time. A
search reads the index and the listed pieces both, so it finds a piece the moment its command
commits, whether or not the thread has run.

``search`` ranks by match, then recency: the ticket whose number was typed first, then every
ticket whose pieces hold all the terms, newest first (ticket numbers follow creation). The
longest term drives the search (through the index when it can); the others are looked for in
the few pieces of each ticket found. Numbers are personal data: a search that may not see them
(a viewer's) is refused when a term holds a run of three digits or more
(``NumberSearchRefused``), and a query of digits alone is then only a ticket number or a
location code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from ticketing.phone import normalise_number
from ticketing.search_plans import (
    END,
    FTS_TABLE,
    FTS_TEXT,
    PENDING,
    Found,
    folded_alike,
    newest_first,
    op_for,
    pair,
    pg_pieces,
    phrase,
    scan_floor,
    scan_sql,
    sqlite_indexed_sql,
)
from ticketing.tx import Record, Tx

PG_INDEX = "ix_ticket_search_bucket_trgm"  # PostgreSQL: the pg_trgm GIN index, a piece's bucket first (0019)
PG_PAIRS = "ix_ticket_search_pairs"  # PostgreSQL: the GIN index of the pieces' pairs (0018)
MAX_BODY = 16_000  # characters a document keeps (the first ones: a ticket's own text comes first)
MIN_GRAM = 3  # the shortest term the trigram indexes can look up
MAX_TERMS = 6
MAX_OFFSET = 5_000  # pages further than this are not served: narrow the search instead
# the system's own notes — a call's id, a reprint, a resend, the call-back's score, the staff
# codes of a dispatch, an acceptance, a start, an SMS to the requester sent or not: not
# searched (each piece costs the command a write to the index)
QUIET_NOTES = frozenset({"callback", "dispatch", "link_call", "reprint", "requester_sms", "resend",
                         "start", "worker_accept"})
UNKNOWN_SENDER = "unknown sender"  # an SMS from a number that is no worker's: never searched

_DIGIT_RUN = re.compile(r"\d{3,}")
_PHONE_LIKE = re.compile(r"\+?[\d\s\-]+")


class NumberSearchRefused(ValueError):
    """The query looks for a number, and the searcher may not see numbers."""


# --- the document ----------------------------------------------------------------------------

def header(description: str, reporter_name: str, reporter_phone: str, location_code: str,
           place: Sequence[Any], org_name: str | None) -> str:
    """A ticket's first piece: its own fields, its place and department (``place``: campus,
    building, floor, room, name of the location, or empty)."""
    where = " ".join(str(p) for p in (location_code, *place, org_name or "") if p)
    lines = [description, f"{reporter_name} {reporter_phone}".strip(), where]
    return "\n".join(line for line in lines if line)[:MAX_BODY]


def _place(tx: Tx, code: str) -> tuple[Any, ...]:
    if not code:
        return ()
    row = tx.one("SELECT campus, building, floor, room, name FROM location WHERE code = ?", (code,))
    return tuple(row) if row else ()


def _org_name(tx: Tx, code: str) -> str:
    row = tx.one("SELECT name FROM org_unit WHERE code = ?", (code,)) if code else None
    return str(row[0]) if row else ""


PIECES = 1024  # pieces a ticket may have: its ids are ticket × PIECES … + PIECES - 1


def index_new(tx: Tx, t: Record, location: Record | None = None, department: str | None = None) -> None:
    """The first piece of a ticket just accepted (``location``: its location's row, and
    ``department``: the name of the ticket's department, when the command has them at hand)."""
    place = ((location.campus, location.building, location.floor, location.room, location.name)
             if location is not None else _place(tx, t.location_code))
    body = header(t.description, t.reporter_name, t.reporter_phone, t.location_code, place,
                  _org_name(tx, t.org_code) if department is None else department)
    tx.run("INSERT INTO ticket_search (id, ticket_id, body) VALUES (?, ?, ?)", (t.id * PIECES, t.id, body))


def append(s: Tx | Session, ticket_id: int, line: str) -> None:
    """A piece more (a note, an SMS reply, a comment) for the ticket, in the transaction of
    ``s`` (a command's ``Tx``, or a session). The ticket's last piece takes any beyond its
    ``PIECES``."""
    line = " ".join(line.split())[:MAX_BODY]
    if not line:
        return
    first = ticket_id * PIECES
    last = first + PIECES - 1
    run = _runner(s)
    # after the ticket's last piece, found by the statement that writes it (one statement: a
    # loop of the desk writes four of these)
    added = run("INSERT INTO ticket_search (id, ticket_id, body) SELECT coalesce(max(id), ?) + 1, ?, ?"
                " FROM ticket_search WHERE id BETWEEN ? AND ? HAVING coalesce(max(id), ?) < ?",
                (first, ticket_id, line, first, last, first, last))
    if not added:  # the ticket's pieces are all used: its last one takes the line
        run("UPDATE ticket_search SET body = substr(body || ?, 1, ?) WHERE id = ?", ("\n" + line, MAX_BODY, last))


def _runner(s: Tx | Session) -> Callable[[str, Sequence[Any]], Any]:
    """Run SQL with ``?`` placeholders in the transaction of ``s``: the rows of a SELECT, else
    how many rows the statement wrote."""
    def run(sql: str, params: Sequence[Any]) -> Any:
        if isinstance(s, Tx):
            if sql.startswith("SELECT"):
                return s.all(sql, params)
            return s.run(sql, params)
        conn = s.connection()
        pg = conn.dialect.name == "postgresql"
        result = conn.exec_driver_sql(sql.replace("?", "%s") if pg else sql, tuple(params))
        return result.fetchall() if sql.startswith("SELECT") else result.rowcount
    return run


def reindex(tx: Tx, ticket_id: int) -> None:
    """Write the ticket's pieces anew from its rows (after an edit)."""
    tx.flush()  # the edited columns, read back below
    tx.run("DELETE FROM ticket_search WHERE id BETWEEN ? AND ?",
           (ticket_id * PIECES, ticket_id * PIECES + PIECES - 1))
    for row in pieces(tx.all, _note_sql(tx.pg), ticket_id, ticket_id):
        tx.run("INSERT INTO ticket_search (id, ticket_id, body) VALUES (?, ?, ?)", row)


def catch_up(tx: Tx, batch: int = 500) -> int:
    """SQLite: move up to ``batch`` listed pieces into the index, in ``tx``; how many moved."""
    if tx.pg:
        return 0
    # CROSS JOIN: SQLite's way to fix the join's order. Left to itself the planner scanned every
    # piece of every ticket for the few listed (a ticket_search of millions of rows, each poll).
    # the text as the index takes it: with a line end after it (``FTS_TEXT``)
    rows = tx.all(f"SELECT p.id, s.body FROM {PENDING} p CROSS JOIN {FTS_TEXT} s ON s.id = p.id"
                  " ORDER BY p.id LIMIT ?", (batch,))
    if rows:
        tx.cur.executemany(f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (?, ?)", rows)
        tx.cur.executemany(f"DELETE FROM {PENDING} WHERE id = ?", [(r[0],) for r in rows])
    return len(rows)


def _note_sql(pg: bool) -> str:
    return "(after ->> 'note')" if pg else "json_extract(after, '$.note')"


Fetch = Callable[[str, Sequence[Any]], Sequence[Any]]


def pieces(fetch: Fetch, note_sql: str, lo: int, hi: int) -> list[tuple[int, int, str]]:
    """The pieces (id, ticket, text) of the tickets ``lo``..``hi`` as their rows make them
    (``fetch``: runs SQL with ``?`` placeholders and returns its rows; ``note_sql``: the
    engine's way to read an audit row's note)."""
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
        out.append((tid * PIECES, tid, header(desc, name, phone, code, place, org)))
        texts = [" ".join(x.split())[:MAX_BODY] for x in (*lines.get(tid, ()), comment or "")]
        texts = [x for x in texts if x]
        keep = PIECES - 1
        if len(texts) > keep:  # the last piece takes the rest, as ``append`` does
            texts[keep - 1:] = ["\n".join(texts[keep - 1:])[:MAX_BODY]]
        out += [(tid * PIECES + n, tid, x) for n, x in enumerate(texts, 1)]
    return out


def fill(conn: Connection, after_id: int = 0, chunk: int = 2_000) -> int:
    """Write the pieces of the tickets numbered above ``after_id`` (a bulk load of history
    that bypassed the commands); returns how many tickets. The caller commits."""
    pg = conn.dialect.name == "postgresql"

    def fetch(sql: str, params: Sequence[Any]) -> Sequence[Any]:
        return conn.exec_driver_sql(sql.replace("?", "%s") if pg else sql, tuple(params)).fetchall()

    top = conn.exec_driver_sql("SELECT max(id) FROM ticket").scalar() or 0
    insert = "INSERT INTO ticket_search (id, ticket_id, body) VALUES (?, ?, ?)"
    written = 0
    for lo in range(after_id + 1, top + 1, chunk):
        rows = pieces(fetch, _note_sql(pg), lo, lo + chunk - 1)
        if rows:
            conn.exec_driver_sql(insert.replace("?", "%s") if pg else insert, rows)
            written += len({r[1] for r in rows})
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
    # the oldest ticket a term no index serves (one character) was looked for in, when older
    # ones were left unread (``SCAN_TICKETS``): None when every year was searched
    searched_from: int | None = None


def search(s: Session | Connection, raw: str, offset: int = 0, limit: int = 50,
           numbers: bool = True) -> Page:
    """A page of the tickets that match ``raw`` (see ``parse``), best match first, then newest."""
    query = parse(raw, numbers)
    offset = max(0, min(offset, MAX_OFFSET))
    first: list[int] = []
    if query.ticket_id is not None and s.execute(
            text("SELECT 1 FROM ticket WHERE id = :i"), {"i": query.ticket_id}).first():
        first = [query.ticket_id]
    wanted = offset + limit + 1  # one more than the page: is there a next one?
    tickets = _matching(s, query, set(first), wanted - len(first))
    found = first + tickets.out
    more = len(found) > offset + limit
    return Page(found[offset:offset + limit], more,
                tickets.floor // PIECES if tickets.floor and not more else None)


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _matching(s: Session | Connection, query: Query, skip: set[int], wanted: int) -> Found:
    """Up to ``wanted`` tickets matching the query, newest first, but for ``skip``."""
    tickets = Found(skip, wanted, PIECES)
    if wanted <= 0 or not (query.terms or query.location_code):
        return tickets
    if query.location_code:
        at = s.execute(text("SELECT id FROM ticket WHERE location_code = :code ORDER BY id DESC"
                            " LIMIT :n"), {"code": query.location_code, "n": wanted + len(skip)})
        tickets.take([(r[0] * PIECES, 1) for r in at])
        return tickets
    dialect = s.get_bind().dialect.name if isinstance(s, Session) else s.dialect.name
    pg = dialect == "postgresql"
    terms = sorted(query.terms, key=len, reverse=True)  # the longest drives: the fewest rows
    lead, others = terms[0], terms[1:]
    params: dict[str, Any] = {f"l{i}": _like(t) for i, t in enumerate(others)}
    params["lead"] = _like(lead)
    # every other term in some piece of the same ticket (its pieces: one short range of ids)
    also = " AND ".join(f"EXISTS (SELECT 1 FROM ticket_search x WHERE x.id BETWEEN (p.id / {PIECES}) * {PIECES}"
                        f" AND (p.id / {PIECES}) * {PIECES} + {PIECES - 1} AND x.body {op_for(t, pg)} :l{i}"
                        " ESCAPE '\\')" for i, t in enumerate(others))
    ok = f"CASE WHEN {also} THEN 1 ELSE 0 END" if also else "1"
    if pg:
        pg_pieces(s, lead, ok, params, tickets)
        return tickets
    if len(lead) >= MIN_GRAM:  # SQLite: the trigram index, and the pieces not in it yet
        params["m"] = phrase(lead)
        newest_first(s, sqlite_indexed_sql(ok, True), params, tickets, END)
    elif len(lead) == MIN_GRAM - 1 and folded_alike(lead):
        pair(s, lead, ok, params, tickets)
    else:  # one character, or letters whose case the index and LIKE fold apart: a scan of
        newest_first(s, scan_sql(ok, scan_floor(s, tickets)), params, tickets, END)  # the newest
    return tickets
