"""Migrations run up, down and up again on the suite's engine, and the models match them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from ticketing.model import Base
from ticketing.store import Store, alembic_config

from ..conftest import PG_URL


@pytest.fixture
def bare(tmp_path: Path, _migrated: str) -> Iterator[Store]:
    """An engine of the suite's kind; on PostgreSQL the shared test database (left at head)."""
    store = Store(PG_URL or f"sqlite:///{tmp_path / 'm.sqlite'}")
    yield store
    store.upgrade()
    store.dispose()


def _tables(store: Store) -> set[str]:
    return set(inspect(store.engine).get_table_names()) - {"alembic_version"}


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
                                                      "compare_server_default": False})
        diffs = compare_metadata(ctx, Base.metadata)
    assert diffs == []
