"""``Store.reading``, ``Store.read_connection`` and ``Store.reading_tx``: a transaction that only
reads waits for no writer, sees only what was committed, and cannot write."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from ticketing.model import OrgUnit
from ticketing.store import Store


def units(store: Store, way: str = "reading") -> int:
    if way == "tx":
        with store.reading_tx() as tx:
            return int(tx.one("SELECT count(*) FROM org_unit")[0])
    if way == "connection":
        with store.read_connection() as c:
            return int(c.scalar(select(func.count()).select_from(OrgUnit)) or 0)
    with store.reading() as s:
        return int(s.scalar(select(func.count()).select_from(OrgUnit)) or 0)


@pytest.mark.parametrize("way", ["reading", "connection", "tx"])
def test_a_read_does_not_wait_for_a_command_in_progress(store: Store, way: str) -> None:
    with store.session() as s:
        s.add(OrgUnit(code="D01", name="内科", kind="department"))
    holding, release = threading.Event(), threading.Event()

    def command() -> None:  # a writer holding its transaction open (this process's turn too)
        with store.session() as s:
            s.add(OrgUnit(code="D02", name="外科", kind="department"))
            s.flush()
            holding.set()
            assert release.wait(20)

    writer = threading.Thread(target=command)
    writer.start()
    try:
        assert holding.wait(20)
        seen: list[int] = []
        reader = threading.Thread(target=lambda: seen.append(units(store, way)))
        reader.start()
        reader.join(10)  # a read that queued behind the writer would still be waiting here
        assert not reader.is_alive() and seen == [1]  # the uncommitted row is not seen
    finally:
        release.set()
        writer.join(20)
    assert units(store, way) == 2  # the commit is seen by the next read


def test_a_write_inside_a_read_fails_at_once(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL's reading is a plain session")
    with pytest.raises(OperationalError, match="readonly"), store.reading() as s:
        s.add(OrgUnit(code="D03", name="儿科", kind="department"))
        s.flush()
    assert units(store) == 0


def test_a_write_on_a_read_connection_fails_at_once(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL's read connection is a plain one")
    with pytest.raises(OperationalError, match="readonly"), store.read_connection() as c:
        c.execute(insert(OrgUnit).values(code="D04", name="眼科", kind="department"))
    assert units(store) == 0


def test_a_write_in_a_reading_tx_fails_at_once(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("PostgreSQL's reading_tx is a plain tx")
    with pytest.raises(Exception, match="readonly"), store.reading_tx() as tx:
        tx.run("INSERT INTO org_unit (code, name, kind) VALUES ('D05', '口腔科', 'department')")
    assert units(store) == 0

