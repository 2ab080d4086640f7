"""The live queue figures through the API and on the wallboard: with the AMI listener's live
figures, and from the call log where it does not run."""

from __future__ import annotations

from datetime import timedelta

from tests.web.conftest import Web
from ticketing.calls import CallFacts, record_call
from ticketing.fakes import FixedClock
from ticketing.store import Store


def test_from_the_call_log_and_the_last_live_figures(web: Web, store: Store, clock: FixedClock) -> None:
    now = clock.now()
    calls = [("a", "answered", 4), ("b", "answered", 20), ("c", "answered", 45), ("d", "abandoned", None),
             ("e", "ended_in_ivr", None), ("f", "answered", 3)]
    with store.session() as s:
        for i, (uid, outcome, wait) in enumerate(calls):
            # "f" started yesterday (the center's day): not today's
            when = now - (timedelta(days=1) if uid == "f" else timedelta(minutes=i))
            record_call(s, CallFacts(uniqueid=uid, started_at=when, outcome=outcome, wait_s=wait))
    web.deps.hub.publish_wallboard({"calls_waiting": 2, "longest_wait_s": 17.5, "operators": {
        "Operator Li": {"state": "paused", "paused": True, "reason": "lunch", "login": "operator"},
        "Operator Zhao": {"state": "paused", "paused": True, "reason": "培训", "login": ""}}})
    d = web.login("viewer").get("/api/queue").json()
    # today: a, b answered within 20 s, c not; d abandoned; e never reached the queue
    assert (d["answered_today"], d["answered_in_sl_today"], d["abandoned_today"], d["offered_today"]) == (3, 2, 1, 4)
    assert (d["service_level"], d["abandon_rate"], d["sl_threshold_s"]) == (0.5, 0.25, 20)
    assert (d["calls_waiting"], d["longest_wait_s"]) == (2, 17.5)
    assert d["operators"] == [
        {"member": "Operator Li", "login": "operator", "state": "paused", "state_name": "暂停", "paused": True,
         "reason": "lunch", "reason_name": "用餐"},
        {"member": "Operator Zhao", "login": "", "state": "paused", "state_name": "暂停", "paused": True,
         "reason": "培训", "reason_name": "培训"}]


def test_with_the_listener_its_live_figures(web: Web) -> None:
    class Live:
        seeded = True

        def figures_now(self) -> dict[str, object]:
            return {"calls_waiting": 1, "longest_wait_s": 3.0, "answered_today": 7, "service_level": 0.9,
                    "abandon_rate": 0.1, "operators": {"Operator Wang": {"state": "in_call"}}}

    web.deps.telephony = Live()
    d = web.login("manager").get("/api/queue").json()
    assert (d["answered_today"], d["service_level"]) == (7, 0.9)
    assert d["operators"][0]["state_name"] == "In a call"  # the manager reads English


def test_the_wallboard_shows_the_panel(web: Web) -> None:
    page = web.login("viewer").get("/wallboard").text
    assert '<b id="logged-in">—</b>' in page  # until telephony says how many members are logged in
    web.deps.hub.publish_wallboard({"calls_waiting": 0, "service_level": 0.873, "abandon_rate": 0.05,
                                    "answered_today": 120, "sl_threshold_s": 20, "logged_in": 4, "available": 1})
    page = web.login("viewer").get("/wallboard").text
    assert 'id="queue-panel"' in page and ">87%<" in page and ">5%<" in page and "服务水平" in page
    assert '<b id="logged-in">4</b>' in page and '<b id="available">1</b>' in page
    api = web.login("viewer").get("/api/wallboard").json()
    assert api["service_level"] == 0.873  # the wallboard's API data carries the live figures
    # whole percents, halves up, as the page's script shows them live (12.5 → 13, 62.5 → 63)
    web.deps.hub.publish_wallboard({"service_level": 0.125, "abandon_rate": 0.625})
    page = web.login("viewer").get("/wallboard").text
    assert '<b id="service-level">13%</b>' in page and '<b id="abandon-rate">63%</b>' in page
