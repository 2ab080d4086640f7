"""The store: an engine, one transaction per command, migrations to head."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from ticketing.store_upkeep import Checkpointer, SearchIndexer
from ticketing.tx import Tx, dump_json

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever the URL names."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, read_only: bool = False, **kwargs: Any) -> Engine:
    """``read_only`` (SQLite): connections that only read, in deferred transactions
    (``Store.reading``); else every transaction is IMMEDIATE, a writer."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
                               json_serializer=dump_json, **kwargs)
        event.listen(engine, "connect", _sqlite_query_only if read_only else _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_deferred if read_only else _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, json_serializer=dump_json, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers (desk, wallboard) run while a writer commits; IMMEDIATE transactions
    # (below) make writers queue on busy_timeout instead of failing on lock upgrade.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # A new file gets 2 KiB pages: a command's commit writes each page it touched (a dozen
    # b-tree leaves) into the WAL, and half-size pages take ~10 % off a command. An existing
    # file keeps its size.
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    # The WAL is moved into the database file by the store's checkpointer thread, off the
    # command path (a checkpoint's fsyncs cost a command ~2.5 ms); a connection checkpoints
    # itself only if the WAL gets this long anyway, and a reset WAL is cut back to 64 MB.
    cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cur.execute("PRAGMA journal_size_limit=67108864")
    cur.execute("PRAGMA mmap_size=268435456")  # pages read in place, not copied by pread
    cur.close()


AUTOCHECKPOINT_PAGES = 10_000
PAGE_SIZE = 2048
IDLE_TX_CONNECTIONS = 8
# How long a writer waits for SQLite's lock (and first for its turn in this process: if that
# ever times out, it goes on to SQLite's lock, which then decides as it would without the turn)
BUSY_TIMEOUT_S = 30


def _sqlite_begin_immediate(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")  # a read snapshot from the first read on; never the write lock


def _sqlite_query_only(dbapi_conn: Any, _record: Any) -> None:
    _sqlite_pragmas(dbapi_conn, _record)
    dbapi_conn.execute("PRAGMA query_only=ON")


_JOINED: ContextVar[Callable[[Tx], None] | None] = ContextVar("onestop_joined_write", default=None)


@contextmanager
def joined_write(write: Callable[[Tx], None]) -> Iterator[None]:
    """Within the block, ``write(tx)`` runs in the first command transaction (``Store.tx``)
    this thread opens, after the command and before its commit: another layer's row (the web's
    idempotency key) is committed with the command's or not at all. Runs at most once."""
    token = _JOINED.set(write)
    try:
        yield
    finally:
        _JOINED.reset(token)


class Store:
    """Owns the engine. ``with store.session() as s:`` is one transaction."""

    def __init__(self, url_or_engine: str | Engine) -> None:
        self.engine = (url_or_engine if isinstance(url_or_engine, Engine)
                       else make_engine(url_or_engine))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._checkpointer: Checkpointer | None = None
        self._indexer: SearchIndexer | None = None
        self._idle: list[Any] = []  # SQLite connections for ``tx`` (list pop/append: thread-safe)
        self._own_connections = self.dialect == "sqlite" and self.engine.url.database not in (None, "", ":memory:")
        # An SQLite file: this process's writers queue here before they meet at SQLite's lock.
        # SQLite's busy handler polls with sleeps (1, 2, 5, 10… ms): a thread that found the
        # lock taken slept a millisecond or more even when the holder committed 50 µs later
        # (four modem threads sending: 169 of 741 transactions waited 0.5–18 ms). A lock
        # hands over the moment the holder is done. Other processes still meet at SQLite's.
        self._writers = threading.RLock() if self._own_connections else None
        # An SQLite file: transactions that only read take neither that turn nor the write lock
        # (``reading``); made on first use.
        self._readers: sessionmaker[Session] | None = None
        self._read_engine: Engine | None = None
        self._readers_made = threading.Lock()
        # transactions this process committed with audit rows (``session``, ``tx``; every change
        # of a ticket writes them): a page made from the store can tell, without a statement,
        # that nothing it shows was changed here since
        self.audited_commits = 0
        self._commits_lock = threading.Lock()

    def _committed(self) -> None:
        with self._commits_lock:
            self.audited_commits += 1

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._plain_session() as session:
            yield session
        if session.info.get("audited"):
            self._committed()

    @contextmanager
    def _plain_session(self) -> Iterator[Session]:
        with self._turn(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: what a page, a pop or a log-in check shows.

        SQLite: every ``session`` is a writer (BEGIN IMMEDIATE, in this process's turn), so a
        desk's read waited behind every command and every other desk's read. Here the
        transaction is deferred — in WAL it reads the last commit as of its first read and
        waits for nobody — on a connection that is query-only: a write in it fails at once.
        PostgreSQL: ``session``, whose reads never wait for writers anyway."""
        if not self._own_connections:
            with self._plain_session() as session:
                yield session
            return
        with self._read_side()[1]() as session, session.begin():
            yield session

    @contextmanager
    def reading_tx(self) -> Iterator[Tx]:
        """``tx`` for what only reads (a ticket's page, the workers to suggest): on SQLite a
        deferred transaction on a query-only connection, outside the writer's turn — a command's
        read held the turn, and the operators' commands waited behind their own pages' reads
        (a hundred milliseconds and more under a morning's flood). Elsewhere ``tx``."""
        if not self._own_connections:
            with self.tx() as tx:
                yield tx
            return
        raw = self._read_side()[0].raw_connection()
        tx = Tx(self.engine, raw)
        try:
            tx.cur.execute("BEGIN")
            yield tx
        finally:
            try:
                raw.rollback()
            finally:
                tx.close()
                raw.close()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """``reading`` without the ORM: a connection in a transaction that only reads, for the
        statements of every request (the log-in check, the list's change mark) — an ORM
        session's bookkeeping cost them three times the statements' own time."""
        if not self._own_connections:
            with self._plain_session() as session:
                yield session.connection()
            return
        with self._read_side()[0].connect() as conn, conn.begin():
            yield conn

    def _read_side(self) -> tuple[Engine, sessionmaker[Session]]:
        """SQLite: the engine of read-only connections and its sessions, made on first use."""
        if self._readers is None:
            with self._readers_made:
                if self._readers is None:
                    self._read_engine = make_engine(str(self.engine.url), read_only=True, pool_size=8, max_overflow=32)
                    self._readers = sessionmaker(self._read_engine, expire_on_commit=False)
        assert self._read_engine is not None
        return self._read_engine, self._readers

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """This thread's turn to write (SQLite: every transaction is IMMEDIATE, a writer)."""
        got = self._writers is not None and self._writers.acquire(timeout=BUSY_TIMEOUT_S)
        try:
            yield
        finally:
            if got:
                self._writers.release()  # type: ignore[union-attr]

    @contextmanager
    def tx(self, clock: Callable[[], datetime] | None = None) -> Iterator[Tx]:
        """One command's transaction with hand-written SQL (``ticketing.tx``), straight on a
        driver connection. ``clock`` gives the command's time, ``tx.now``, read once the
        transaction holds SQLite's write lock: commands stamp their rows in the order they
        commit (else: the system clock's time)."""
        # inline rather than ``_turn``: commands are the hot path (a generator is 1 µs)
        got = self._writers is not None and self._writers.acquire(timeout=BUSY_TIMEOUT_S)
        try:
            raw = self._tx_connection()
            tx = Tx(self.engine, raw)
            reusable = False
            try:
                if self.dialect == "sqlite":
                    tx.cur.execute("BEGIN IMMEDIATE")
                if clock is not None:
                    tx.set_now(clock())
                yield tx
                joined = _JOINED.get()
                if joined is not None:
                    _JOINED.set(None)  # the next command of this context's only
                    joined(tx)
                tx.finish()
                raw.commit()
                if tx.audited:
                    self._committed()
                reusable = True
            except BaseException:
                try:
                    raw.rollback()
                    reusable = True
                except self.engine.dialect.loaded_dbapi.Error:
                    raw.invalidate()  # the connection is gone: a new one is made next time
                raise
            finally:
                tx.close()
                self._release(raw, reusable)
        finally:
            if got:
                self._writers.release()  # type: ignore[union-attr]

    def _tx_connection(self) -> Any:
        """An SQLite file: a connection of the store's own idle stack (the pool's check-out and
        check-in bookkeeping cost a command more than its BEGIN); made by the engine, with its
        pragmas, then detached from the pool. PostgreSQL (or SQLite in memory, one database per
        pooled connection): the pool's."""
        if not self._own_connections:
            return self.engine.raw_connection()
        try:
            return self._idle.pop()
        except IndexError:
            raw = self.engine.raw_connection()
            raw.detach()
            return raw

    def _release(self, raw: Any, reusable: bool) -> None:
        if self._own_connections and reusable and len(self._idle) < IDLE_TX_CONNECTIONS:
            self._idle.append(raw)
        else:
            raw.close()  # PostgreSQL: back to the pool; a detached one is closed

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        command.upgrade(alembic_config(self.engine), revision)

    def downgrade(self, revision: str) -> None:
        from alembic import command

        command.downgrade(alembic_config(self.engine), revision)

    def revisions(self) -> tuple[str, str]:
        """(the store's revision, the code's head): ``""`` for a store without a schema."""
        from alembic.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head() or ""
        with self.engine.connect() as conn:
            current = ",".join(MigrationContext.configure(conn).get_current_heads())
        return current, head

    def require_schema(self) -> None:
        """Raise ``SchemaNotCurrent`` unless the store is migrated to the code's head, so a
        command names the store and the fix instead of failing on a missing table."""
        current, head = self.revisions()
        if current != head:
            raise SchemaNotCurrent(self.engine.url.render_as_string(hide_password=True), current, head)

    def start_checkpointer(self, interval: float = 0.05) -> None:
        """Checkpoint an SQLite file's WAL in the background (see ``Checkpointer``), and keep
        its search index caught up (``SearchIndexer``)."""
        path = self.engine.url.database
        if self.dialect == "sqlite" and path and path != ":memory:" and self._checkpointer is None:
            self._checkpointer = Checkpointer(path, interval)
            self._indexer = SearchIndexer(self)

    def dispose(self) -> None:
        if self._indexer is not None:  # first: it writes through the idle connections
            self._indexer.stop()
            self._indexer = None
        while self._idle:
            self._idle.pop().close()
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._read_engine is not None:
            self._read_engine.dispose()
        self.engine.dispose()


class SchemaNotCurrent(RuntimeError):
    """The store has no schema, or not the one this code expects."""

    def __init__(self, url: str, current: str, head: str) -> None:
        self.url, self.current, self.head = url, current, head
        state = f"is at revision {current}, this code needs {head}" if current else "has no schema"
        super().__init__(f"the store {url} {state}: run `onestop db upgrade` on it first")


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg
