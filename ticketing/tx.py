"""A command's transaction: hand-written SQL on the driver's own cursor.

The ticket commands (accept, dispatch, a worker's reply, done…) are the store's hot path: a
full lifecycle is three of them. Through the ORM a command cost ~1.5 ms, most of it before any
SQL ran (a unit of work alone is ~400 µs); here the same statements cost what the driver and
the commit cost. Tables and column types still come from the declarative models
(``ticketing.model``) and values are converted as SQLAlchemy stores them (``UtcDateTime`` as
naive-UTC text on SQLite, JSON text, 0/1), so the ORM read side — desk lists, statistics,
imports, tests — sees the rows it would have written itself (the conversions, ``Record`` and
each table's prepared SQL: ``ticketing.tx_codec``).

``Tx`` keeps an identity map like a session: a row loaded twice in one command is one
``Record``; changed attributes are written by ``flush`` (and before commit). ``savepoint``
undoes both the rows and the in-memory records when its block fails. ``tx.session`` is an ORM
session on the same connection and transaction, made only when a command needs the models
(menus, worker suggestions). ``Store.tx`` begins and ends a ``Tx``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.orm import Session

from ticketing.tx_codec import (
    TIME_BINDERS,
    Codec,
    Record,
    codec_of,
    dump_json,
    pg_style,
    quote,
)

__all__ = ["Record", "Tx", "dump_json"]


_PG_SQL: dict[str, str] = {}  # statement → its psycopg form


class Tx:
    """One transaction on one driver connection (``Store.tx`` begins and ends it)."""

    def __init__(self, engine: Engine, raw: Any) -> None:
        self.engine = engine
        self.raw = raw  # SQLAlchemy's proxy of the driver connection
        self.pg = engine.dialect.name == "postgresql"
        self.cur = raw.cursor()
        self._records: dict[tuple[str, int], Record] = {}
        self._conn: Connection | None = None
        self._session: Session | None = None
        self._savepoints = 0
        self.memo: dict[Any, Any] = {}  # a command's own lookups of master data
        self.audited = False  # an audit row was written (``ticketing.audit``)
        self.now = datetime.now(UTC)  # the command's time (``Store.tx`` sets its clock's)
        self._now_bound: tuple[Any, Any] = (None, None)

    def set_now(self, now: datetime) -> None:
        """Set the command's time, ``tx.now``. Most rows a command writes carry it (the
        ticket's step, its audit rows, its outbox rows): it is converted for the driver here,
        once, and ``insert`` and ``flush`` bind that (any other time is converted as it comes)."""
        self.now = now
        self._now_bound = (now, TIME_BINDERS[self.pg](now))

    # --- plain SQL (``?`` placeholders on both engines) --------------------------------------

    def sql(self, text: str) -> str:
        if not self.pg:
            return text
        out = _PG_SQL.get(text)
        if out is None:
            out = _PG_SQL[text] = pg_style(text)
        return out

    def one(self, text: str, params: Sequence[Any] = ()) -> Any:
        self.cur.execute(self.sql(text), params)
        return self.cur.fetchone()

    def all(self, text: str, params: Sequence[Any] = ()) -> list[Any]:
        self.cur.execute(self.sql(text), params)
        return self.cur.fetchall()

    def run(self, text: str, params: Sequence[Any] = ()) -> int:
        self.cur.execute(self.sql(text), params)
        return int(self.cur.rowcount)

    def at(self, when: datetime) -> Any:
        """A timestamp as a query parameter."""
        return TIME_BINDERS[self.pg](when)

    # --- rows -----------------------------------------------------------------------------

    def records(self, table: Table, where: str = "", params: Sequence[Any] = (),
                lock: bool = False, skip_locked: bool = False) -> list[Record]:
        """Rows of ``table`` (``where``: the SQL after WHERE, with ORDER BY and LIMIT if
        wanted). ``lock``: FOR UPDATE on PostgreSQL, ``skip_locked`` passing over rows another
        transaction holds (queue consumers)."""
        codec = codec_of(table)
        self.cur.execute(codec.query(where, lock, self.pg, skip_locked), params)
        return [self._record(codec, row) for row in self.cur.fetchall()]

    def record(self, table: Table, where: str, params: Sequence[Any] = (),
               lock: bool = False) -> Record | None:
        rows = self.records(table, where, params, lock)
        return rows[0] if rows else None

    def record_with(self, table: Table, extra: str, where: str,
                    params: Sequence[Any] = ()) -> tuple[Record | None, tuple[Any, ...]]:
        """One row of ``table`` and, read in the same statement, the values of ``extra`` (SQL
        expressions after its columns, e.g. a scalar subquery; their parameters come first
        in ``params``). ``(None, ())`` when no row matches."""
        codec = codec_of(table)
        row = self.one(f"SELECT {codec.columns}, {extra} FROM {table.name} WHERE {where}", params)
        if row is None:
            return None, ()
        n = len(codec.names)
        return self._record(codec, row[:n]), tuple(row[n:])

    def get(self, table: Table, id_: int, lock: bool = False) -> Record | None:
        known = self._records.get((table.name, id_))
        if known is not None and not lock:
            return known
        return self.record(table, "id = ?", (id_,), lock)

    def insert(self, table: Table, values: dict[str, Any]) -> int:
        """Insert one row (missing columns take the model's defaults); returns its id."""
        plan = codec_of(table).insert_plan(tuple(values))
        params = [*values.values(), *(d(None) if callable(d) else d for _n, d in plan.defaults)]
        now, now_bound = self._now_bound
        for i, f in plan.bind[self.pg]:  # only the columns that convert (dates, JSON…)
            if (v := params[i]) is not None:
                params[i] = now_bound if v is now and f in TIME_BINDERS else f(v)
        cur = self.cur
        cur.execute(plan.pg if self.pg else plan.sqlite, params)
        return int(cur.fetchone()[0] if self.pg else cur.lastrowid)

    def create(self, table: Table, values: dict[str, Any]) -> Record:
        """Insert a row and keep it as a record of this transaction (every column set)."""
        codec = codec_of(table)
        row = {n: None for n in codec.names if n != "id"}
        for name, default in codec.defaults.items():
            row[name] = default(None) if callable(default) else default
        row.update(values)
        row.pop("id", None)
        rec = Record(table, {"id": self.insert(table, row), **row})
        self._records[(table.name, rec.id)] = rec
        return rec

    def loaded(self, table: Table) -> list[Record]:
        """The records of ``table`` this transaction has read or made, in the order it met them."""
        return [r for (name, _id), r in self._records.items() if name == table.name]

    def flush(self) -> None:
        """Write the changed columns of every loaded record."""
        for rec in self._records.values():
            if rec._dirty:
                self._update(rec)

    def _update(self, rec: Record) -> None:
        codec = codec_of(rec._table)
        names = tuple(sorted(rec._dirty))
        text = codec.updates.get(names)
        if text is None:
            text = codec.updates[names] = (
                f"UPDATE {codec.table.name} SET {', '.join(f'{quote(n)} = ?' for n in names)} WHERE id = ?")
        bind = codec.bind[self.pg]
        now, now_bound = self._now_bound
        params = [v if (v := rec.__dict__[n]) is None or n not in bind
                  else now_bound if v is now and bind[n] in TIME_BINDERS else bind[n](v)
                  for n in names]
        self.run(text, [*params, rec.__dict__["id"]])
        rec._dirty.clear()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A block that is undone as a whole, rows and loaded records alike, if it raises."""
        self.flush()
        kept = {key: dict(rec.__dict__) for key, rec in self._records.items()}
        self._savepoints += 1
        name = f"tx_{self._savepoints}"
        self.cur.execute(f"SAVEPOINT {name}")
        try:
            yield
            self.flush()
        except BaseException:
            self.cur.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.cur.execute(f"RELEASE SAVEPOINT {name}")
            for key in list(self._records):
                rec = self._records[key]
                if key in kept:
                    rec.__dict__.clear()
                    rec.__dict__.update(kept[key])
                    rec._dirty.clear()
                else:
                    del self._records[key]
            raise
        self.cur.execute(f"RELEASE SAVEPOINT {name}")

    @property
    def session(self) -> Session:
        """An ORM session in this transaction, for the few reads that want the models. Its
        connection joins no engine events: the transaction is already begun (and is ended by
        ``Store.tx`` on the driver connection, not by the session)."""
        if self._session is None:
            self._conn = Connection(self.engine, connection=self.raw, _has_events=False)
            self._session = Session(bind=self._conn, autoflush=False, expire_on_commit=False)
        return self._session

    def finish(self) -> None:
        """Before commit: the changed records, and anything the ORM session was given."""
        self.flush()
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        """After commit or rollback (``Store.tx`` then keeps or closes ``raw``)."""
        self.cur.close()
        if self._session is not None:
            self._session.close()  # ends only its own bookkeeping: the driver's work is done
        self._session = self._conn = None  # the Connection is dropped, not closed: it would close ``raw``

    # --- conversions, as SQLAlchemy does them ----------------------------------------------

    def _record(self, codec: Codec, row: Sequence[Any]) -> Record:
        key = (codec.table.name, row[0])
        known = self._records.get(key)
        if known is not None:
            return known  # the one object for this row in this transaction, changes and all
        values = dict(zip(codec.names, row, strict=True))
        for name, read in codec.read[self.pg]:
            if (v := values[name]) is not None:
                values[name] = read(v)
        rec = Record(codec.table, values)
        self._records[key] = rec
        return rec
