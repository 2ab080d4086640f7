"""Failed log-ins are throttled per client address, per name and per (address, name), with a
back-off that doubles; unknown and known names are answered alike; nobody can lock someone
else out from their own address; an administrator can unlock a name; the client's address
comes from X-Forwarded-For only through a trusted proxy; HTTPS deployments get Secure cookies
and HSTS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, select

from ticketing.fakes import FixedClock
from ticketing.model import AuditLog, LoginThrottle
from ticketing.service import TicketService
from ticketing.store import Store
from web.app import create_app

from .conftest import PASSWORD, Web, make_deps, web_settings

ATTEMPTS = 3  # the suite's [web] lockout_attempts


def _from(web: Web, address: str, **headers: str) -> TestClient:
    return TestClient(web.client.app, base_url=str(web.client.base_url), client=(address, 40000),
                      headers=headers)


def _try(web: Web, c: TestClient, username: str, password: str = "wrong") -> Any:
    web.login(username, password, client=c)
    return c.last_login  # type: ignore[attr-defined]


def _answer(resp: Any) -> tuple[int, str, str]:
    """What a log-in answer tells: status, the message shown, Retry-After."""
    shown = re.search(r'role="alert">([^<]*)<', resp.text)
    return resp.status_code, shown.group(1) if shown else "", resp.headers.get("retry-after", "")


def _audit(web: Web, action: str) -> list[AuditLog]:
    with web.deps.store.session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def test_unknown_and_known_names_are_answered_alike(web: Web) -> None:
    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    known, unknown = _from(web, "10.0.0.1"), _from(web, "10.0.0.2")
    answers = []
    for _ in range(ATTEMPTS + 3):
        answers.append((_answer(_try(web, known, "operator")), _answer(_try(web, unknown, "ghost"))))
        clock.advance(seconds=0.5)
    assert all(k == u for k, u in answers), answers
    statuses = [k[0] for k, _u in answers]
    assert statuses[:ATTEMPTS - 1] == [401] * (ATTEMPTS - 1) and statuses[ATTEMPTS - 1:] == [429] * 4
    assert {k[2] for k, _u in answers[ATTEMPTS - 1:]} != {""}  # 429s say when to try again


def test_the_back_off_doubles_and_the_right_password_waits_for_it(web: Web) -> None:
    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    c = _from(web, "10.0.0.3")
    waits = []
    for _ in range(ATTEMPTS - 1):
        assert _try(web, c, "dispatcher").status_code == 401
    for _ in range(6):
        resp = _try(web, c, "dispatcher")
        assert resp.status_code == 429
        waits.append(int(resp.headers["retry-after"]))
        assert _try(web, c, "dispatcher", PASSWORD).status_code == 429, "no way round the wait"
        clock.advance(seconds=waits[-1])
    assert waits == [1, 2, 4, 8, 16, 32]
    assert _try(web, c, "dispatcher", PASSWORD).status_code == 303
    assert _try(web, c, "dispatcher").status_code == 401, "a good log-in starts the count again"


def test_the_back_off_stops_at_lockout_minutes(web: Web) -> None:
    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    c = _from(web, "10.0.0.4")
    last = 0
    for _ in range(ATTEMPTS + 14):
        resp = _try(web, c, "lead")
        last = int(resp.headers.get("retry-after", "0"))
        clock.advance(seconds=last)
    assert last == web.deps.settings.web.lockout_minutes * 60


def test_an_attacker_cannot_lock_anyone_out_from_elsewhere(web: Web) -> None:
    attacker = _from(web, "198.51.100.66")
    for _ in range(ATTEMPTS + 2):
        _try(web, attacker, "admin")
    assert _try(web, attacker, "admin", PASSWORD).status_code == 429
    admin = _from(web, "10.0.0.5")
    assert _try(web, admin, "admin", PASSWORD).status_code == 303


def test_one_address_trying_many_names_is_held_back(hospital: Store, service: TicketService,
                                                    clock: FixedClock, tmp_path: Path) -> None:
    deps = make_deps(hospital, service, clock, web_settings(tmp_path, address_attempts=5))
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        web = Web(deps, client)
        sprayer = _from(web, "198.51.100.9")
        for name in ("a1", "a2", "a3", "operator", "a5"):
            assert _try(web, sprayer, name).status_code in (401, 429)
        assert _try(web, sprayer, "viewer", PASSWORD).status_code == 429
        assert _try(web, _from(web, "10.0.0.6"), "viewer", PASSWORD).status_code == 303


def test_many_addresses_trying_one_name_slow_it_down_until_an_admin_unlocks(
        hospital: Store, service: TicketService, clock: FixedClock, tmp_path: Path) -> None:
    deps = make_deps(hospital, service, clock, web_settings(tmp_path, name_attempts=4))
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        web = Web(deps, client)
        for i in range(4):
            _try(web, _from(web, f"198.51.100.{i + 1}"), "operator")
        assert _try(web, _from(web, "10.0.0.7"), "operator", PASSWORD).status_code == 429
        admin = web.login("admin", client=_from(web, "10.0.0.8"))
        listed = {u["username"]: u for u in admin.get("/api/admin/users").json()}
        assert listed["operator"]["throttled_until"] is not None
        assert listed["viewer"]["throttled_until"] is None
        resp = admin.post("/api/admin/users/operator/unlock")
        assert resp.status_code == 200 and resp.json()["cleared"] >= 1
        assert _try(web, _from(web, "10.0.0.7"), "operator", PASSWORD).status_code == 303
        [row] = _audit(web, "unlock")
        assert (row.actor, row.entity_key) == ("admin", "operator")


def test_throttled_and_failed_attempts_are_audited_with_the_address(web: Web) -> None:
    c = _from(web, "10.0.0.9")
    for _ in range(ATTEMPTS + 1):
        _try(web, c, "ghost")
    failed, refused = _audit(web, "login_failed"), _audit(web, "login_refused")
    assert len(failed) == ATTEMPTS and len(refused) == 1
    assert {a.after["peer"] for a in failed + refused} == {"10.0.0.9"}  # type: ignore[index]
    assert refused[0].after["reason"] == "throttled"  # type: ignore[index]


# --- behind a reverse proxy ----------------------------------------------------------------------

@pytest.fixture
def proxied(hospital: Store, service: TicketService, clock: FixedClock,
            tmp_path: Path) -> Iterator[Web]:
    settings = web_settings(tmp_path, trusted_proxies=["10.1.0.0/24"], cookie_secure=True,
                            hsts=True, hsts_days=365)
    deps = make_deps(hospital, service, clock, settings)
    with TestClient(create_app(deps), base_url="https://testserver") as client:
        yield Web(deps, client)


def test_the_client_address_comes_from_a_trusted_proxy_only(proxied: Web) -> None:
    via_proxy = _from(proxied, "10.1.0.1", **{"X-Forwarded-For": "203.0.113.7, 10.1.0.2"})
    spoofer = _from(proxied, "198.51.100.20", **{"X-Forwarded-For": "203.0.113.99"})
    _try(proxied, via_proxy, "ghost")
    _try(proxied, spoofer, "ghost")
    peers = [a.after["peer"] for a in _audit(proxied, "login_failed")]  # type: ignore[index]
    assert peers == ["203.0.113.7", "198.51.100.20"]
    for _ in range(ATTEMPTS):  # a spoofer's forged header does not get it round its throttle
        spoofer.headers["X-Forwarded-For"] = f"203.0.113.{_ + 100}"
        _try(proxied, spoofer, "ghost")
    assert _answer(_try(proxied, spoofer, "operator", PASSWORD))[0] == 303, "another name"
    assert _try(proxied, spoofer, "ghost").status_code == 429


def test_https_settings_give_secure_cookies_and_hsts(proxied: Web, web: Web) -> None:
    c = _from(proxied, "10.1.0.1", **{"X-Forwarded-For": "203.0.113.8"})
    resp = _try(proxied, c, "operator", PASSWORD)
    assert resp.status_code == 303
    assert "secure" in resp.headers["set-cookie"].lower()
    assert resp.headers["strict-transport-security"] == f"max-age={365 * 86400}; includeSubDomains"
    plain = web.login("operator", client=web.new_client()).last_login  # type: ignore[attr-defined]
    assert "secure" not in plain.headers["set-cookie"].lower()
    assert "strict-transport-security" not in plain.headers


def test_a_count_deleted_between_its_insert_and_its_lock_is_made_again(web: Web) -> None:
    """PostgreSQL: a good log-in of a name (another tab) deletes the name's counts while a
    wrong password for it is being counted — after the insert that found the row, before the
    lock. The wrong one is answered as a failure (it was a 500) and counted."""
    if web.deps.store.dialect != "postgresql":
        pytest.skip("SQLite's writer lock runs the two one after the other")
    engine = web.deps.store.engine
    c = _from(web, "10.0.0.7")
    assert _answer(_try(web, c, "operator"))[0] == 401  # the rows exist now
    key = "pair:10.0.0.7|operator"
    done: list[bool] = []

    def meanwhile(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_a: Any) -> None:
        if done or not statement.startswith("INSERT INTO login_throttle") or key not in str(parameters):
            return
        done.append(True)
        with engine.begin() as other:  # the other tab's good log-in, committed in between
            other.execute(delete(LoginThrottle).where(LoginThrottle.key == key))

    event.listen(engine, "after_cursor_execute", meanwhile)
    try:
        status = _answer(_try(web, c, "operator"))[0]
    finally:
        event.remove(engine, "after_cursor_execute", meanwhile)
    assert done and status == 401
    with web.deps.store.session() as s:
        row = s.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
        assert row is not None and row.failures == 1  # counted afresh
