"""A ticket request sent again with its Idempotency-Key — a retry after a lost answer, a
double click, two tabs at once — acts once and answers as the first time; the key is written
in the command's own transaction."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ticketing.fakes import FixedClock
from ticketing.model import IdempotencyKey, PrintJob, Ticket
from web.housekeeping import sweep
from web.idempotency import Once
from web.server import ThreadedServer

from .conftest import Web

NEW = {"service_type": "repair", "location_code": "10305", "description": "灯不亮",
       "reporter_phone": "13800000009"}


def _count(web: Web, model: Any = Ticket) -> int:
    with web.deps.store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_retried_create_answers_with_the_first_ticket(web: Web) -> None:
    op = web.login("operator")
    first = op.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "k-1"})
    again = op.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert _count(web) == 1
    assert op.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "k-2"}).json()["id"] != first.json()["id"]
    assert op.post("/api/tickets", json=NEW).status_code == 201  # no key: every call acts
    assert _count(web) == 3


def test_the_same_key_with_another_request_is_refused(web: Web) -> None:
    op = web.login("operator")
    tid = op.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "k-3"}).json()["id"]
    other = op.post("/api/tickets", json={**NEW, "description": "水龙头漏水"},
                    headers={"Idempotency-Key": "k-3"})
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    elsewhere = op.post(f"/api/tickets/{tid}/complete", json={}, headers={"Idempotency-Key": "k-3"})
    assert elsewhere.status_code == 422
    assert _count(web) == 1
    bad = op.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "x" * 101})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]


def test_keys_are_each_users_own(web: Web) -> None:
    a = web.login("operator", client=web.new_client())
    b = web.login("dispatcher", client=web.new_client())
    ids = {c.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "same"}).json()["id"] for c in (a, b)}
    assert len(ids) == 2


def test_a_retried_step_acts_once(web: Web) -> None:
    op = web.login("operator")
    tid = op.post("/api/tickets", json=NEW).json()["id"]
    d1 = op.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["W001"]},
                 headers={"Idempotency-Key": "d-1"})
    d2 = op.post(f"/api/tickets/{tid}/dispatch", json={"staff_codes": ["W001"]},
                 headers={"Idempotency-Key": "d-1"})
    assert d1.status_code == d2.status_code == 200 and d1.json() == d2.json()
    jobs = _count(web, PrintJob)
    r1 = op.post(f"/api/tickets/{tid}/reprint", headers={"Idempotency-Key": "r-1"})
    r2 = op.post(f"/api/tickets/{tid}/reprint", headers={"Idempotency-Key": "r-1"})
    assert r1.json() == r2.json() and _count(web, PrintJob) == jobs + 1


def test_the_key_commits_with_the_command_so_a_lost_answer_is_rebuilt(
        web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    op = web.login("operator")
    died = TestClient(web.client.app, base_url="http://testserver", raise_server_exceptions=False,
                      cookies=dict(op.cookies), headers=dict(op.headers))

    def process_dies(self: Once, *_a: Any) -> None:
        raise RuntimeError("the process died after the commit, before the answer was kept")

    monkeypatch.setattr(Once, "_save", process_dies)
    assert died.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "k-9"}).status_code == 500
    monkeypatch.undo()
    with web.deps.store.session() as s:
        kept = s.scalar(select(IdempotencyKey))
        assert kept is not None and kept.response is None and kept.result_id is not None
    again = op.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "k-9"})
    assert again.status_code == 201 and again.json()["id"] == kept.result_id
    assert _count(web) == 1


def test_a_failed_command_keeps_no_key(web: Web) -> None:
    op = web.login("operator")
    bad = {**NEW, "location_code": "99999"}
    assert op.post("/api/tickets", json=bad, headers={"Idempotency-Key": "k-5"}).status_code == 400
    assert _count(web, IdempotencyKey) == 0
    assert op.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "k-6"}).status_code == 201


def test_keys_expire(web: Web) -> None:
    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    op = web.login("operator")
    op.post("/api/tickets", json=NEW, headers={"Idempotency-Key": "k-7"})
    clock.advance(hours=web.deps.settings.web.idempotency_hours + 1)
    assert sweep(web.deps.store, clock.now(), web.deps.settings.web)["idempotency_keys"] == 1
    assert _count(web, IdempotencyKey) == 0


def test_the_same_key_sent_at_once_acts_once(web: Web, web_served: ThreadedServer) -> None:
    op = web.login("operator")
    cookies = {"onestop_session": op.cookies["onestop_session"]}
    rounds = 6
    answers: list[list[int]] = [[] for _ in range(rounds)]

    def send(i: int, gate: threading.Barrier) -> None:
        with httpx.Client(base_url=web_served.url, cookies=cookies, timeout=30) as h:
            gate.wait()
            resp = h.post("/api/tickets", json={**NEW, "description": f"灯不亮 {i}"},
                          headers={"X-CSRF-Token": op.headers["X-CSRF-Token"],
                                   "Idempotency-Key": f"at-once-{i}"})
            assert resp.status_code == 201, resp.text
            answers[i].append(resp.json()["id"])

    for i in range(rounds):
        gate = threading.Barrier(3)
        threads = [threading.Thread(target=send, args=(i, gate)) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert all(len(a) == 3 and len(set(a)) == 1 for a in answers), answers
    assert _count(web) == rounds
