"""A ticket command asked for a minimal answer (``Prefer: return=minimal``, RFC 7240) answers
with the ticket as the command left it, and reads nothing more for it: the desk shows the
ticket's page its own way right after, so the whole page in the answer was work thrown away."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from ticketing.model import IdempotencyKey
from web.idempotency import prefers_minimal

from .conftest import Web

NEW = {"service_type": "repair", "location_code": "10305", "description": "3床呼叫器没有声音",
       "reporter_name": "王护士", "reporter_phone": "13800000009"}
MINIMAL = {"Prefer": "return=minimal"}
PAGE_ONLY = {"sms", "replies", "prints", "cost", "photos", "actions", "place", "org_name",
             "workers", "parts", "calls", "timeline"}


@contextmanager
def statements(web: Web) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(web.deps.store.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(web.deps.store.engine, "before_cursor_execute", note)


def reads_of(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s]


@pytest.mark.parametrize("prefer, minimal", [
    ("return=minimal", True),
    ("RETURN = \"minimal\"", True),  # names are case-insensitive, a value may be quoted
    ("respond-async, return=minimal; foo=bar", True),
    ("return=representation", False),
    ("handling=lenient", False),
    ("", False),
    ("return-minimal", False),
])
def test_the_preference_is_read_as_rfc_7240_writes_it(prefer: str, minimal: bool) -> None:
    assert prefers_minimal(prefer) is minimal


def test_a_new_ticket_answers_with_itself_and_reads_nothing_for_the_answer(web: Web) -> None:
    op = web.login("operator")
    with statements(web) as seen:
        r = op.post("/api/tickets", json=NEW, headers={**MINIMAL, "Idempotency-Key": "m-1"})
    assert r.status_code == 201 and r.headers["preference-applied"] == "return=minimal"
    tk = r.json()
    assert {k: tk[k] for k in NEW} == NEW  # what was sent, as the operator may see it
    assert tk["status"] == "accepted" and tk["operator"] == "operator" and tk["version"] == 1
    assert not PAGE_ONLY & tk.keys()
    # The page's reads are not made: no SMS, prints, photos, costs or staff names looked up.
    for table in ("sms_out", "sms_in", "print_job", "photo", "staff"):
        assert not reads_of(seen, table), table
    # The answer went in with the key, in the command's transaction: no second write for it.
    assert not [s for s in seen if s.lstrip().upper().startswith("UPDATE IDEMPOTENCY_KEY")]
    with web.deps.store.session() as s:
        key = s.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "m-1"))
        assert key is not None and key.result_id == tk["id"]
        assert (key.status, key.response) == (201, tk)
    # The whole page is still what GET (and a command without the preference) answers.
    page = op.get(f"/api/tickets/{tk['id']}").json()
    assert page.keys() >= PAGE_ONLY
    assert {k: page[k] for k in tk} == tk
    whole = op.post("/api/tickets", json=NEW)
    assert whole.status_code == 201 and "preference-applied" not in whole.headers
    assert whole.json().keys() >= PAGE_ONLY


def test_a_step_answers_with_the_ticket_it_left(web: Web) -> None:
    op = web.login("operator")
    made = op.post("/api/tickets", json=NEW, headers=MINIMAL).json()
    r = op.post(f"/api/tickets/{made['id']}/dispatch", json={"staff_codes": ["W001"]},
                headers={**MINIMAL, "Idempotency-Key": "m-2"})
    assert r.status_code == 200 and r.headers["preference-applied"] == "return=minimal"
    tk = r.json()
    assert tk["status"] == "dispatched" and tk["version"] == made["version"] + 1
    assert tk["assignee"] == "W001"
    assert not PAGE_ONLY & tk.keys()
    # a retry with the key answers as the first time, without dispatching again
    again = op.post(f"/api/tickets/{made['id']}/dispatch", json={"staff_codes": ["W001"]},
                    headers={**MINIMAL, "Idempotency-Key": "m-2"})
    assert again.headers["idempotent-replayed"] == "true" and again.json() == tk
    assert op.get(f"/api/tickets/{made['id']}").json()["version"] == tk["version"]
    # an edit too
    e = op.patch(f"/api/tickets/{made['id']}", json={"description": "呼叫器仍然没有声音"}, headers=MINIMAL)
    assert e.status_code == 200 and e.json()["description"] == "呼叫器仍然没有声音"
    assert e.json()["version"] == tk["version"] + 1


def test_a_refused_step_is_refused_as_before(web: Web) -> None:
    op = web.login("operator")
    made = op.post("/api/tickets", json=NEW, headers=MINIMAL).json()
    assert op.post(f"/api/tickets/{made['id']}/cancel", json={"reason": "重复"}, headers=MINIMAL).status_code == 200
    r = op.post(f"/api/tickets/{made['id']}/cancel", json={"reason": "重复"}, headers=MINIMAL)
    assert r.status_code == 409 and "preference-applied" not in r.headers
