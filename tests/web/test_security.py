"""Every /api/ route refuses strangers (401) and roles without its permission (403); CSRF,
lock-out, masking, escaping."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from ticketing.fakes import FixedClock
from ticketing.model import AuditLog, User
from web.api import PUBLIC_ROUTES
from web.security import PERMISSIONS, ROLES

from .conftest import PASSWORD, Web

FILL = {"ticket_id": "1", "kind": "locations", "key": "10305", "entity": "ticket", "username": "nobody",
        "photo_id": "1", "plan_code": "PM-1", "notice_id": "1", "uniqueid": "1700000000.1", "action": "pause",
        "campaign_id": "1", "doc_id": "1",
        "subscription_id": "1", "delivery_id": "1"}


def served_routes(app: Any) -> list[tuple[str, set[str], Any]]:
    """(path, methods, route) of everything the app serves, included routers flattened."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI keeps included routes flat in app.routes
        return [(r.path, set(getattr(r, "methods", None) or {"GET"}), r) for r in app.routes]
    return [(rc.path, set(rc.methods or {"GET"}), rc.original_route)
            for rc in iter_route_contexts(app.routes)]


def api_routes(web: Web) -> list[tuple[str, str, APIRoute]]:
    out = []
    for path_format, methods, route in served_routes(web.client.app):
        if not path_format.startswith("/api/"):
            continue
        assert isinstance(route, APIRoute), f"{path_format} is not an API route: no auth checks"
        path = re.sub(r"\{(\w+)\}", lambda m: FILL[m.group(1)], path_format)
        out += [(method, path, route) for method in sorted(methods - {"HEAD"})]
    assert len(out) > 25, "the API lost its routes?"
    return out


def permission_of(route: APIRoute) -> str | None:
    perms = [getattr(d.call, "permission", None) for d in route.dependant.dependencies]
    perms = [p for p in perms if p]
    assert len(perms) <= 1, route.path
    return perms[0] if perms else None


def test_every_api_route_names_a_permission(web: Web) -> None:
    for method, _path, route in api_routes(web):
        if route.path_format in PUBLIC_ROUTES:
            continue
        perm = permission_of(route)
        assert perm in PERMISSIONS, f"{method} {route.path} has no permission check"
        if method != "GET":
            assert perm != "read", f"{method} {route.path}: a write must not be open to viewers"


def test_every_api_route_refuses_a_stranger(web: Web) -> None:
    for method, path, route in api_routes(web):
        resp = web.client.request(method, path)
        if route.path_format in PUBLIC_ROUTES:
            assert resp.status_code == 200
        else:
            assert resp.status_code == 401, (method, path, resp.status_code)


def test_every_api_route_refuses_roles_without_its_permission(web: Web) -> None:
    clients = {role: web.login(role, client=web.new_client()) for role in ROLES}
    checked = 0
    for method, path, route in api_routes(web):
        perm = permission_of(route)
        if perm is None:
            continue
        for role in ROLES:
            if role in PERMISSIONS[perm]:
                continue
            resp = clients[role].request(method, path)
            assert resp.status_code == 403, (role, method, path, resp.status_code)
            checked += 1
    assert checked > 40


def test_every_state_changing_route_needs_the_csrf_token(web: Web) -> None:
    admin = web.login("admin")
    token = admin.headers.pop("X-CSRF-Token")
    for method, path, route in api_routes(web):
        if method == "GET" or route.path in PUBLIC_ROUTES:
            continue
        for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": token[:-1]}):
            resp = admin.request(method, path, headers=headers, json={})
            assert resp.status_code == 403 and "CSRF" in resp.json()["detail"], (method, path)
    ok = admin.post("/api/tickets", json={"service_type": "repair"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 201


def test_csrf_token_of_another_session_is_refused(web: Web) -> None:
    a = web.login("operator", client=web.new_client())
    b = web.login("dispatcher", client=web.new_client())
    resp = a.post("/api/tickets", json={"service_type": "repair"},
                  headers={"X-CSRF-Token": b.headers["X-CSRF-Token"]})
    assert resp.status_code == 403


def test_login_form_needs_its_token_and_logout_needs_csrf(web: Web) -> None:
    c = web.new_client()
    c.get("/login")
    resp = c.post("/login", data={"username": "operator", "password": PASSWORD, "csrf_token": "x"},
                  follow_redirects=False)
    assert resp.status_code == 403 and "onestop_session" not in resp.cookies
    c = web.login("operator", client=c)
    assert c.post("/logout", data={}, headers={"X-CSRF-Token": ""}, follow_redirects=False).status_code == 403
    assert c.get("/api/me").status_code == 200
    out = c.post("/logout", data={"csrf_token": c.headers["X-CSRF-Token"]}, follow_redirects=False)
    assert out.status_code == 303


def test_logged_out_cookie_is_dead_even_if_replayed(web: Web) -> None:
    c = web.login("operator", client=web.new_client())
    cookie = c.cookies["onestop_session"]
    c.post("/logout", data={"csrf_token": c.headers["X-CSRF-Token"]})
    replay = web.new_client()
    replay.cookies.set("onestop_session", cookie)
    assert replay.get("/api/me").status_code == 401


def test_tampered_or_foreign_cookie_is_refused(web: Web) -> None:
    from web.security import Signer

    c = web.login("viewer", client=web.new_client())
    cookie = c.cookies["onestop_session"]
    nonce, mac = cookie.split(".")
    signer = web.client.app.state.web.signer  # type: ignore[attr-defined]
    for forged in (nonce[:-1] + ("A" if nonce[-1] != "A" else "B") + "." + mac,  # another token
                   cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"),  # a broken MAC
                   Signer("another-secret-" + "y" * 20).cookie(nonce),  # another app's key
                   signer.cookie("a-token-no-session-has"),  # well signed, but no such session
                   "garbage", "", "." + mac, nonce):
        x = web.new_client()
        x.cookies.set("onestop_session", forged)
        assert x.get("/api/me").status_code == 401, forged


def test_pages_send_strangers_to_login(web: Web) -> None:
    for page in ("/desk", "/board", "/wallboard", "/stats", "/admin", "/desk/tickets/1"):
        resp = web.client.get(page, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next=")
    viewer = web.login("viewer", client=web.new_client())
    assert viewer.get("/desk").status_code == 403
    assert viewer.get("/admin").status_code == 403


def test_login_redirect_never_leaves_the_site(web: Web) -> None:
    c = web.new_client()
    page = c.get("/login?next=//evil.example/x")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    resp = c.post("/login", data={"username": "operator", "password": PASSWORD, "csrf_token": token,
                                  "next": "//evil.example/x"}, follow_redirects=False)
    assert resp.headers["location"] == "/desk"


def _audit(web: Web, action: str) -> list[AuditLog]:
    with web.deps.store.session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.action == action)))


