"""Terms of two characters, on the suite's engine: every ticket whose text holds the pair is
found by paging, newest first, wherever the pair is in a piece — its start, its middle, its
very end — in a description, a reporter's number, a note, a worker's SMS reply or a comment.

On SQLite a pair is looked up in the trigram index (each piece is indexed with a line end
after it, so a pair at its very end starts a trigram too) once the pieces of the newest
tickets have been read; here that first stretch is left as it is or made two tickets long
(the index's lookup also made too small for most pairs, which then walk on), and the pieces
are in the index, still listed for the catch-up, or some of each. The expected tickets are
computed here from the texts the test wrote."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory

from ticketing import search, search_plans
from ticketing.fakes import FixedClock
from ticketing.service import NewTicket, TicketService, WorkerReply
from ticketing.store import Store, alembic_config

from .factories import small_hospital
from .searching import every_page, vm_steps

N = 36
LETTERS = "甲乙丙丁戊己"  # the texts' own words: every pair of them is in some, at every place
WORKER, WORKER_PHONE = "W001", "13800000001"
PIECES_AT = search.PIECES * 10**6  # (a ticket's first piece: the first stretch reads as many of both)


def words(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 6)))


def caught_up(store: Store) -> None:
    with store.tx() as tx:
        while search.catch_up(tx, 100) == 100:
            pass


@pytest.fixture(params=["indexed", "listed", "half"])
def written(request: pytest.FixtureRequest, store: Store, service: TicketService, clock: FixedClock,
            db_url: str) -> Iterator[dict[int, list[str]]]:
    """The tickets' texts as the test wrote them (ticket → its texts, each a piece or a line
    of one). ``indexed``: all in the index; ``listed``: none (the catch-up not yet run);
    ``half``: the tickets' own text in the index, the assessments written after it listed."""
    if request.param != "indexed" and not db_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's GIN index keeps its own pending list")
    small_hospital(store)
    rng = random.Random(19)
    texts: dict[int, list[str]] = {}
    for n in range(1, N + 1):
        desc = words(rng)
        # a third have no reporter: the description is the whole of the first piece
        name, phone = ("", "") if n % 3 == 0 else ("王护士", f"139{rng.randrange(10 ** 8):08d}")
        t = service.accept("li", NewTicket(service_type="repair", description=desc,
                                           reporter_name=name, reporter_phone=phone))
        said = texts.setdefault(t.id, [desc, name, phone])
        if n % 4 == 0:  # a worker cannot go: the SMS and the reason the ticket is released for
            reason = words(rng)
            service.dispatch("li", t.id, [WORKER])
            sms = f"不能 {t.id} {reason}"
            service.handle_inbound_sms("m1", WORKER_PHONE, sms, WorkerReply("cannot", t.id, reason=reason),
                                       clock.now())
            said += [sms, reason]
        elif n % 4 == 1:  # done with a note, a comment at the call-back
            note, comment = words(rng), words(rng)
            service.dispatch("li", t.id, [WORKER])
            service.complete("li", t.id, [], note)
            service.record_callback("li", t.id, 5, comment)
            said += [note, comment]
        elif n % 4 == 2:
            reason = words(rng)
            service.cancel("li", t.id, reason)
            said.append(reason)
    if request.param in ("indexed", "half"):
        caught_up(store)
    for tid in sorted(texts)[:12:4]:  # old tickets' assessments, after the catch-up
        result = words(rng)
        service.assess("manager", tid, result)
        texts[tid].append(result)
    if request.param == "indexed":
        caught_up(store)
    yield texts


@pytest.fixture(params=["walked", "indexed", "many terms"])
def stretch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's first stretch: as it is (a store this small is read in it whole), or the newest
    two tickets (the rest through the index; with "many terms", a pair followed by more than
    one different character in the index walks on instead)."""
    if request.param != "walked":
        monkeypatch.setattr(search_plans, "PAIR_WALK", 2)
    if request.param == "many terms":
        monkeypatch.setattr(search_plans, "PAIR_TERMS", 1)


def expected(texts: dict[int, list[str]], q: str) -> list[int]:
    terms = q.split()
    found = sorted((i for i, said in texts.items() if all(any(t in x for x in said) for t in terms)),
                   reverse=True)
    if q.isdigit() and int(q) in texts:  # the ticket whose number was typed comes first
        found = [int(q)] + [i for i in found if i != int(q)]
    return found


PAIRS = ["".join(p) for p in itertools.product(LETTERS, repeat=2)]


@pytest.mark.usefixtures("stretch")
def test_every_pair_finds_every_ticket_by_paging(store: Store, written: dict[int, list[str]]) -> None:
    places = {"start": 0, "middle": 0, "end": 0}  # where the pairs were, in the texts written
    for said in written.values():
        for x in said:
            for i in range(len(x) - 1):
                if x[i:i + 2] in PAIRS:
                    places["start" if i == 0 else "end" if i == len(x) - 2 else "middle"] += 1
    assert min(places.values()) >= 20, places
    for q in PAIRS:
        want = expected(written, q)
        assert every_page(store, q, 5) == want, q
        assert every_page(store, q, 50) == want, q


@pytest.mark.usefixtures("stretch")
def test_pairs_with_other_terms_numbers_and_none(store: Store, written: dict[int, list[str]]) -> None:
    # (not 00 or 01: the system's own notes hold a worker's code, W001)
    for q in ("甲乙 丙丁", "戊己 甲", "王护 甲甲", "不能 乙丙", "36", "52", "78", "13", "护士", "庚辛"):
        assert every_page(store, q, 4) == expected(written, q), q
    assert expected(written, "甲乙 丙丁") and expected(written, "78") and not expected(written, "庚辛")


def test_a_pair_at_a_pieces_very_end_only(store: Store, service: TicketService,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A pair found nowhere but at the end of pieces (a description alone, a note) in tickets
    older than the first stretch: on SQLite only the index's line end after each piece finds it."""
    small_hospital(store)
    monkeypatch.setattr(search_plans, "PAIR_WALK", 1)
    ends = [service.accept("li", NewTicket(service_type="repair", description="水管庚辛")).id]
    t = service.accept("li", NewTicket(service_type="repair", description="水管坏了"))
    service.cancel("li", t.id, "已经庚辛")
    ends.append(t.id)
    for _ in range(3):
        service.accept("li", NewTicket(service_type="repair", description="辛庚 水管"))
    caught_up(store)
    assert every_page(store, "庚辛", 1) == sorted(ends, reverse=True)


