"""How the search finds a term's pieces newest first, a page's worth: the tickets met
(``Found``), PostgreSQL's plans (``pg_pieces``), which its planner would not pick by itself, and
SQLite's (``sqlite_indexed_sql``, ``pair``, ``scan_sql``, ``newest_first``): its FTS5 index
gives the matches newest first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

END = 2 ** 62  # above every piece's id
FTS_TABLE = "ticket_fts"  # SQLite: the FTS5 index and its shadow tables (ticket_fts_*)
PENDING = "ticket_fts_pending"  # SQLite: pieces written, not yet in the index (migration 0013)
FTS_TEXT = "ticket_fts_text"  # SQLite: the pieces as the index takes them, a line end after each
FTS_TERMS = "ticket_fts_terms"  # SQLite: the index's terms (fts5vocab, migration 0017)


def op_for(term: str, pg: bool) -> str:
    """PostgreSQL: ``ILIKE`` only for a term with letters that have a case (ICU, icu); Chinese
    and digits have none, and ``LIKE`` compares their bytes, 4× faster than ``ILIKE`` folds
    them. SQLite's ``LIKE`` folds ASCII letters itself, as FTS5's trigram tokenizer does."""
    return "ILIKE" if pg and term.lower() != term.upper() else "LIKE"


class Found:
    """The tickets of matching pieces met newest first: each once, but for ``skip``."""

    def __init__(self, skip: set[int], wanted: int, pieces: int) -> None:
        self.skip, self.wanted, self.pieces = skip, wanted, pieces
        self.out: list[int] = []
        self.floor = 0  # a piece: the search read no older one (``SCAN_TICKETS``), 0: every one

    def take(self, rows: Sequence[Any]) -> None:
        for pid, matches in rows:
            tid = pid // self.pieces
            if matches and tid not in self.skip and (not self.out or self.out[-1] != tid) \
                    and not self.full():
                self.out.append(tid)

    def full(self) -> bool:
        return len(self.out) >= self.wanted


SCAN_TICKETS = 100_000  # a term no index serves (one character) reads this many newest tickets' pieces
WALK = 4_096  # PostgreSQL: the first stretch of pieces read newest first (then 4×, 16×…)
CHECK_COST = 5  # PostgreSQL: checking a match the GIN index found ÷ reading a piece in order
PROBE_MIN = 500  # PostgreSQL: the index is asked for all of a term's matches if fewer than this
BUCKET = 22  # PostgreSQL: a piece's bucket, id >> 22 (4,096 tickets), the trigram index's first column
FIRST = 4  # PostgreSQL: the buckets a term that may be rare asks for before its probe
BRANCHES = 64  # PostgreSQL: the most buckets one statement asks the trigram index for
BUCKET_COST = 50  # PostgreSQL: asking the trigram index for a bucket ÷ checking one of its matches
# off for the index's lookups (for the rest of the transaction's statements): a bitmap or nothing
_SET_BITMAP = ("SELECT set_config('enable_seqscan', '{value}', true),"
               " set_config('enable_indexscan', '{value}', true)")


def pg_index_match(lead: str, op: str) -> str | None:
    """PostgreSQL: the condition that finds the pieces holding ``lead`` through an index and
    checks them (``:lead``: its ``LIKE`` pattern, ``:pair``: the term), or None if no index
    serves it. Three characters or more: the ``pg_trgm`` index (it checks the matches itself;
    its first column, a piece's bucket, narrows it to a window's buckets, migration 0019);
    two: the index of every piece's pairs (migration 0018), then ``LIKE``; one, or a pair with
    a control character (which that index leaves out): none."""
    if len(lead) >= 3:
        return f"body {op} :lead ESCAPE '\\'"
    if len(lead) == 2 and lead.isprintable():
        return f"ticket_search_pairs(body) @> ARRAY[lower(:pair)] AND body {op} :lead ESCAPE '\\'"
    return None


def pg_pieces(s: Session | Connection, lead: str, ok: str, params: dict[str, Any],
              tickets: Found) -> None:
    """PostgreSQL: the pieces matching ``lead``, newest first, into ``tickets`` until it is full.

    No plan the planner picks by itself serves every term. It cannot know how often a substring
    occurs but from the sample of values its statistics keep (a term in one piece of a thousand
    is seldom in it), and after five runs the server may keep one generic plan of a statement
    for every pattern. Reading the pieces newest first (the primary key backwards) fills a page
    of a common term after a few hundred rows, but reads the whole table for a rare one; the GIN
    index finds a rare term's rows at once, but in no order: for a common one it reads and
    checks every match in the store (a heap page each) to sort them for the newest. So, with
    the plans written into the statements (each planned for its own values):

    1. the newest ``WALK`` pieces are read (a subquery ordered and limited by id), which fills
       the page of a common term (one piece in a hundred or more);
    2. a term of two characters or more, if it is not done, walks on while the rest of the page,
       at the share of pieces that held it so far, costs fewer pieces read in order than
       checking every match the index would give (``CHECK_COST`` each): a term in one piece of
       ~700 or more over a million tickets. Else it goes to an index (``_pg_index``):
       ``pg_trgm``'s for three characters or more, that of the pieces' pairs for two
       (``pg_index_match``);
    3. a term of one character has no index: the walk goes on, stretches four times longer
       each time (stopped by the page's end), down to the pieces of the newest
       ``SCAN_TICKETS`` tickets (``scan_floor``).

    The statements are planned for their own values (``plan_cache_mode``) and run without
    parallel workers, for the rest of the transaction."""
    # no parallel workers: starting them took 15–20 ms on two busy cores, for a statement whose
    # own work is a few milliseconds (a window of buckets, planned as a Parallel Append)
    s.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
                   " set_config('max_parallel_workers_per_gather', '0', true)"))
    op = op_for(lead, True)
    match = pg_index_match(lead, op)
    if match and len(lead) == 2:
        params = {**params, "pair": lead}
    floor = 0 if match else scan_floor(s, tickets)
    walk = (f"SELECT p.id, {ok} FROM (SELECT id, body FROM ticket_search WHERE id < :before AND id >= {floor}"
            f" ORDER BY id DESC LIMIT :n) p WHERE p.body {op} :lead ESCAPE '\\' ORDER BY p.id DESC LIMIT :m")
    edge = ("SELECT min(id), max(id), count(*) FROM (SELECT id FROM ticket_search WHERE id < :before"
            f" AND id >= {floor} ORDER BY id DESC LIMIT :n) w")
    before, stretch, found, read, newest = END, WALK, 0, 0, 0
    store: tuple[int, int] | None = None  # the newest ticket, the store's pieces (its statistics)
    while not tickets.full():
        batch = max(16, tickets.wanted - len(tickets.out))
        rows = s.execute(text(walk), {**params, "before": before, "n": stretch, "m": batch}).all()
        tickets.take(rows)
        found += len(rows)
        if tickets.full():  # a small page can fill before the batch does
            return
        if len(rows) == batch:  # the stretch holds more: on from the last one
            before = rows[-1][0]
            continue
        oldest, top, n = s.execute(text(edge), {"before": before, "n": stretch}).one()
        if n < stretch:
            return  # walked to the oldest piece, or to the floor
        newest, read = newest or top or oldest, read + n
        share, left = found / read, tickets.wanted - len(tickets.out)
        low = max(0.0, found - 2 * found ** 0.5) / read  # the share, less two of its deviations
        if match:
            if store is None:
                last, pieces_now = s.execute(text(
                    "SELECT (SELECT max(id) FROM ticket), (SELECT reltuples FROM pg_class"
                    " WHERE relname = 'ticket_search')")).one()
                store = (last or 0, max(int(pieces_now or 0), 0))
            # on while the rest of the page, at the share met so far (less its noise: a few
            # matches in the newest pieces say little), costs fewer pieces read in order than
            # checking every match the index would give
            if len(lead) >= 3 or not low or left / low > CHECK_COST * low * store[1]:
                sure = max(0.0, found - found ** 0.5) / read  # less one deviation
                _pg_index(s, match, ok, params, oldest, (share, sure), (newest - oldest) / read, store,
                          tickets, len(lead) >= 3)
                return
            before, stretch = oldest, max(WALK, int(2 * left / low))  # the page stops it earlier
            continue
        before, stretch = oldest, stretch * 4


def scan_floor(s: Session | Connection, tickets: Found) -> int:
    """The first piece of the oldest of the newest ``SCAN_TICKETS`` tickets, where a term no index
    serves stops reading (a rare character read every piece of a million tickets: seconds of
    the desk's wait and of a database connection); kept in ``tickets.floor`` for the answer to
    say so. 0 when the store holds no older ticket."""
    low, top = s.execute(text("SELECT (SELECT min(id) FROM ticket_search), (SELECT max(id) FROM ticket_search)")).one()
    floor = newest_tickets_floor(int(top or 0), SCAN_TICKETS, tickets.pieces)
    tickets.floor = floor if low is not None and floor > low else 0
    return tickets.floor


def newest_tickets_floor(top: int, n: int, pieces: int) -> int:
    """The first piece of the oldest of the newest ``n`` tickets, ``top`` the newest piece
    (whole tickets: a ticket's pieces are ``pieces`` ids from its first); 0 for fewer tickets."""
    return max(0, (top // pieces - n + 1) * pieces)


def _pg_index(s: Session | Connection, match: str, ok: str, params: dict[str, Any], before: int,
              shares: tuple[float, float], per_piece: float, store: tuple[int, int], tickets: Found,
              bucketed: bool) -> None:
    """The lead term's matches (``match``) older than ``before`` through its GIN index, newest
    first, after a walk that found it in ``shares`` of the pieces read (as met, and less one of
    its deviations), ``per_piece`` ids apart (``store``: the newest ticket, and how many pieces
    the store holds; ``bucketed``: the trigram index, whose first column is a piece's bucket).

    If that share of the store's pieces is under ``probe``, the term may be rare, and the index
    is asked for all its matches, up to ``probe`` (a number, a name, most terms of six
    characters: fewer than that, sorted newest first, and done). Else, or past ``probe``, the
    matches come in windows of ids, newest first, the first one's size guessed from the share,
    so that only the window's matches are read and checked:

    - three characters or more: whole buckets of 4,096 tickets (``BUCKET``), each asked for by
      the trigram index's first column (``_pg_buckets``). ``probe`` weighs its checks against
      the buckets a page would ask for past it (``BUCKET_COST`` checks each): √(cost × page ×
      buckets), ~790 over a million tickets. A rare term's windows would ask for every bucket,
      so the probe is skipped on the share less its noise (none for one match met). A term the
      walk met but that may be rare asks for ``FIRST`` buckets before the probe, and any term
      is probed after its first window only if what the window gave puts fewer than ``probe``
      tickets in the store: a failed probe reads ``probe`` matches, the oldest (a bitmap's heap
      pages in order), for nothing, and the few matches a stretch of 4,096 pieces meets do not
      tell ~500 matches in the store from ~2,000 — the buckets' 16,000 tickets do.
    - two characters: the index of pairs' matches and the window's ids from the primary key
      ANDed (a ``BitmapAnd``), each window four times larger; the last one, the rest of the
      store, from the index alone. ``probe`` balances its cost against a window's: checking a
      match costs about ``CHECK_COST`` pieces read in order."""
    share, sure = shares
    batch = max(64, 2 * tickets.wanted)
    rare = (f"WITH m AS MATERIALIZED (SELECT id FROM ticket_search WHERE {match}"
            f" AND id < :before LIMIT :cap) SELECT p.id, {ok}, (SELECT count(*) FROM m) FROM m p"
            " ORDER BY p.id DESC LIMIT :n")
    window = (f"WITH m AS MATERIALIZED (SELECT id FROM ticket_search WHERE {match}"
              f" AND id >= :after AND id < :before) SELECT p.id, {ok} FROM m p ORDER BY p.id DESC LIMIT :n")
    top, pieces_now = store
    if bucketed:
        buckets = (top * tickets.pieces >> BUCKET) + 1
        probe = int(max(PROBE_MIN, (BUCKET_COST * tickets.wanted * buckets) ** 0.5))
    else:
        probe = int(max(PROBE_MIN, (pieces_now * tickets.wanted / CHECK_COST) ** 0.5 / 4))
    s.execute(text(_SET_BITMAP.format(value="off")))
    try:
        def rest(below: int) -> bool:
            """All the matches below ``below`` if fewer than ``probe`` (into ``tickets``)."""
            rows = s.execute(text(rare), {**params, "before": below, "cap": probe, "n": batch}).all()
            if rows and rows[0][2] >= probe:
                return False
            while True:  # rare: these are its matches, newest first
                tickets.take([r[:2] for r in rows])
                if len(rows) < batch or tickets.full():
                    return True
                rows = s.execute(text(rare), {**params, "before": rows[-1][0], "cap": probe,
                                              "n": batch}).all()

        probed = (sure if bucketed else share) * pieces_now < probe  # may be rare: asked for all
        if bucketed and share:  # met by the walk: a window first, then the probe if it gave few
            span = FIRST << BUCKET if probed else int(per_piece * max(WALK, 2 * tickets.wanted / share))
            low = max(0, before - span) >> BUCKET  # the oldest bucket the window reaches
            _pg_buckets(s, match, ok, params, before, ((before - 1) >> BUCKET) - low + 1, tickets,
                        (rest, probe, top))
            return
        if not probed:
            span = int(per_piece * max(WALK, 2 * tickets.wanted / share))
        elif rest(before):
            return
        else:
            span = tickets.pieces * max(WALK, tickets.wanted * top // probe)
        if bucketed:  # a term the walk did not meet, past the probe
            _pg_buckets(s, match, ok, params, before, -(-span >> BUCKET), tickets, None)
            return
        while not tickets.full() and before > 0:
            after = max(0, before - span)
            got: Sequence[Any]
            if after == 0:  # the rest of the store: from the index alone (its ids would only add their bitmap)
                got = [r[:2] for r in s.execute(text(rare), {**params, "before": before, "cap": END,
                                                             "n": batch}).all()]
            else:
                got = s.execute(text(window), {**params, "before": before, "after": after, "n": batch}).all()
            tickets.take(got)
            if len(got) == batch:  # the window holds more: on from the last one
                before = got[-1][0]
                continue
            before, span = after, span * 4
    finally:
        s.execute(text(_SET_BITMAP.format(value="on")))


def _pg_buckets(s: Session | Connection, match: str, ok: str, params: dict[str, Any], before: int,
                size: int, tickets: Found, rest: tuple[Callable[[int], bool], int, int] | None) -> None:
    """The trigram index's matches older than ``before``, newest first, a window of ``size``
    buckets first (at least one). Each further window is sized from the tickets the buckets
    asked so far gave, for the rest of the page and half as many again (four times the last
    one's size if they gave none), at most ``BRANCHES``: a bucket asked for costs ~0.5 ms to
    plan and scan, the matches in it a heap page each. ``rest``, if the term was not probed:
    the probe of what is left (True if it served them), its cap and the newest ticket — made
    after the first window if the tickets it gave, at that rate over the store, are fewer
    than the cap (a term the newest pieces held often, but few older ones, or one the walk
    met once: its windows would ask for every bucket)."""
    batch = max(64, 2 * tickets.wanted)
    asked, gave, start, had = 0, 0, before, len(tickets.out)
    while not tickets.full() and before > 0:
        high = (before - 1) >> BUCKET
        size = max(1, min(size, BRANCHES, high + 1))
        got = s.execute(text(_buckets_sql(match, ok, size)), {
            **params, **{f"b{i}": high - i for i in range(size)}, "before": before, "n": batch}).all()
        tickets.take(got)
        if len(got) == batch:  # the window holds more: on from the last one
            before = got[-1][0]
            continue
        before = (high - size + 1) << BUCKET
        asked, gave, had = asked + size, gave + len(tickets.out) - had, len(tickets.out)
        if rest is not None and before > 0:  # after the first window: probed if it gave few
            probe, cap, top = rest
            span = max(1, (start - before) // tickets.pieces)  # the tickets the window asked for
            if gave * top < cap * span and probe(before):
                return
            rest = None
        left = tickets.wanted - len(tickets.out)
        size = 4 * size if not gave else min(4 * size, -(-3 * left * asked // (2 * gave)))


def _buckets_sql(match: str, ok: str, n: int) -> str:
    """PostgreSQL: the matches of ``match`` below ``:before`` in the buckets ``:b0``…, newest
    first. Each bucket is a statement of its own in the union: an equality of the trigram
    index's first column, which the planner always takes into the index's scan (an ``= ANY``
    of the buckets it may leave a filter on every match, each read and checked — as it left
    the primary key's range of a large window). ``id + 0``: a filter, not a range of the
    primary key ANDed in."""
    union = " UNION ALL ".join(f"SELECT id FROM ticket_search WHERE (id >> {BUCKET}) = CAST(:b{i} AS bigint)"
                               f" AND {match}" for i in range(n))
    return (f"WITH m AS MATERIALIZED (SELECT id FROM ({union}) u WHERE id + 0 < :before)"
            f" SELECT p.id, {ok} FROM m p ORDER BY p.id DESC LIMIT :n")


# --- SQLite: its FTS5 index gives the matches newest first ------------------------------

PAIR_WALK = 2_048  # SQLite: a pair reads the pieces of this many newest tickets first
PAIR_TERMS = 500  # SQLite: a pair followed by more different characters than this is walked


def pair(s: Session | Connection, lead: str, ok: str, params: dict[str, Any], tickets: Found) -> None:
    """SQLite: the pieces holding a term of two characters, newest first, into ``tickets``.

    Every occurrence of the pair starts a trigram of the index — the pair and the character
    after it; at a piece's very end the line end the index takes after each piece
    (``FTS_TEXT``) — so its pieces are those of the index's terms that start with the pair
    (``FTS_TERMS``), all asked for at once. Listing them counts each one's matches in the
    index (fts5vocab reads their lists), a cost that grows with how common the pair is: the
    pieces of the newest ``PAIR_WALK`` tickets are read first (a common pair fills its page
    there), and the index is asked only for the older ones, with the listed pieces beside it."""
    top = s.execute(text("SELECT max(id) FROM ticket_search")).scalar()
    if top is None:
        return
    floor = newest_tickets_floor(top, PAIR_WALK, tickets.pieces)
    newest_first(s, scan_sql(ok, floor), params, tickets, END)
    if tickets.full() or floor == 0:
        return
    key = lead.lower()  # as the index keeps its terms (its tokenizer folds ASCII letters, as LIKE)
    last = ord(key[-1])  # the terms from the pair up to the next one (U+D800… are no characters)
    upto = key[:-1] + chr(0xE000 if last == 0xD7FF else last + 1) if last < 0x10FFFF else None
    terms = [t for (t,) in s.execute(
        text(f"SELECT term FROM {FTS_TERMS} WHERE term >= :key AND term < :upto LIMIT {PAIR_TERMS + 1}"),
        {"key": key, "upto": upto})] if upto else []
    if upto is None or len(terms) > PAIR_TERMS:
        newest_first(s, scan_sql(ok), params, tickets, floor)
        return
    params["m"] = " OR ".join(phrase(t) for t in terms)
    newest_first(s, sqlite_indexed_sql(ok, bool(terms)), params, tickets, floor)


def folded_alike(term: str) -> bool:
    """The index and ``LIKE`` agree on the term's characters: none with a case but ASCII's
    (the trigram tokenizer folds every letter, SQLite's ``LIKE`` ASCII's only)."""
    return all(c.isascii() or c.lower() == c.upper() for c in term)


def phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def sqlite_indexed_sql(ok: str, match: bool) -> str:
    """SQLite: pieces newest first below ``:before``: the index's matches of ``:m`` (unless
    ``match`` is false: none) and the listed pieces not in it yet that hold ``:lead``. The
    listed pieces drive, each one's text read by its id: as a join, SQLite's planner read every
    piece of the store, or built a Bloom filter over them all, for the few listed."""
    listed = (f"SELECT id FROM (SELECT q.id AS id FROM {PENDING} q WHERE q.id < :before"
              f" AND (SELECT s.body FROM ticket_search s WHERE s.id = q.id) LIKE :lead ESCAPE '\\'"
              " ORDER BY q.id DESC LIMIT :n)")
    indexed = (f"SELECT id FROM (SELECT rowid AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :m"
               " AND rowid < :before ORDER BY rowid DESC LIMIT :n) UNION ALL ") if match else ""
    return f"SELECT p.id, {ok} FROM ({indexed}{listed} ORDER BY id DESC LIMIT :n) p"


def scan_sql(ok: str, floor: int = 0) -> str:
    """SQLite: pieces newest first below ``:before`` (and from ``floor`` on) that hold ``:lead``."""
    return (f"SELECT p.id, {ok} FROM ticket_search p WHERE p.body LIKE :lead ESCAPE '\\'"
            f" AND p.id < :before AND p.id >= {floor} ORDER BY p.id DESC LIMIT :n")


def newest_first(s: Session | Connection, sql: str, params: dict[str, Any], tickets: Found,
                  before: int) -> None:
    """The rows of ``sql`` (pieces below ``:before``, newest first, ``:n`` at a time) into
    ``tickets`` until it is full: a ticket's pieces are neighbours, and a page of a common word
    ends after its first rows."""
    batch = max(64, 2 * tickets.wanted)
    while not tickets.full():
        rows = s.execute(text(sql), {**params, "before": before, "n": batch}).all()
        tickets.take(rows)
        if len(rows) < batch:
            break
        before, batch = rows[-1][0], min(batch * 4, 20_000)