def test_lock_out_after_failures_then_unlock_after_the_time(web: Web) -> None:
    clock: FixedClock = web.deps.clock  # type: ignore[assignment]
    c = web.new_client()
    for _ in range(2):
        web.login("operator", "wrong", client=c)
        assert c.last_login.status_code == 401  # type: ignore[attr-defined]
    web.login("operator", "wrong", client=c)
    assert c.last_login.status_code == 429  # type: ignore[attr-defined]
    web.login("operator", PASSWORD, client=c)
    assert c.last_login.status_code == 429, "the right password must not open a locked account"  # type: ignore[attr-defined]
    clock.advance(minutes=16)
    web.login("operator", PASSWORD, client=c)
    assert c.last_login.status_code == 303  # type: ignore[attr-defined]
    with web.deps.store.session() as s:
        u = s.scalar(select(User).where(User.username == "operator"))
        assert u is not None and u.failed_attempts == 0 and u.locked_until is None
    assert len(_audit(web, "login_failed")) == 3
    assert len(_audit(web, "login_refused")) == 1
    assert [a.actor for a in _audit(web, "login")] == ["operator"]


def test_unknown_user_fails_like_a_wrong_password_and_is_audited(web: Web) -> None:
    c = web.login("nobody", client=web.new_client())
    assert c.last_login.status_code == 401  # type: ignore[attr-defined]
    assert "login_failed" in c.last_login.text or "密码" in c.last_login.text  # type: ignore[attr-defined]
    assert _audit(web, "login_failed")[0].after["reason"] == "unknown user"  # type: ignore[index]


def _ticket(c: TestClient, **kw: Any) -> dict[str, Any]:
    body = {"service_type": "repair", "location_code": "10305", "reporter_phone": "13800000009",
            "description": "灯不亮"} | kw
    resp = c.post("/api/tickets", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_viewers_see_masked_numbers_everywhere(web: Web) -> None:
    op = web.login("operator", client=web.new_client())
    tk = _ticket(op)
    op.post(f"/api/tickets/{tk['id']}/dispatch", json={"staff_codes": ["W001"]})
    viewer = web.login("viewer", client=web.new_client())
    assert viewer.get("/api/tickets").json()[0]["reporter_phone"] == "138****0009"
    detail = viewer.get(f"/api/tickets/{tk['id']}").json()
    assert detail["reporter_phone"] == "138****0009"
    assert all("****" in m["number"] for m in detail["sms"])
    for page in (f"/desk/tickets/{tk['id']}", "/board", "/board/part"):
        text = viewer.get(page).text
        assert "13800000009" not in text and "13800000001" not in text, page
    assert "138****0009" in viewer.get(f"/desk/tickets/{tk['id']}").text
    assert op.get("/api/tickets").json()[0]["reporter_phone"] == "13800000009"


def test_html_in_user_text_renders_as_text(web: Web) -> None:
    op = web.login("operator", client=web.new_client())
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    tk = _ticket(op, reporter_name=evil[:50], description=evil)
    for page in ("/desk", f"/desk/tickets/{tk['id']}", "/board"):
        text = op.get(page).text
        assert "<script>alert" not in text and "<img src=x" not in text, page
    assert "&lt;script&gt;alert" in op.get(f"/desk/tickets/{tk['id']}").text
    csp = op.get("/desk").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_exports_are_audited_and_limited_to_supervisors(web: Web) -> None:
    op = web.login("operator", client=web.new_client())
    _ticket(op, description="=HYPERLINK(\"http://x\")")
    lead = web.login("lead", client=web.new_client())
    csv = lead.get("/api/stats/export?fmt=csv&group_by=location")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf") and b"10305" in csv.content
    xlsx = lead.get("/api/stats/export?fmt=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert [a.actor for a in _audit(web, "export")] == ["lead", "lead"]
    assert op.get("/api/stats/export").status_code == 403


def test_health_is_public_and_says_little(web: Web) -> None:
    web.deps.health = lambda: {"ami": {"state": "up", "secret": "s3cr3t", "host": "10.0.0.1"},
                               "modem": {"state": "down", "error": "/dev/ttyUSB0 gone"}}
    body = web.client.get("/api/health").json()
    assert body == {"status": "degraded", "parts": {"database": "up", "ami": "up", "modem": "down"}}
