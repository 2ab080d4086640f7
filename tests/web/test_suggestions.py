"""Workers to suggest for a ticket: on duty, with the skill its service asks for, least loaded
first; read from the ticket's service alone (the desk asks for them whenever it opens a
ticket to dispatch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from .conftest import Web


def new(c: Any, service_type: str) -> int:
    r = c.post("/api/tickets", json={"service_type": service_type, "location_code": "10305",
                                     "reporter_phone": "13800000009", "description": "请派人"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def codes(c: Any, ticket_id: int) -> list[str]:
    r = c.get(f"/api/tickets/{ticket_id}/suggestions")
    assert r.status_code == 200, r.text
    return [w["code"] for w in r.json()]


@contextmanager
def statements(web: Web) -> Iterator[list[str]]:
    """SQLite: every statement the engine runs meanwhile, whoever sends it (the ORM, or a
    command's own cursor); PostgreSQL: nothing is seen."""
    seen: list[str] = []
    store = web.deps.store
    engine = store.engine

    def note(statement: str) -> None:
        seen.append(" ".join(statement.split()))

    def watch(dbapi: Any, _record: Any, _proxy: Any) -> None:
        dbapi.set_trace_callback(note)

    def unwatch(dbapi: Any, _record: Any) -> None:
        dbapi.set_trace_callback(None)

    if engine.dialect.name != "sqlite":
        yield seen
        return
    engines = (engine, store._read_side()[0])  # the writers' connections and the readers'
    for e in engines:
        event.listen(e, "checkout", watch)
        event.listen(e, "checkin", unwatch)
    try:
        yield seen
    finally:
        for e in engines:
            event.remove(e, "checkout", watch)
            event.remove(e, "checkin", unwatch)


def test_the_skill_the_service_asks_for_on_duty_workers_only(web: Web) -> None:
    # the small hospital: W001 repair, W002 repair and transport, W003 cleaning, W004 oxygen but
    # off duty, L001 (repair, oxygen) a team lead, M001 a manager
    c = web.login("operator")
    assert codes(c, new(c, "repair")) == ["W001", "W002"]
    assert codes(c, new(c, "cleaning")) == ["W003"]
    assert codes(c, new(c, "transport")) == ["W002"]
    assert codes(c, new(c, "oxygen")) == []  # its one worker is off duty; a lead is not offered
    assert c.get("/api/tickets/999999/suggestions").status_code == 404


def test_the_least_loaded_worker_first(web: Web) -> None:
    c = web.login("operator")
    busy = new(c, "repair")
    assert c.post(f"/api/tickets/{busy}/dispatch", json={"staff_codes": ["W001"]}).status_code == 200
    assert codes(c, new(c, "repair")) == ["W002", "W001"]  # W001 has an open assignment
    assert c.post(f"/api/tickets/{busy}/cancel", json={"reason": "重复报修"}).status_code == 200
    assert codes(c, new(c, "repair")) == ["W001", "W002"]  # the assignment ended with the ticket


def test_the_ticket_s_page_is_not_read_for_them(web: Web) -> None:
    c = web.login("operator")
    tid = new(c, "repair")
    assert c.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["W002"]}).status_code == 200
    with statements(web) as seen:
        assert codes(c, tid) == ["W001", "W002"]
    assert web.deps.store.engine.dialect.name != "sqlite" or any("FROM staff" in s for s in seen), seen
    page = ("sms_outbox", "print_job", "audit_log", "photo", "call_log", "ticket_part", "ticket_search")
    assert not [s for s in seen if any(f"FROM {t} " in s + " " or f'FROM "{t}"' in s for t in page)], seen
