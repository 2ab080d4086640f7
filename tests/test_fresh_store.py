"""Every test's store starts as the migrations leave it. On PostgreSQL the tests of a process
share one database, emptied before each (``tests.conftest.empty_pg_tables``): a table a test
filled is empty again and a sequence a test drew from starts again, whether or not its table
holds rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ticketing.model import Base
from ticketing.store import Store

from .conftest import PG_URL, empty_pg_tables
from .web.conftest import add_users


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL: one database emptied between tests")
def test_the_emptied_tables_hold_no_row_and_their_ids_start_again(store: Store) -> None:
    add_users(store)  # rows in app_user, its ids drawn
    next_id = "SELECT nextval(pg_get_serial_sequence(:table, 'id'))"
    with store.engine.begin() as conn:  # ids drawn from a table that holds no row
        assert [conn.scalar(text(next_id), {"table": "audit_log"}) for _ in range(3)] == [1, 2, 3]
        assert conn.scalar(text("SELECT count(*) FROM app_user")) > 0

    empty_pg_tables(PG_URL)

    with store.engine.begin() as conn:
        held = {t.name: conn.scalar(text(f"SELECT count(*) FROM {t.name}")) for t in Base.metadata.sorted_tables}
        assert {name: n for name, n in held.items() if n} == {}
        assert conn.scalar(text(next_id), {"table": "audit_log"}) == 1
        assert conn.scalar(text(next_id), {"table": "app_user"}) == 1
