"""The command layer's hand-written SQL (``ticketing.tx``) against the ORM that reads its rows.

Runs on SQLite and on PostgreSQL (``ONESTOP_TEST_DATABASE_URL``) like the rest of the suite.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import event, select

from ticketing.model import AuditLog, Base, DailyStat, PrintJob, Ticket
from ticketing.store import Store
from ticketing.tx import Record, dump_json

TICKET = Base.metadata.tables["ticket"]
AUDIT = Base.metadata.tables["audit_log"]
PRINT = Base.metadata.tables["print_job"]
STAT = Base.metadata.tables["daily_stat"]
AT = datetime(2026, 11, 25, 3, 4, 5, 678901, tzinfo=UTC)


def _ticket(store: Store, **values: object) -> int:
    with store.tx() as tx:
        return tx.create(TICKET, {"service_type": "repair", "status": "accepted", "created_at": AT,
                                  **values}).id


def test_rows_written_by_tx_read_back_through_the_orm(store: Store) -> None:
    shanghai = timezone(timedelta(hours=8))
    tid = _ticket(store, details={"meal": {"items": [{"name": "番茄炒蛋", "qty": 2}]}},
                  response_due=AT.astimezone(shanghai), breach_notified=True, description="灯不亮")
    with store.tx() as tx:
        tx.insert(AUDIT, {"at": AT, "actor": "li", "entity": "ticket", "entity_key": str(tid),
                          "action": "create", "before": None, "after": {"status": "accepted"}})
        tx.insert(STAT, {"day": date(2026, 11, 25), "service_type": "repair", "org_code": "",
                         "created": 1})
    with store.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        assert t.created_at == AT and t.created_at.tzinfo is not None
        assert t.response_due == AT  # another zone's time is stored as the same instant
        assert t.details == {"meal": {"items": [{"name": "番茄炒蛋", "qty": 2}]}}
        assert t.breach_notified is True and t.escalation_level == 0 and t.priority == "normal"
        assert t.done_at is None and t.description == "灯不亮"
        audit = s.scalars(select(AuditLog).where(AuditLog.entity_key == str(tid))).one()
        assert audit.after == {"status": "accepted"} and audit.before is None
        assert s.scalars(select(DailyStat.day)).one() == date(2026, 11, 25)


def test_rows_written_by_the_orm_read_back_through_tx(store: Store) -> None:
    with store.session() as s:
        t = Ticket(service_type="repair", status="done", created_at=AT, done_at=AT + timedelta(hours=1),
                   details={"cleaning": {"kind": "spill"}}, completion_met=False)
        s.add(t)
        s.flush()
        tid = t.id
    with store.tx() as tx:
        rec = tx.get(TICKET, tid)
        assert rec is not None
        assert rec.created_at == AT and rec.done_at == AT + timedelta(hours=1)
        assert rec.details == {"cleaning": {"kind": "spill"}}
        assert rec.completion_met is False and rec.response_met is None


def test_json_is_stored_the_same_compact_utf8_way_by_tx_and_by_the_orm(store: Store) -> None:
    after = {"description": "灯不亮", "details": {"qty": 2}}
    with store.tx() as tx:
        tx.insert(AUDIT, {"at": AT, "actor": "li", "entity": "ticket", "entity_key": "1",
                          "action": "edit", "before": None, "after": after})
    with store.session() as s:
        s.add(AuditLog(at=AT, actor="li", entity="ticket", entity_key="2", action="edit", after=after))
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql('SELECT CAST("after" AS TEXT) FROM audit_log ORDER BY id').scalars().all()
    assert stored == ['{"description":"灯不亮","details":{"qty":2}}'] * 2


def test_the_commands_time_and_every_other_time_are_stored_as_the_orm_stores_them(store: Store) -> None:
    # ``set_now`` converts the command's time once for all its rows; any other time, and a
    # ``now`` assigned directly instead of through it, is converted as it comes.
    shanghai = timezone(timedelta(hours=8))
    later, last = AT + timedelta(minutes=30), AT + timedelta(hours=2)
    with store.tx(lambda: AT.astimezone(shanghai)) as tx:
        rec = tx.create(TICKET, {"service_type": "repair", "status": "accepted",
                                 "created_at": tx.now, "response_due": later})
        tx.insert(AUDIT, {"at": tx.now, "actor": "li", "entity": "ticket", "entity_key": str(rec.id),
                          "action": "create", "before": None, "after": {}})
        rec.dispatched_at = tx.now
        tx.now = last
        rec.completion_due = tx.now
        tid = rec.id
    with store.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        assert (t.created_at, t.dispatched_at, t.response_due, t.completion_due) == (AT, AT, later, last)
        assert s.scalars(select(AuditLog.at).where(AuditLog.entity_key == str(tid))).one() == AT
        s.add(Ticket(service_type="repair", status="accepted", created_at=AT, dispatched_at=AT,
                     response_due=later, completion_due=last))
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql(
            "SELECT CAST(created_at AS TEXT), CAST(dispatched_at AS TEXT), CAST(response_due AS TEXT),"
            " CAST(completion_due AS TEXT) FROM ticket ORDER BY id").all()
    assert stored[0] == stored[1]  # the text of the ORM's own row


@pytest.mark.parametrize("value", [
    {}, [], "灯不亮 \"quoted\" \\ \n\t\x00", 0, -3, 2.5, 1e300, True, None,
    {"a": [1, {"b": None, "c": ["灯", 1.0]}], 1: "int key", None: False, 2.5: "float key"},
    [float("inf"), float("-inf")],
])
def test_dump_json_writes_what_the_json_module_writes(value: object) -> None:
    assert dump_json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("value", [{"at": object()}, [date(2026, 1, 1)], {(1, 2): "tuple key"}])
def test_dump_json_refuses_what_json_cannot_hold(value: object) -> None:
    with pytest.raises(TypeError):
        dump_json(value)


def test_a_row_is_one_record_and_only_changed_columns_are_written(store: Store) -> None:
    tid = _ticket(store)
    with store.tx() as tx:
        first = tx.get(TICKET, tid, lock=True)
        assert first is not None and tx.records(TICKET, "id = ?", (tid,))[0] is first
        first.status = "dispatched"
        first.version += 1
        assert first._dirty == {"status", "version"}
        assert tx.one("SELECT status FROM ticket WHERE id = ?", (tid,))[0] == "accepted"
        tx.flush()
        assert tx.one("SELECT status FROM ticket WHERE id = ?", (tid,))[0] == "dispatched"
        assert not first._dirty
    with store.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None and (t.status, t.version) == ("dispatched", 2)


def test_an_unknown_column_is_an_error_not_none(store: Store) -> None:
    tid = _ticket(store)
    with store.tx() as tx:
        rec = tx.get(TICKET, tid)
        assert isinstance(rec, Record)
        with pytest.raises(AttributeError, match="no column 'colour'"):
            _ = rec.colour


def test_a_failed_command_writes_nothing_and_its_connection_serves_the_next(store: Store) -> None:
    tid = _ticket(store)
    with pytest.raises(RuntimeError), store.tx() as tx:
        rec = tx.get(TICKET, tid)
        assert rec is not None
        rec.status = "cancelled"
        tx.flush()
        tx.insert(PRINT, {"ticket_id": tid, "printer": "desk", "snapshot": {}, "due_at": AT,
                          "created_at": AT})
        raise RuntimeError("refused half-way")
    with store.session() as s:
        assert s.get(Ticket, tid).status == "accepted"  # type: ignore[union-attr]
        assert s.scalars(select(PrintJob)).all() == []
    with store.tx() as tx:
        assert tx.one("SELECT status FROM ticket WHERE id = ?", (tid,))[0] == "accepted"


def test_a_savepoint_undoes_rows_and_the_records_in_memory(store: Store) -> None:
    tid = _ticket(store)
    with store.tx() as tx:
        t = tx.get(TICKET, tid)
        assert t is not None
        t.priority = "urgent"  # before the savepoint: kept
        with pytest.raises(ValueError), tx.savepoint():
            t.status = "done"
            made = tx.create(TICKET, {"service_type": "meals", "status": "accepted", "created_at": AT})
            raise ValueError("the reply was refused")
        assert (t.status, t.priority) == ("accepted", "urgent") and not t._dirty
        assert tx.get(TICKET, made.id) is None
        with tx.savepoint():
            t.status = "dispatched"
    with store.session() as s:
        kept = s.get(Ticket, tid)
        assert kept is not None and (kept.status, kept.priority) == ("dispatched", "urgent")
        assert s.scalars(select(Ticket.id)).all() == [tid]


def test_the_session_of_a_tx_sees_its_uncommitted_rows(store: Store) -> None:
    with store.tx() as tx:
        tid = tx.create(TICKET, {"service_type": "repair", "status": "accepted", "created_at": AT}).id
        assert tx.session.get(Ticket, tid) is not None
    with store.session() as s:
        assert s.get(Ticket, tid) is not None


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive datetime"), store.tx() as tx:
        tx.create(TICKET, {"service_type": "repair", "status": "accepted",
                           "created_at": datetime(2026, 11, 25, 8, 0)})


def _wait_for_checkpoints(store: Store, more: int) -> None:
    assert store._checkpointer is not None
    target = store._checkpointer.checkpoints + more
    deadline = time.monotonic() + 10
    while store._checkpointer.checkpoints < target and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store._checkpointer.checkpoints >= target


@pytest.mark.parametrize("checkpointer", [True, False])
def test_the_checkpointer_keeps_the_wal_short(tmp_path: Path, checkpointer: bool) -> None:
    """Checkpointed in the background, the WAL is reused from its start; left to SQLite's own
    (rare) auto-checkpoint it grows with every command."""
    store = Store(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    store.upgrade()
    wal = tmp_path / "wal.sqlite-wal"
    try:
        base = wal.stat().st_size if wal.exists() else 0
        if checkpointer:
            store.start_checkpointer(interval=0.01)
        for _ in range(40):
            _ticket(store)
        if checkpointer:
            _wait_for_checkpoints(store, 2)
        first = wal.stat().st_size
        for _ in range(40):
            _ticket(store)
        second = wal.stat().st_size
    finally:
        store.dispose()
    assert store._checkpointer is None
    if checkpointer:
        assert second <= first * 1.1
    else:
        # Each batch of 40 commands adds about as much as the first did (the upgrade's own
        # pages, already in the WAL before the first batch, are left out of the comparison).
        assert second - first > (first - base) * 0.5


@pytest.mark.parametrize("second", ["tx", "session"])
def test_writers_of_one_process_take_turns_before_sqlites_lock(tmp_path: Path, second: str) -> None:
    """SQLite's own wait is switched off here: a writer that met its lock would fail at once.
    The process's writers queue on the store's turn instead, and the second one goes in the
    moment the first commits."""
    store = Store(f"sqlite:///{tmp_path / 'turns.sqlite'}")
    store.upgrade()
    store.engine.dispose()
    event.listen(store.engine, "connect", lambda conn, _rec: conn.execute("PRAGMA busy_timeout=0"))
    holding, order, errors = threading.Event(), [], []

    def first() -> None:
        with store.tx() as tx:
            tx.create(TICKET, {"service_type": "repair", "status": "accepted", "created_at": AT})
            holding.set()
            time.sleep(0.2)
            order.append("first")

    def then() -> None:
        holding.wait(5)
        try:
            if second == "tx":
                with store.tx() as tx:
                    tx.create(TICKET, {"service_type": "cleaning", "status": "accepted", "created_at": AT})
            else:
                with store.session() as s:
                    s.add(Ticket(service_type="cleaning", status="accepted", created_at=AT))
            order.append("second")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=then)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert errors == [] and order == ["first", "second"]
        with store.session() as s:
            assert s.scalars(select(Ticket.service_type).order_by(Ticket.id)).all() == ["repair", "cleaning"]
    finally:
        store.dispose()
