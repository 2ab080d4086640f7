"""Webhooks on the admin pages and API: an administrator subscribes a receiver (its secret shown
once, never listed), tries it, pauses it; a new ticket becomes a delivery in the log, which
speaks both languages (event and state names, never their codes); a bad field is a 400 naming
it; nobody but administrators reaches any of it."""

from __future__ import annotations

import re

from sqlalchemy import update

from ticketing.model import User
from web.facilities import webhooks_of

from .conftest import Web

SUB = {"name": "HIS 接口", "url": "https://his.example/onestop", "events": ["ticket.created", "call.abandoned"]}
RAW = re.compile(r"\b(?:ticket\.(?:created|status_changed|escalated)|call\.(?:answered|abandoned)|"
                 r"hook(?:event|state|flag):\S*|webhook(?:on)?[:_][a-z_]+)\b")


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))


def test_an_administrator_subscribes_tries_and_pauses_a_receiver(web: Web) -> None:
    admin = web.login("admin")
    made = admin.post("/api/webhooks/subscriptions", json=SUB)
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert len(secret) >= 40
    listed = admin.get("/api/webhooks/subscriptions").json()
    assert [(s["name"], s["events"], s["active"]) for s in listed] == [
        ("HIS 接口", ["ticket.created", "call.abandoned"], True)]
    assert secret not in str(listed) and listed[0]["secret_hint"] == "…" + secret[-4:]
    sub_id = listed[0]["id"]
    ping = admin.post(f"/api/webhooks/subscriptions/{sub_id}/ping", json={})
    assert ping.status_code == 201
    log = admin.get("/api/webhooks/deliveries").json()
    assert [(r["id"], r["event"], r["status"], r["attempts"]) for r in log["rows"]] == [
        (ping.json()["delivery"], "ping", "queued", 0)]
    again = admin.post(f"/api/webhooks/deliveries/{ping.json()['delivery']}/redeliver", json={})
    assert again.status_code == 400 and "queued" in again.json()["detail"]  # it is going already
    paused = admin.patch(f"/api/webhooks/subscriptions/{sub_id}", json={"active": False})
    assert paused.status_code == 200 and paused.json()["active"] is False and "secret" not in paused.json()
    rotated = admin.patch(f"/api/webhooks/subscriptions/{sub_id}", json={"new_secret": True}).json()
    assert rotated["secret"] != secret and rotated["secret_hint"] == "…" + rotated["secret"][-4:]
    history = admin.get(f"/api/audit/webhook_subscription/{sub_id}").json()
    assert [h["action"] for h in history] == ["create", "ping", "edit", "edit"]
    assert secret not in str(history) and rotated["secret"] not in str(history)


def test_bad_subscriptions_are_refused_naming_the_field(web: Web) -> None:
    admin = web.login("admin")
    for change, words in (({"url": "ftp://his.example/x"}, "url: "), ({"url": "his.example"}, "url: "),
                          ({"events": []}, "events: "), ({"events": ["ticket.deleted"]}, "events: unknown"),
                          ({"name": " "}, "name: "), ({"secret": "too-short"}, "secret: ")):
        resp = admin.post("/api/webhooks/subscriptions", json=SUB | change)
        assert resp.status_code == 400 and resp.json()["detail"].startswith(words), (change, resp.text)
    assert admin.post("/api/webhooks/subscriptions", json=SUB | {"colour": "red"}).status_code == 422
    assert admin.patch("/api/webhooks/subscriptions/99", json={"active": False}).status_code == 404
    assert admin.get("/api/webhooks/subscriptions").json() == []


def test_the_delivery_log_page_speaks_both_languages(web: Web) -> None:
    admin = web.login("admin")
    sub_id = admin.post("/api/webhooks/subscriptions", json=SUB).json()["id"]
    hooks = webhooks_of(web)
    hooks.pump()  # the feed starts here
    op = web.login("operator", client=web.new_client())
    assert op.post("/api/tickets", json={"service_type": "repair", "location_code": "10305",
                                         "reporter_phone": "13800000009"}).status_code == 201
    assert hooks.pump() == 1
    [delivery] = hooks.claim("test")
    hooks.mark_failed(delivery.id, "HTTP 503: busy", retry=False, status_code=503, latency_ms=42)
    assert 'href="/admin/webhooks"' in admin.get("/admin").text  # a tab of the admin pages
    page = admin.get("/admin/webhooks", params={"subscription": sub_id, "state": "failed"})
    assert page.status_code == 200
    text = _text(page.text)
    for words in ("HIS 接口", "新建工单", "来电放弃", "失败", "503", "42 毫秒", "HTTP 503: busy", "重新投递"):
        assert words in text, words
    assert RAW.findall(text) == []
    english = web.login("manager", client=web.new_client())  # reads English, but is no administrator
    assert english.get("/admin/webhooks", follow_redirects=False).status_code == 403
    with web.deps.store.session() as s:  # the administrator switches to English
        s.execute(update(User).where(User.username == "admin").values(language="en"))
    text = _text(web.login("admin", client=web.new_client()).get("/admin/webhooks").text)
    for words in ("Webhooks", "Ticket created", "Call abandoned", "Failed", "42 ms", "Send again"):
        assert words in text, words
    assert RAW.findall(text) == []
    empty = _text(admin.get("/admin/webhooks", params={"state": "delivered"}).text)
    assert "HTTP 503" not in empty


def test_only_administrators_reach_webhooks(web: Web) -> None:
    for role in ("operator", "dispatcher", "lead", "manager", "viewer"):
        c = web.login(role, client=web.new_client())
        assert c.get("/api/webhooks/subscriptions").status_code == 403, role
        assert c.post("/api/webhooks/subscriptions", json=SUB).status_code == 403, role
        assert c.get("/api/webhooks/deliveries").status_code == 403, role


def test_an_administrator_picks_a_chat_bots_format_on_the_page_and_the_api(web: Web) -> None:
    admin = web.login("admin")
    page = admin.get("/admin/webhooks").text
    options = re.findall(r'<option value="([a-z_]+)">([^<]+)</option>', page.split('name="format"')[1].split("</select>")[0])
    assert options == [("generic", "通用 JSON（签名）"), ("wecom", "企业微信群机器人"), ("dingtalk", "钉钉机器人（Markdown）"),
                       ("dingtalk_text", "钉钉机器人（文本）"), ("feishu", "飞书机器人（卡片）"), ("feishu_text", "飞书机器人（文本）")]
    assert 'name="language"' in page
    made = admin.post("/api/webhooks/subscriptions", json=SUB | {
        "url": "https://oapi.dingtalk.com/robot/send?access_token=abc", "format": "dingtalk", "language": "en",
        "secret": "SEC0123456789abcdef"})
    assert made.status_code == 201, made.text
    assert "secret" not in made.json() and made.json()["format"] == "dingtalk"
    odd = admin.post("/api/webhooks/subscriptions", json=SUB | {"format": "slack"})
    assert odd.status_code == 422 and "format" in odd.text
    listed = admin.get("/admin/webhooks").text
    assert 'data-format="dingtalk"' in listed and "钉钉机器人（Markdown） · 英文" in listed
    changed = admin.patch(f"/api/webhooks/subscriptions/{made.json()['id']}", json={"format": "wecom"})
    assert changed.status_code == 200 and changed.json()["format"] == "wecom"
    english = web.login("manager", client=web.new_client())  # not an administrator: no page
    assert english.get("/admin/webhooks").status_code in (303, 403)