def test_a_rare_pair_reads_the_index_not_every_piece(store: Store, service: TicketService,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A pair in one old ticket: past the first stretch, the search's work does not follow the
    number of pieces in the store (a scan read them all)."""
    if store.dialect != "sqlite":
        pytest.skip("SQLite's trigram index; PostgreSQL's pg_trgm has no term of two characters")
    small_hospital(store)
    monkeypatch.setattr(search_plans, "PAIR_WALK", 2)
    rare = service.accept("li", NewTicket(service_type="repair", description="门锁庚辛坏了")).id

    def steps_to_search() -> int:
        steps, found = vm_steps(store, "庚辛")
        assert found == [rare]
        return steps

    def more_pieces(first: int) -> None:  # 20,000 pieces without the pair, newer than the ticket
        with store.tx() as tx:
            tx.cur.executemany("INSERT INTO ticket_search (id, ticket_id, body) VALUES (?, ?, ?)",
                               [(first + i, rare, f"{i}号病房呼叫器坏了") for i in range(20_000)])
        caught_up(store)

    more_pieces(PIECES_AT)
    fewer = steps_to_search()
    more_pieces(2 * PIECES_AT)
    assert steps_to_search() < fewer * 1.3  # a scan: twice the steps


def _integrity_check(store: Store) -> None:
    """Raises if the index and the text it is built from disagree (a piece's terms taken out
    with other text than they went in with, a piece missing or twice)."""
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}, rank)"
                             " VALUES ('integrity-check', 1)")


def test_the_migration_builds_the_index_with_line_ends(store: Store, service: TicketService,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Over a store whose pieces are some in the index (as it was built before), some listed:
    the index built anew takes them all with a line end after each, the list is emptied, and
    the triggers and the catch-up keep it so; stepping down builds it as it was."""
    if store.dialect != "sqlite":
        pytest.skip("SQLite's FTS5 index")
    small_hospital(store)
    script = ScriptDirectory.from_config(alembic_config(store.engine))
    made = next(r for r in script.walk_revisions() if r.path.endswith("_search_pairs.py"))
    store.downgrade(str(made.down_revision))
    old = service.accept("li", NewTicket(service_type="repair", description="门锁庚辛")).id
    with store.tx() as tx:  # the catch-up of that time: the text alone
        tx.run(f"INSERT INTO {search.FTS_TABLE} (rowid, body) SELECT id, body FROM ticket_search")
        tx.run(f"DELETE FROM {search.PENDING}")
    service.edit("li", old, description="门锁庚辛坏")  # the indexed piece taken out, listed anew
    service.cancel("li", old, "已经庚辛")  # listed
    store.upgrade()
    with store.tx() as tx:
        assert tx.one(f"SELECT count(*) FROM {search.PENDING}")[0] == 0
    _integrity_check(store)
    monkeypatch.setattr(search_plans, "PAIR_WALK", 1)
    for _ in range(2):
        service.accept("li", NewTicket(service_type="repair", description="辛庚"))
    t = service.accept("li", NewTicket(service_type="repair", description="水管庚辛")).id
    caught_up(store)
    service.edit("li", t, description="水管坏了")  # its old text out of the index, as it went in
    service.cancel("li", t, "还是庚辛")
    assert every_page(store, "庚辛", 1) == [t, old]  # (t's note listed, old's pieces indexed)
    caught_up(store)
    assert every_page(store, "庚辛", 1) == [t, old]
    _integrity_check(store)
    store.downgrade(str(made.down_revision))
    _integrity_check(store)
    with store.engine.connect() as conn:
        found = conn.exec_driver_sql(f"SELECT rowid / {search.PIECES} FROM {search.FTS_TABLE}"
                                     f" WHERE {search.FTS_TABLE} MATCH '\"门锁庚\"'").all()
    assert found == [(old,)]
