"""The operator's queue controls on the desk and the operators' time in the statistics."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from config.settings import OperatorMap
from tests.fakes.telephony import FakeTelephony
from tests.web.conftest import Web
from ticketing.audit import history
from ticketing.fakes import FixedClock
from ticketing.operator_time import record_activity
from ticketing.store import Store

ME = OperatorMap(interface="Local/101@agents/n", name="Operator Li", login="operator")


@pytest.fixture
def phone(web: Web) -> FakeTelephony:
    tel = FakeTelephony(operators=[ME])
    web.deps.telephony = tel
    return tel


def test_log_in_pause_resume_log_out_each_audited(web: Web, phone: FakeTelephony, store: Store) -> None:
    c = web.login("operator")
    for action, body in (("login", {}), ("pause", {"reason": "lunch"}), ("unpause", {}), ("logout", {})):
        r = c.post(f"/api/queue/{action}", json=body)
        assert r.status_code == 200 and r.json()["member"] == "Operator Li", r.text
    assert phone.queue_actions == [("login", ME.interface, ""), ("pause", ME.interface, "lunch"),
                                   ("unpause", ME.interface, ""), ("logout", ME.interface, "")]
    with store.session() as s:
        rows = history(s, "operator", "operator")
    assert [(a.action, a.after["reason"], a.after["ok"]) for a in rows] == [
        ("queue_login", "", True), ("queue_pause", "lunch", True), ("queue_unpause", "", True),
        ("queue_logout", "", True)]


def test_what_asterisk_refuses_is_said_as_it_said_it(web: Web, phone: FakeTelephony) -> None:
    phone.queue_answers["logout"] = (False, "Unable to remove interface: Not there")
    r = web.login("manager").post("/api/queue/logout", json={})  # not a member: refused before the PBX
    assert r.status_code == 409 and r.json()["detail"]["code"] == "tel.err.not_member"
    r = web.login("operator").post("/api/queue/logout", json={})
    assert r.status_code == 409
    assert r.json()["detail"]["message"] == "电话系统拒绝：Unable to remove interface: Not there"


def test_pause_reasons_come_from_the_settings(web: Web, phone: FakeTelephony) -> None:
    c = web.login("operator")
    assert c.post("/api/queue/pause", json={"reason": "shopping"}).status_code == 422
    assert c.post("/api/queue/pause", json={}).status_code == 422
    me = c.get("/api/queue/me").json()
    assert [r["code"] for r in me["reasons"]] == web.deps.settings.telephony.pause_reasons
    assert me["reasons"][1] == {"code": "lunch", "name": "用餐"}
    assert c.post("/api/queue/sleep", json={}).status_code == 422
    assert web.login("viewer").post("/api/queue/login", json={}).status_code == 403


def test_my_state_is_what_the_listener_last_saw(web: Web, phone: FakeTelephony) -> None:
    web.deps.hub.publish_wallboard({"calls_waiting": 0, "operators": {
        "Operator Li": {"state": "paused", "paused": True, "reason": "lunch", "login": "operator"}}})
    me = web.login("operator").get("/api/queue/me").json()
    assert (me["state"], me["paused"], me["reason"], me["connected"]) == ("paused", True, "lunch", True)
    desk = web.login("operator").get("/desk").text
    assert 'id="queue-controls"' in desk and "签入" in desk


def test_operators_time_per_operator_over_the_period(web: Web, store: Store, clock: FixedClock) -> None:
    day = clock.now()
    acts = [("Operator Li", "operator", "talk", "", 0, 120), ("Operator Li", "operator", "talk", "", 300, 60),
            ("Operator Li", "operator", "wrapup", "", 180, 5), ("Operator Li", "operator", "pause", "lunch", 600, 1800),
            ("Operator Wang", "wang", "pause", "break", 60, 300),
            ("Operator Li", "operator", "talk", "", -40 * 86400, 999)]  # long before the period
    with store.session() as s:
        record_activity(s, [SimpleNamespace(member=m, login=lg, kind=k, reason=r,
                                            started_at=day + timedelta(seconds=at),
                                            ended_at=day + timedelta(seconds=at + n), seconds=n)
                            for m, lg, k, r, at, n in acts])
    today = day.astimezone(web.client.app.state.web.tz).date().isoformat()
    rows = web.login("viewer").get(f"/api/stats/operators?first={today}&last={today}").json()["rows"]
    li, wang = rows
    assert (li["name"], li["calls"], li["talk_s"], li["wrapup_s"], li["pause_s"]) == ("Operator Li", 2, 180, 5, 1800)
    assert li["pauses"] == [{"reason": "lunch", "name": "用餐", "seconds": 1800}]
    assert (wang["member"], wang["pause_s"], wang["calls"]) == ("Operator Wang", 300, 0)
    assert 'id="operator-time"' in web.login("lead").get("/stats").text
