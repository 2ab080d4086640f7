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

# The modules that take longest (their tests' seconds in a parallel run on two busy cores, both
# engines), longest first. They run before the rest: the suite's processes share the tests out
# and take over each other's queues when idle (``make test``: xdist's worksteal), so what is left
# at the end is short tests spread over every core, not one long test with the other cores idle.
LONGEST_FIRST = (
    "web/test_pages.py", "web/test_fuzz.py", "onestop/test_soak.py", "onestop/test_kill9.py",
    "web/test_browser.py", "onestop/test_flood.py", "onestop/test_faults.py",
    "web/test_route_roles.py", "web/test_mobile_browser.py", "onestop/test_two_processes.py",
    "onestop/test_demo_day.py", "web/test_assessment_browser.py", "onestop/test_browser_center.py",
    "ticketing/test_seed.py", "web/test_browser_hardening.py", "web/test_security.py",
    "onestop/test_demo.py", "onestop/test_printer_crash.py", "hooks/test_sender.py",
    "docs/test_docs_commands.py", "onestop/test_demo_telephony.py", "web/test_stock_browser.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``LONGEST_FIRST``'s modules first, in its order; the rest as collected. A module's tests
    stay together (its module-scoped fixtures are made once per process)."""
    tests = ROOT / "tests"
    missing = [name for name in LONGEST_FIRST if not (tests / name).is_file()]
    assert not missing, f"LONGEST_FIRST names modules that are not there: {missing}"
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def place(item: pytest.Item) -> int:
        try:
            return rank.get(item.path.relative_to(tests).as_posix(), len(rank))
        except ValueError:
            return len(rank)

    items.sort(key=place)


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


def empty_pg_tables(url: str) -> None:
    """Every model's table empty and its sequences back at their start, as after the migrations.
    Only the tables that hold rows are truncated (with those that refer to them): a TRUNCATE
    costs a few milliseconds per table, an empty table's check a few microseconds."""
    names = [t.name for t in Base.metadata.sorted_tables]
    held = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM {n})" for n in names)
    store = Store(url)
    with store.engine.begin() as conn:
        full = conn.scalars(text(held)).all()
        if full:
            conn.execute(text(f"TRUNCATE {', '.join(full)} RESTART IDENTITY CASCADE"))
        # a sequence of a table that is empty again (a rolled-back insert) restarts too
        conn.execute(text(
            "SELECT setval(s.oid, q.start_value, false) FROM pg_class s"
            " JOIN pg_sequences q ON q.schemaname = current_schema() AND q.sequencename = s.relname"
            " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
            " JOIN pg_class t ON t.oid = d.refobjid"
            " WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace"
            " AND t.relname = ANY(:names)"), {"names": names})
    store.dispose()


@pytest.fixture
def db_url(_migrated: str, tmp_path: Path) -> str:
    if PG_URL:
        empty_pg_tables(PG_URL)
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
