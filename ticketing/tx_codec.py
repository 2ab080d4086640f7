"""How the store's rows go to and come from each driver, as SQLAlchemy would have them:
timestamps as UTC (naive-UTC text on SQLite), JSON text, 0/1, dates, money at the column's
scale; ``Record``, one row as plain attributes that remembers what a command changed; and per
table, a ``Codec`` with its converters and its SQL (SELECT, INSERT plans), built once.
``ticketing.tx`` runs the statements.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Numeric, Table

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


TIME_BINDERS = (_dt_sqlite, _dt_pg)
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
        return codec_of(self._table).names

    def __repr__(self) -> str:
        return f"<{self._table.name} {self.__dict__.get('id')}>"


class Codec:
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
        self.columns = ", ".join(quote(n) for n in self.names)
        self.select = f"SELECT {self.columns} FROM {table.name}"
        self.selects: dict[tuple[str, bool, bool, bool], str] = {}
        self.inserts: dict[tuple[str, ...], InsertPlan] = {}
        self.updates: dict[tuple[str, ...], str] = {}

    def query(self, where: str, lock: bool, pg: bool, skip_locked: bool = False) -> str:
        """The SELECT of every column (``where``: the SQL after WHERE), in the engine's style."""
        key = (where, lock, pg, skip_locked)
        text = self.selects.get(key)
        if text is None:
            text = self.select + (f" WHERE {where}" if where else "")
            if lock and pg:  # SQLite: the IMMEDIATE transaction already holds the lock
                text += " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"
            text = self.selects[key] = pg_style(text) if pg else text
        return text

    def insert_plan(self, given: tuple[str, ...]) -> InsertPlan:
        """The INSERT of the columns ``given`` plus every other column the model defaults."""
        plan = self.inserts.get(given)
        if plan is None:
            defaults = [(n, d) for n, d in self.defaults.items() if n not in given]
            names = (*given, *(n for n, _d in defaults))
            text = (f"INSERT INTO {self.table.name} ({', '.join(quote(n) for n in names)}) "
                    f"VALUES ({', '.join('?' * len(names))})")
            # SQLite: the id is the cursor's lastrowid (RETURNING costs a result row and a fetch)
            plan = self.inserts[given] = InsertPlan(
                text, pg_style(text) + " RETURNING id", defaults,
                {pg: [(i, f) for i, n in enumerate(names) if (f := self.bind[pg].get(n))]
                 for pg in (False, True)})
        return plan


class InsertPlan:
    __slots__ = ("sqlite", "pg", "defaults", "bind")

    def __init__(self, sqlite: str, pg: str, defaults: list[tuple[str, Any]],
                 bind: dict[bool, list[tuple[int, Any]]]) -> None:
        self.sqlite, self.pg, self.defaults, self.bind = sqlite, pg, defaults, bind  # (position, converter)


def pg_style(text: str) -> str:
    """``?`` placeholders as psycopg's ``%s``."""
    return text.replace("%", "%%").replace("?", "%s")


_CODECS: dict[str, Codec] = {}


def quote(name: str) -> str:
    """A column name quoted for both engines (some are reserved words: before, after…)."""
    return f'"{name}"'


def codec_of(table: Table) -> Codec:
    codec = _CODECS.get(table.name)
    if codec is None:
        codec = _CODECS[table.name] = Codec(table)
    return codec
