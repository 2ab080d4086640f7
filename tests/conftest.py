"""Shared fixtures. The store runs on SQLite by default and on PostgreSQL when
``ONESTOP_TEST_DATABASE_URL`` names one (``.ci/run`` runs the suite both ways)."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import Base
from ticketing.service import TicketService
from ticketing.store import Store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
TRACES = FIXTURES / "traces"
BASE_PG_URL = os.environ.get("ONESTOP_TEST_DATABASE_URL", "")


def _own_pg_database(base: str) -> str:
    """A database of this test run's own (``<name>_<pid>``), so runs that share one PostgreSQL
    server — several developers, CI — never truncate each other's tables."""
    if not base:
        return ""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = f"{url.database}_{os.getpid()}"
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    atexit.register(_drop_pg_database, admin, name)
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin: str, name: str) -> None:
    import psycopg

    with contextlib.suppress(Exception), psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


PG_URL = _own_pg_database(BASE_PG_URL)


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database at head, made once: a template file (SQLite) or the test database (PG)."""
    if PG_URL:
        store = Store(PG_URL)
        with store.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        store.upgrade()
        store.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    store.dispose()
    return str(path)


@pytest.fixture
def db_url(_migrated: str, tmp_path: Path) -> str:
    if PG_URL:
        store = Store(PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with store.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        store.dispose()
        return PG_URL
    path = tmp_path / "onestop.sqlite"
    shutil.copy(_migrated, path)
    return f"sqlite:///{path}"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.load(ROOT / "config" / "service_catalog.toml")


@pytest.fixture(scope="session")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.load(ROOT / "config" / "calendar.toml")


@pytest.fixture
def composer() -> PlainComposer:
    return PlainComposer()


@pytest.fixture
def service(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
            composer: PlainComposer) -> TicketService:
    return TicketService(store, clock, catalog, calendar, composer)
