"""A command's transaction: hand-written SQL on the driver's own cursor.

The ticket commands (accept, dispatch, a worker's reply, done…) are the store's hot path: a
full lifecycle is three of them. Through the ORM a command cost ~1.5 ms, most of it before any
SQL ran (a unit of work alone is ~400 µs); here the same statements cost what the driver and
the commit cost. Tables and column types still come from the declarative models
(``ticketing.model``) and values are converted as SQLAlchemy stores them (``UtcDateTime`` as
naive-UTC text on SQLite, JSON text, 0/1), so the ORM read side — desk lists, statistics,
imports, tests — sees the rows it would have written itself.

``Tx`` keeps an identity map like a session: a row loaded twice in one command is one
``Record``; changed attributes are written by ``flush`` (and before commit). ``savepoint``
undoes both the rows and the in-memory records when its block fails. ``tx.session`` is an ORM
session on the same connection and transaction, made only when a command needs the models
(menus, worker suggestions). ``Store.tx`` begins and ends a ``Tx``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Date, Engine, Numeric, Table
from sqlalchemy.orm import Session

from ticketing.model import UtcDateTime

_DT, _JSON, _BOOL, _DATE = 1, 2, 3, 4


# --- conversions, as SQLAlchemy does them (``UtcDateTime``, JSON, Boolean, Date) -----------

def _aware(v: datetime) -> datetime:
    if v.tzinfo is None:
        raise ValueError("naive datetime given to the store; use an aware UTC datetime")
    return v if v.tzinfo is UTC else v.astimezone(UTC)


def _dt_sqlite(v: datetime) -> str:
    # UTC's text without its "+00:00" (slicing it off costs half of ``replace(tzinfo=None)``)
    return (v if v.tzinfo is UTC else _aware(v)).isoformat(" ", "microseconds")[:-6]


def _dt_pg(v: datetime) -> datetime:
    return _aware(v)


_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dump_json(v: Any) -> str:
    """JSON as the store writes it on both paths (the engine's ``json_serializer`` too): UTF-8
    text as is and no spaces — an audit row of a new ticket is ~30 % shorter than
    ``json.dumps``'s escaped Chinese and ", " separators, and every byte is WAL. One encoder:
    ``json.dumps`` with any option builds a new one per call."""
    return _JSON_ENCODER.encode(v)


def _json_pg(v: Any) -> Any:
    from psycopg.types.json import Json

    return Json(v, dumps=dump_json)


def _read_dt_sqlite(v: str) -> datetime:
    return datetime.fromisoformat(v).replace(tzinfo=UTC)


def _read_dt_pg(v: datetime) -> datetime:
    return v.replace(tzinfo=UTC) if v.tzinfo is None else v.astimezone(UTC)


def _num_bind(v: Any) -> float:
    return float(v)


def _num_reader(scale: int) -> Any:
    fmt = f"%.{scale}f"
    return lambda v: Decimal(fmt % v)


_TIME_BINDERS = (_dt_sqlite, _dt_pg)
_BINDERS: dict[bool, dict[int, Any]] = {
    False: {_DT: _dt_sqlite, _JSON: dump_json, _BOOL: None, _DATE: date.isoformat},
    True: {_DT: _dt_pg, _JSON: _json_pg, _BOOL: None, _DATE: None},
}
_READERS: dict[bool, dict[int, Any]] = {
    False: {_DT: _read_dt_sqlite, _JSON: json.loads, _BOOL: bool, _DATE: date.fromisoformat},
    True: {_DT: _read_dt_pg, _JSON: None, _BOOL: None, _DATE: None},  # psycopg reads these
}


class Record:
    """One row as plain attributes (column names); remembers the columns a command changed."""

    __slots__ = ("_table", "_dirty", "__dict__")

    def __init__(self, table: Table, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
        object.__setattr__(self, "_table", table)
        object.__setattr__(self, "_dirty", set())

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value
        self._dirty.add(name)

    def __getattr__(self, name: str) -> Any:  # only for names that are not columns
        raise AttributeError(f"{self._table.name} has no column {name!r}")

    def column_names(self) -> list[str]:
        """The table's columns, in order (a column never set reads as None: ``__dict__.get``)."""
        return _codec(self._table).names

    def __repr__(self) -> str:
        return f"<{self._table.name} {self.__dict__.get('id')}>"


class _Codec:
    """How one table's columns go to and come from each driver, and its SQL, built once."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.names = [c.name for c in table.columns]
        self.kinds: dict[str, int] = {}
        self.defaults: dict[str, Any] = {}
        for c in table.columns:
            kind = (_DT if isinstance(c.type, UtcDateTime) else _JSON if isinstance(c.type, JSON)
                    else _BOOL if isinstance(c.type, Boolean) else _DATE if isinstance(c.type, Date)
                    else 0)
            if kind:
                self.kinds[c.name] = kind
            d = c.default
            if d is not None and getattr(d, "is_scalar", False):
                self.defaults[c.name] = d.arg  # type: ignore[attr-defined]
            elif d is not None and getattr(d, "is_callable", False):
                self.defaults[c.name] = d.arg  # type: ignore[attr-defined]  # a factory (dict, list)
        # per engine (False: SQLite, True: PostgreSQL): column → converter, for binding and reading
        self.bind = {pg: {n: _BINDERS[pg][k] for n, k in self.kinds.items() if _BINDERS[pg][k]}
                     for pg in (False, True)}
        self.read = {pg: [(n, _READERS[pg][k]) for n, k in self.kinds.items() if _READERS[pg][k]]
                     for pg in (False, True)}
        # money: SQLite has no decimal type (SQLAlchemy binds a float and reads it back at the
        # column's scale); psycopg binds and reads ``Decimal`` itself
        for c in table.columns:
            if isinstance(c.type, Numeric) and c.type.asdecimal:
                self.bind[False][c.name] = _num_bind
                self.read[False].append((c.name, _num_reader(c.type.scale or 0)))
        self.columns = ", ".join(_q(n) for n in self.names)
        self.select = f"SELECT {self.columns} FROM {table.name}"
        self.selects: dict[tuple[str, bool, bool, bool], str] = {}
        self.inserts: dict[tuple[str, ...], _Insert] = {}
        self.updates: dict[tuple[str, ...], str] = {}

    def query(self, where: str, lock: bool, pg: bool, skip_locked: bool = False) -> str:
        """The SELECT of every column (``where``: the SQL after WHERE), in the engine's style."""
        key = (where, lock, pg, skip_locked)
        text = self.selects.get(key)
        if text is None:
            text = self.select + (f" WHERE {where}" if where else "")
            if lock and pg:  # SQLite: the IMMEDIATE transaction already holds the lock
                text += " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"
            text = self.selects[key] = _pg_style(text) if pg else text
        return text

    def insert_plan(self, given: tuple[str, ...]) -> _Insert:
        """The INSERT of the columns ``given`` plus every other column the model defaults."""
        plan = self.inserts.get(given)
        if plan is None:
            defaults = [(n, d) for n, d in self.defaults.items() if n not in given]
            names = (*given, *(n for n, _d in defaults))
            text = (f"INSERT INTO {self.table.name} ({', '.join(_q(n) for n in names)}) "
                    f"VALUES ({', '.join('?' * len(names))})")
            # SQLite: the id is the cursor's lastrowid (RETURNING costs a result row and a fetch)
            plan = self.inserts[given] = _Insert(
                text, _pg_style(text) + " RETURNING id", defaults,
                {pg: [(i, f) for i, n in enumerate(names) if (f := self.bind[pg].get(n))]
                 for pg in (False, True)})
        return plan


class _Insert:
    __slots__ = ("sqlite", "pg", "defaults", "bind")

    def __init__(self, sqlite: str, pg: str, defaults: list[tuple[str, Any]],
                 bind: dict[bool, list[tuple[int, Any]]]) -> None:
        self.sqlite, self.pg, self.defaults, self.bind = sqlite, pg, defaults, bind  # (position, converter)


_PG_SQL: dict[str, str] = {}  # statement → its psycopg form


def _pg_style(text: str) -> str:
    """``?`` placeholders as psycopg's ``%s``."""
    return text.replace("%", "%%").replace("?", "%s")


_CODECS: dict[str, _Codec] = {}


def _q(name: str) -> str:
    """A column name quoted for both engines (some are reserved words: before, after…)."""
    return f'"{name}"'


def _codec(table: Table) -> _Codec:
    codec = _CODECS.get(table.name)
    if codec is None:
        codec = _CODECS[table.name] = _Codec(table)
    return codec


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
        self.now = datetime.now(UTC)  # the command's time (``Store.tx`` sets its clock's)
        self._now_bound: tuple[Any, Any] = (None, None)

    def set_now(self, now: datetime) -> None:
        """Set the command's time, ``tx.now``. Most rows a command writes carry it (the
        ticket's step, its audit rows, its outbox rows): it is converted for the driver here,
        once, and ``insert`` and ``flush`` bind that (any other time is converted as it comes)."""
        self.now = now
        self._now_bound = (now, _dt_pg(now) if self.pg else _dt_sqlite(now))

    # --- plain SQL (``?`` placeholders on both engines) --------------------------------------

    def sql(self, text: str) -> str:
        if not self.pg:
            return text
        out = _PG_SQL.get(text)
        if out is None:
            out = _PG_SQL[text] = _pg_style(text)
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
        return _dt_pg(when) if self.pg else _dt_sqlite(when)

    # --- rows -----------------------------------------------------------------------------

    def records(self, table: Table, where: str = "", params: Sequence[Any] = (),
                lock: bool = False, skip_locked: bool = False) -> list[Record]:
        """Rows of ``table`` (``where``: the SQL after WHERE, with ORDER BY and LIMIT if
        wanted). ``lock``: FOR UPDATE on PostgreSQL, ``skip_locked`` passing over rows another
        transaction holds (queue consumers)."""
        codec = _codec(table)
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
        codec = _codec(table)
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
        plan = _codec(table).insert_plan(tuple(values))
        params = [*values.values(), *(d(None) if callable(d) else d for _n, d in plan.defaults)]
        now, now_bound = self._now_bound
        for i, f in plan.bind[self.pg]:  # only the columns that convert (dates, JSON…)
            if (v := params[i]) is not None:
                params[i] = now_bound if v is now and f in _TIME_BINDERS else f(v)
        cur = self.cur
        cur.execute(plan.pg if self.pg else plan.sqlite, params)
        return int(cur.fetchone()[0] if self.pg else cur.lastrowid)

    def create(self, table: Table, values: dict[str, Any]) -> Record:
        """Insert a row and keep it as a record of this transaction (every column set)."""
        codec = _codec(table)
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
        codec = _codec(rec._table)
        names = tuple(sorted(rec._dirty))
        text = codec.updates.get(names)
        if text is None:
            text = codec.updates[names] = (
                f"UPDATE {codec.table.name} SET {', '.join(f'{_q(n)} = ?' for n in names)} WHERE id = ?")
        bind = codec.bind[self.pg]
        now, now_bound = self._now_bound
        params = [v if (v := rec.__dict__[n]) is None or n not in bind
                  else now_bound if v is now and bind[n] in _TIME_BINDERS else bind[n](v)
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

    def _record(self, codec: _Codec, row: Sequence[Any]) -> Record:
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
