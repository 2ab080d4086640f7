"""Migrations run up, down and up again on the suite's engine, and the models match them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from ticketing import search
from ticketing.model import Base
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store, alembic_config
from ticketing.views import EventView

from ..conftest import PG_URL
from .factories import small_hospital


@pytest.fixture
def bare(tmp_path: Path, _migrated: str) -> Iterator[Store]:
    """An engine of the suite's kind; on PostgreSQL the shared test database (left at head)."""
    store = Store(PG_URL or f"sqlite:///{tmp_path / 'm.sqlite'}")
    yield store
    store.upgrade()
    store.dispose()


def _tables(store: Store) -> set[str]:
    """The store's tables, but for SQLite's full-text index (a virtual table, not a model)."""
    return {t for t in inspect(store.engine).get_table_names()
            if t != "alembic_version" and not t.startswith(search.FTS_TABLE)}


def _modelled(name: str | None, type_: str, _parent: object) -> bool:
    """The schema objects the models describe: not the search indexes of one engine."""
    return not (type_ == "table" and (name or "").startswith(search.FTS_TABLE)
                or type_ == "index" and name in (search.PG_INDEX, search.PG_PAIRS))


def _current(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_upgrade_downgrade_upgrade(bare: Store) -> None:
    expected = {t.name for t in Base.metadata.sorted_tables}
    bare.upgrade()
    assert _tables(bare) == expected
    head = ScriptDirectory.from_config(alembic_config(bare.engine)).get_current_head()
    assert _current(bare) == head
    bare.downgrade("base")
    assert _tables(bare) == set() and _current(bare) is None
    bare.upgrade()
    assert _tables(bare) == expected and _current(bare) == head


def test_every_revision_steps_down_and_up(bare: Store) -> None:
    script = ScriptDirectory.from_config(alembic_config(bare.engine))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    bare.upgrade()
    for rev in reversed(revisions):
        bare.downgrade("-1")
        assert _current(bare) == (script.get_revision(rev).down_revision or None)
    for rev in revisions:
        bare.upgrade("+1")
        assert _current(bare) == rev


def test_models_match_the_migrations(bare: Store) -> None:
    bare.upgrade()
    with bare.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                      "compare_server_default": False,
                                                      "include_name": _modelled})
        diffs = compare_metadata(ctx, Base.metadata)
    assert diffs == []


def test_0005_moves_the_timeline_into_the_audit_log(store: Store, service: TicketService) -> None:
    """Down to 0004 the timeline table is rebuilt from the audit rows; back up, a step that only
    the old table had (as 0001–0004 wrote reprints, resends…) is copied into the audit log once."""
    small_hospital(store)
    t = service.accept("li", NewTicket(service_type="repair", description="灯不亮",
                                       location_code="10305", reporter_phone="6123"))
    service.dispatch("li", t.id, ["W001"])
    service.reprint("li", t.id)
    expected = service.get(t.id).timeline
    assert [(e.action, e.from_status, e.to_status) for e in expected] == [
        ("accept", "", "accepted"), ("dispatch", "accepted", "dispatched"),
        ("reprint", "dispatched", "dispatched")]
    count = text("SELECT count(*) FROM audit_log")
    try:
        store.downgrade("0004")
        with store.engine.begin() as conn:
            rows = conn.execute(text("SELECT action, from_status, to_status, actor, note FROM ticket_event"
                                     " WHERE ticket_id = :t ORDER BY id"), {"t": t.id}).all()
            assert [tuple(r) for r in rows] == [
                (e.action, e.from_status, e.to_status, e.actor, e.note) for e in expected]
            conn.execute(text("INSERT INTO ticket_event (ticket_id, at, action, from_status, to_status,"
                              " actor, note) SELECT ticket_id, at, 'resend', to_status, to_status, 'wang',"
                              " '1 SMS' FROM ticket_event WHERE ticket_id = :t AND action = 'reprint'"),
                         {"t": t.id})
            audited = conn.scalar(count)
        store.upgrade()
        with store.engine.connect() as conn:
            assert conn.scalar(count) == audited + 1  # the resend only: the others had their rows
    finally:
        store.upgrade()
    steps = service.get(t.id).timeline
    assert steps[:3] == expected
    assert steps[3] == EventView(expected[2].at, "resend", "dispatched", "dispatched", "wang", "1 SMS")
