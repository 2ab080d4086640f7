"""Migration 0010 books every part's stock as it stood as one opening-balance receipt, so the
ledger adds up to the stock; down again, the stores' tables and columns go and the stock stays."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from ticketing.store import Store

from ..conftest import PG_URL


@pytest.fixture
def bare(tmp_path: Path, _migrated: str) -> Iterator[Store]:
    """An engine of the suite's kind; on PostgreSQL the shared test database (left at head)."""
    store = Store(PG_URL or f"sqlite:///{tmp_path / 'm.sqlite'}")
    yield store
    store.upgrade()
    store.dispose()


def test_0010_books_the_stock_there_was_as_an_opening_balance(bare: Store) -> None:
    bare.upgrade("0009")
    bare.downgrade("0009")  # on PostgreSQL the suite's database is at head: step back to 0009
    with bare.engine.begin() as conn:
        conn.execute(text("DELETE FROM spare_part"))
        conn.execute(text("INSERT INTO spare_part (code, name, spec, unit, stock, price, supplier_code, active)"
                          " VALUES ('P1', '灯管', 'T8', '支', 12, 12.5, '', :t), ('P2', '开关', '', '个', 0, 6, '', :t),"
                          " ('P3', '门锁', '', '把', -3, 80, '', :t)"), {"t": True})
    bare.upgrade("0010")
    with bare.engine.connect() as conn:
        docs = conn.execute(text("SELECT id, kind, reason FROM stock_doc")).all()
        assert [(k, r) for _i, k, r in docs] == [("receipt", "opening balance")]
        lines = conn.execute(text("SELECT part_code, qty, unit_cost, stock_after FROM stock_line"
                                  " ORDER BY part_code")).all()
        # a part with nothing on hand has no line; one the old code took below zero keeps its debt
        assert [(c, q, float(u), a) for c, q, u, a in lines] == [("P1", 12, 12.5, 12), ("P3", -3, 80.0, -3)]
        assert conn.execute(text("SELECT min_stock, reorder_qty FROM spare_part WHERE code = 'P1'")).one() == (0, 0)
    bare.downgrade("0009")
    tables = set(inspect(bare.engine).get_table_names())
    assert not {"stock_doc", "stock_line", "stock_backorder", "stock_alert", "kitchen_run"} & tables
    assert "min_stock" not in {c["name"] for c in inspect(bare.engine).get_columns("spare_part")}
    with bare.engine.connect() as conn:
        assert conn.execute(text("SELECT stock FROM spare_part WHERE code = 'P1'")).scalar() == 12
