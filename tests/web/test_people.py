"""What the people at the desk need of their own: a language switch, a log-in form that keeps
the name, errors in their words, and administrators who manage the log-in accounts."""

from __future__ import annotations

import re

from sqlalchemy import select

from ticketing.model import AuditLog, User

from .conftest import PASSWORD, Web


def _audit(web: Web, key: str) -> list[tuple[str, str]]:
    with web.deps.store.session() as s:
        return [(a.actor, a.action) for a in s.scalars(
            select(AuditLog).where(AuditLog.entity == "app_user", AuditLog.entity_key == key).order_by(AuditLog.id))]


def test_the_header_switches_a_users_language_and_remembers_it(web: Web) -> None:
    op = web.login("operator")
    desk = op.get("/desk").text
    header = desk.split("<main")[0]
    assert 'lang="zh-CN"' in desk and "受理台" in desk and "· 话务员" in header and "· operator" not in header
    csrf = op.headers["X-CSRF-Token"]
    r = op.post("/account/language", data={"language": "en", "next": "/board?team=T01", "csrf_token": csrf},
                follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/board?team=T01"
    assert "Dispatch board" in op.get("/board").text and 'lang="en"' in op.get("/desk").text
    with web.deps.store.session() as s:
        assert s.scalar(select(User.language).where(User.username == "operator")) == "en"
    assert ("operator", "language") in _audit(web, "operator")
    # elsewhere only: never a redirect to another site, never a language we do not have
    r = op.post("/account/language", data={"language": "zh-CN", "next": "//evil.example", "csrf_token": csrf},
                follow_redirects=False)
    assert r.headers["location"] == "/"
    assert op.post("/account/language", data={"language": "fr", "csrf_token": csrf}).status_code == 400
    assert op.post("/account/language", data={"language": "en"}, headers={"X-CSRF-Token": ""}).status_code == 403


def test_a_failed_log_in_keeps_the_user_name_and_says_why_in_chinese(web: Web) -> None:
    c = web.new_client()
    web.login("operator", "wrong password", client=c)
    page = c.last_login  # type: ignore[attr-defined]
    assert page.status_code == 401 and "用户名或密码错误" in page.text
    assert re.search(r'name="username" value="operator"', page.text)
    assert web.new_client().get("/login?lang=en").text.count("Log in") >= 1


def test_errors_speak_the_users_language_and_name_the_field(web: Web) -> None:
    op = web.login("operator")
    tk = op.post("/api/tickets", json={"service_type": "repair", "location_code": "10305"}).json()
    op.post(f"/api/tickets/{tk['id']}/complete", json={})
    r = op.post(f"/api/tickets/{tk['id']}/dispatch", json={"staff_codes": ["W001"]})
    assert r.status_code == 409
    assert "cannot dispatch" in r.json()["detail"]  # programs keep the English
    assert r.json()["message"] == f"工单 {tk['id']} 当前为「办结」，不能「派发」"
    bad = op.post("/api/tickets", json={"service_type": "repair", "description": "x" * 5000})
    assert bad.status_code == 422 and isinstance(bad.json()["detail"], list)
    assert bad.json()["message"] == "「描述」：太长（最多 4000 个字）"
    viewer = web.login("viewer", client=web.new_client())
    page = viewer.get("/desk", headers={"Accept": "text/html"})
    assert page.status_code == 403 and "无权访问" in page.text and "只读访客" in page.text
    assert "may not" not in page.text


def test_an_import_report_names_each_problem_in_the_users_words(web: Web) -> None:
    admin = web.login("admin")
    csv = "编码,姓名,电话\nW101,新师傅,abc\nW101,又一位,13800009999\n"
    r = admin.post("/api/admin/import/staff", files={"file": ("staff.csv", csv.encode(), "text/csv")})
    report = r.json()
    assert r.status_code == 200 and report["applied"] is False
    messages = [e["message"] for e in report["errors"]]
    assert messages == ["「电话」abc 不是有效的号码", "「编码」W101 重复（第 2 行已有）"]
    assert "not" in report["errors"][0]["reason"]  # the English stays for programs


def test_the_accounts_page_manages_log_ins_in_the_administrators_words(web: Web) -> None:
    admin = web.login("admin")
    r = admin.post("/api/admin/users", json={"username": "zhao", "password": "night shift 1",
                                             "role": "operator", "display_name": "赵敏"})
    assert r.status_code == 201
    page = admin.get("/admin?kind=users").text
    row = page[page.index('data-user="zhao"'):][:2500]
    assert "赵敏" in row and 'value="operator" selected' in row and "正常" in row and "重置密码" in row
    assert admin.patch("/api/admin/users/zhao", json={"changes": {"active": False}}).status_code == 200
    row = (p := admin.get("/admin?kind=users").text)[p.index('data-user="zhao"'):][:2500]
    assert "已停用" in row and 'data-act="enable"' in row
    # no administrator locks themselves out, and says so in the user's words
    own = admin.patch("/api/admin/users/admin", json={"changes": {"role": "viewer"}})
    assert own.status_code == 409 and own.json()["message"] == "不能对自己的账号做这个操作"
    bad = admin.patch("/api/admin/users/zhao", json={"changes": {"role": "boss"}})
    assert bad.status_code == 422 and bad.json()["message"].startswith("「角色」")
    history = admin.get("/admin/users/zhao/history").text
    assert "新建" in history and "修改" in history and "启用" in history and "是 → 否" in history
    assert web.login("operator", client=web.new_client()).get("/admin?kind=users").status_code == 403


def test_the_password_fixture_still_logs_in(web: Web) -> None:
    assert web.login("lead", PASSWORD).get("/api/me").json()["role"] == "lead"


def test_the_header_marks_the_page_s_own_link_and_groups_the_services(web: Web) -> None:
    op = web.login("operator")

    def current(path: str) -> list[str]:
        header = op.get(path).text.split("<main")[0]
        marked = re.findall(r'<a href="([^"]+)" aria-current="page"', header)
        return marked + (["services"] if '<summary class="current">' in header else [])

    assert current("/desk") == ["/desk"] and current("/desk/mine") == ["/desk/mine"]
    assert current("/stats") == ["/stats"] and current("/stats/assessment") == ["/stats/assessment"]
    assert current("/complaints") == ["/stats/assessment"]  # 考核's own pages
    assert current("/stock?tab=parts") == ["/stock", "services"]  # in the group, the group marked too
    header = op.get("/board").text.split("<main")[0]
    group = header.split('<details class="nav-group">')[1].split("</details>")[0]
    assert re.findall(r'href="([^"]+)"', group) == ["/maintenance", "/notices", "/stock", "/kitchen", "/escort"]
    assert 'href="/admin"' not in header  # an operator administers nothing
