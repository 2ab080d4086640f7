"""Administrators keep the log-in accounts through the API: list, create, change the role,
reset a password, disable — each audited, each taking effect on the user's next request."""

from __future__ import annotations

from sqlalchemy import select

from ticketing.model import AuditLog

from .conftest import PASSWORD, Web


def _actions(web: Web, key: str) -> list[tuple[str, str]]:
    with web.deps.store.session() as s:
        return [(a.actor, a.action) for a in s.scalars(
            select(AuditLog).where(AuditLog.entity == "app_user", AuditLog.entity_key == key)
            .order_by(AuditLog.id)) if a.action not in ("login", "login_failed")]


def test_create_list_change_role_reset_password(web: Web) -> None:
    admin = web.login("admin")
    made = admin.post("/api/admin/users", json={"username": "zhang", "password": "new password 1",
                                                "role": "operator", "display_name": "张三"})
    assert made.status_code == 201 and "password_hash" not in made.json()
    assert admin.post("/api/admin/users", json={"username": "zhang", "password": "x" * 8,
                                                "role": "operator"}).status_code == 409
    listed = {u["username"]: u for u in admin.get("/api/admin/users").json()}
    assert listed["zhang"]["role"] == "operator" and listed["zhang"]["sessions"] == 0
    assert all("password_hash" not in u for u in listed.values())

    zhang = web.login("zhang", "new password 1", client=web.new_client())
    assert zhang.post("/api/tickets/1/reopen", json={}).status_code == 403
    assert admin.patch("/api/admin/users/zhang", json={"changes": {"role": "lead"}}).status_code == 200
    assert zhang.post("/api/tickets/1/reopen", json={}).status_code == 404, "a lead now: no such ticket"

    resp = admin.post("/api/admin/users/zhang/password", json={"password": "another one 2"})
    assert resp.status_code == 200 and resp.json() == {"ended": 1}
    assert zhang.get("/api/me").status_code == 401
    assert web.login("zhang", "new password 1", client=web.new_client()).last_login.status_code == 401  # type: ignore[attr-defined]
    assert web.login("zhang", "another one 2", client=web.new_client()).last_login.status_code == 303  # type: ignore[attr-defined]
    assert admin.post("/api/admin/users/zhang/password", json={"password": "short"}).status_code == 422
    assert _actions(web, "zhang") == [("admin", "create"), ("admin", "edit"), ("admin", "password_reset"),
                                      ("admin", "sessions_ended")]


def test_an_administrator_cannot_disable_or_demote_themselves(web: Web) -> None:
    admin = web.login("admin")
    for changes in ({"active": False}, {"role": "viewer"}):
        assert admin.patch("/api/admin/users/admin", json={"changes": changes}).status_code == 409
    assert admin.patch("/api/admin/users/admin", json={"changes": {"display_name": "管理员"}}).status_code == 200
    assert admin.get("/api/me").json()["display_name"] == "管理员"


def test_the_users_tab_of_the_admin_page_still_lists_and_edits(web: Web) -> None:
    admin = web.login("admin")
    page = admin.get("/admin?kind=users")
    assert page.status_code == 200 and 'data-key="viewer"' in page.text
    # the page sends what its inputs hold: text
    resp = admin.patch("/api/admin/users/viewer", json={"changes": {"display_name": "大屏", "active": "True"}})
    assert resp.status_code == 200 and resp.json()["display_name"] == "大屏"
    assert web.login("viewer", PASSWORD, client=web.new_client()).last_login.status_code == 303  # type: ignore[attr-defined]
