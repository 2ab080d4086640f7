"""An inspection round on the worker's phone: the plan's ticket goes to its worker by SMS, the
link's page shows the checklist instead of the plain 完成, the worker saves as they go and
completes the round once every item is checked — a repair raised for an item not ok, the
ticket done, each step audited as the worker via the web link. A plain 完成 is refused while
items are unchecked; a bad item is a clear 400 in the reader's language."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.model import AuditLog, Ticket
from ticketing.model_facilities import Equipment
from ticketing.service import NewTicket
from ticketing.store import Store
from web.app import create_app
from web.facilities import maintenance_of

from .conftest import Web, make_deps
from .mobile_rig import linked_service, mobile_settings, sms_link

PLAN = {"code": "PM-R1", "name": "护士站空调周巡检", "kind": "inspection", "equipment_code": "AC-1",
        "unit": "week", "staff_code": "W001", "checklist": "清洗滤网\n检查冷凝水\n检查遥控器"}


@pytest.fixture
def mweb(hospital: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
         tmp_path: Path) -> Iterator[Web]:
    service = linked_service(hospital, clock, catalog, calendar)
    deps = make_deps(hospital, service, clock, mobile_settings(tmp_path))
    deps.feed_interval_s = 3600
    with TestClient(create_app(deps), base_url="http://testserver") as client:
        yield Web(deps, client)


def _round(web: Web) -> tuple[int, str]:
    """The plan's ticket of this week, dispatched to W001 by SMS; its link's path."""
    with web.deps.store.session() as s:
        s.add(Equipment(code="AC-1", name="护士站空调", type="空调", location_code="10305"))
    hooks = maintenance_of(web.client.app.state.web)
    hooks.create_plan("lead", PLAN)
    [made] = hooks.sweep()
    return made.ticket_id, sms_link(web.deps.store, "work_order", staff_code="W001")


def _items(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<fieldset class="m-check" data-index="(\d+)" data-ok="(\w*)"', page)


def test_the_worker_checks_the_round_on_the_phone_and_completes_it(mweb: Web) -> None:
    tid, link = _round(mweb)
    page = mweb.client.get(link).text
    assert "巡检清单" in page and "清洗滤网" in page and "检查遥控器" in page
    assert _items(page) == [("1", ""), ("2", ""), ("3", "")] and "已检 0/3 项" in page
    assert 'id="done-box"' not in page, "a round is completed through its checklist"
    assert 'id="cannot-box"' in page  # handing it back stays

    plain = mweb.client.post(link + "/done")
    assert plain.status_code == 400 and 'data-reason="round_open"' in plain.text
    assert "巡检清单还有未检查的项目" in plain.text and "已检 0/3 项" in plain.text
    assert mweb.deps.service.get(tid).status == "dispatched"

    saved = mweb.client.post(link + "/round", data={"ok1": "ok", "note1": "", "ok2": "bad",
                                                     "note2": "冷凝水管漏水", "repair2": "1", "note3": "",
                                                     "complete": "0"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == link + "?did=round"
    again = mweb.client.get(saved.headers["location"]).text
    assert "巡检记录已保存" in again and _items(again) == [("1", "ok"), ("2", "bad"), ("3", "")]
    assert "冷凝水管漏水" in again and "已检 2/3 项" in again
    repair = int(re.search(r"已报修，工单 #(\d+)", again).group(1))  # type: ignore[union-attr]
    assert 'name="repair2"' not in again, "raised once"

    short = mweb.client.post(link + "/round", data={"ok1": "ok", "note1": "", "ok2": "bad", "note2": "冷凝水管漏水",
                                                     "note3": "", "complete": "1"})
    assert short.status_code == 400 and 'data-reason="round_open"' in short.text
    assert mweb.deps.service.get(tid).status == "dispatched"

    done = mweb.client.post(link + "/round", data={"ok1": "ok", "note1": "", "ok2": "bad", "note2": "冷凝水管漏水",
                                                    "ok3": "ok", "note3": "电池已换", "note": "整体良好",
                                                    "complete": "1"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == link + "?did=done"
    assert "已完成，辛苦了" in mweb.client.get(done.headers["location"]).text
    view = mweb.deps.service.get(tid)
    assert view.status == "done"
    fixed = mweb.deps.service.get(repair)
    assert fixed.service_type == "repair" and fixed.status == "accepted" and "冷凝水管漏水" in fixed.description
    got = maintenance_of(mweb.client.app.state.web).round(tid)
    assert got is not None and got["checked_by"] == "web:W001"
    assert [(i["ok"], i["note"], i["repair_ticket"]) for i in got["items"]] == [
        (True, "", None), (False, "冷凝水管漏水", repair), (True, "电池已换", None)]
    with mweb.deps.store.session() as s:
        via = s.scalars(select(AuditLog).where(AuditLog.entity == "assignment").order_by(AuditLog.id)).all()
        steps = s.scalars(select(AuditLog).where(AuditLog.entity == "ticket", AuditLog.entity_key == str(tid),
                                                 AuditLog.actor == "web:W001").order_by(AuditLog.id)).all()
    assert [(a.action, a.after["via"], a.after["complete"]) for a in via] == [
        ("link_round", "web link", False), ("link_round", "web link", True)]
    assert [a.action for a in steps] == ["checklist", "checklist", "complete"]
    assert mweb.client.get(link).status_code == 410  # the order has ended for the worker


def test_a_bad_item_is_refused_in_the_readers_language_and_nothing_changes(mweb: Web) -> None:
    tid, link = _round(mweb)
    for data, words in (({"ok1": "maybe", "note1": ""}, "item 1: 'maybe' is neither ok nor not ok"),
                        ({"ok1": "ok", "note1": "", "repair1": "1"}, "item 1: a repair is raised only"),
                        ({"ok9": "ok", "note9": ""}, "item 9: the checklist has 3 items")):
        bad = mweb.client.post(link + "/round?lang=en", data=data)
        assert bad.status_code == 400 and "Not done" in bad.text and words in html.unescape(bad.text), data
    assert _items(mweb.client.get(link).text) == [("1", ""), ("2", ""), ("3", "")]
    en = mweb.client.get(link + "?lang=en").text
    assert "Inspection checklist" in en and "0 of 3 items checked" in en and "Not OK: raise a repair" in en
    with mweb.deps.store.session() as s:
        assert s.scalar(select(Ticket.status).where(Ticket.id == tid)) == "dispatched"
        assert s.query(Ticket).count() == 1


def test_an_order_without_a_checklist_keeps_the_plain_done(mweb: Web) -> None:
    t = mweb.deps.service.accept("li", NewTicket(service_type="repair", description="灯不亮",
                                                 location_code="10305", reporter_phone="6123"))
    mweb.deps.service.dispatch("li", t.id, ["W001"])
    link = sms_link(mweb.deps.store, "work_order", staff_code="W001")
    page = mweb.client.get(link).text
    assert 'id="round-form"' not in page and 'id="done-box"' in page
    refused = mweb.client.post(link + "/round", data={"ok1": "ok", "note1": ""})
    assert refused.status_code == 400 and f"ticket {t.id} has no checklist" in refused.text

