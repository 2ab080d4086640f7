"""Click-to-call from a ticket: the operator's own extension, the number checked, the call on
the ticket's timeline and in its calls placed; refusals say why in the user's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import OperatorMap
from tests.fakes.telephony import FakeTelephony
from tests.web.conftest import Web
from ticketing.service import NewTicket, TicketService

OPS = [OperatorMap(interface="Local/101@agents/n", name="Operator Li", login="operator"),
       OperatorMap(interface="PJSIP/desk2", name="Desk 2", login="lead", extension="8002"),
       OperatorMap(interface="PJSIP/desk3", name="Desk 3", login="dispatcher")]


@pytest.fixture
def phone(web: Web) -> FakeTelephony:
    tel = FakeTelephony(operators=OPS)
    web.deps.telephony = tel
    return tel


def ticket(service: TicketService, phone_number: str = "139-0013-9000") -> int:
    t = service.accept("li", NewTicket(service_type="repair", location_code="10305",
                                       reporter_phone=phone_number))
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    return t.id


def test_the_operator_calls_the_reporter_back(web: Web, phone: FakeTelephony, service: TicketService) -> None:
    tid = ticket(service)
    c = web.login("operator")
    r = c.post(f"/api/tickets/{tid}/call", json={"target": "reporter"})
    assert r.status_code == 202, r.text
    body = r.json()
    assert (body["extension"], body["number"], body["kind"]) == ("101", "13900139000", "mobile")
    (call,) = phone.calls
    assert call == (body["id"], f"desk-{body['id']}", "101", "13900139000", tid)
    detail = c.get(f"/api/tickets/{tid}").json()
    ack, out = detail["calls_out"]  # the dispatch's acknowledgement call, scheduled, then this one
    assert (ack["kind"], ack["staff_code"], ack["status"]) == ("ack", "W001", "scheduled")
    assert (out["kind"], out["target"], out["status"], out["requested_by"]) == ("desk", "reporter", "dialing", "operator")
    steps = [(e["action"], e["actor"], e["note"]) for e in detail["timeline"]]
    assert ("call_out", "operator", "101 → reporter") in steps


def test_a_worker_on_the_ticket_and_an_extension_from_the_settings(web: Web, phone: FakeTelephony,
                                                                   service: TicketService) -> None:
    tid = ticket(service)
    c = web.login("lead")
    r = c.post(f"/api/tickets/{tid}/call", json={"target": "worker", "staff_code": "W001"})
    assert r.status_code == 202 and r.json()["extension"] == "8002"
    assert phone.calls[0][3] == "13800000001"
    r = c.post(f"/api/tickets/{tid}/call", json={"target": "worker", "staff_code": "W002"})
    assert r.status_code == 422 and r.json()["detail"]["code"] == "tel.err.not_on_ticket"


@pytest.mark.parametrize("number,code", [
    ("001 212 555 0100", "tel.dial.international"), ("95555", "tel.dial.premium"),
    ("", "tel.dial.empty"), ("12", "tel.dial.unknown_form")])
def test_numbers_the_desk_may_not_dial(web: Web, phone: FakeTelephony, service: TicketService,
                                       number: str, code: str) -> None:
    tid = ticket(service, number)
    r = web.login("operator").post(f"/api/tickets/{tid}/call", json={})
    assert r.status_code == 422 and r.json()["detail"]["code"] == code
    assert phone.calls == []


def test_what_the_settings_allow(web: Web, phone: FakeTelephony, service: TicketService) -> None:
    web.deps.settings.telephony.allow_international = True
    tid = ticket(service, "0044 20 7946 0000")  # (the store keeps a number's digits)
    assert web.login("operator").post(f"/api/tickets/{tid}/call", json={}).json()["number"] == "00442079460000"


def test_refusals_in_the_users_language(web: Web, phone: FakeTelephony, service: TicketService) -> None:
    tid = ticket(service)
    # dispatcher: no extension in the map and none in its interface (PJSIP/desk3)
    r = web.login("dispatcher").post(f"/api/tickets/{tid}/call", json={})
    assert r.status_code == 409 and r.json()["detail"]["message"].startswith("您的登录未绑定分机")
    assert web.login("admin").post(f"/api/tickets/{tid}/call", json={}).status_code == 409  # no phone
    phone.ready = False
    r = web.login("manager").post(f"/api/tickets/{tid}/call", json={})  # manager reads English
    assert r.status_code == 503 and r.json()["detail"]["message"].startswith("The phone system is not connected")
    assert web.login("viewer").post(f"/api/tickets/{tid}/call", json={}).status_code == 403


def test_without_a_pbx_it_is_off(web: Web, service: TicketService) -> None:
    tid = ticket(service)
    r = web.login("operator").post(f"/api/tickets/{tid}/call", json={})
    assert r.status_code == 501 and r.json()["detail"]["code"] == "tel.err.disabled"


def test_the_ticket_page_offers_the_calls_and_lists_them(web: Web, phone: FakeTelephony,
                                                         service: TicketService, tmp_path: Path) -> None:
    tid = ticket(service)
    c = web.login("operator")
    c.post(f"/api/tickets/{tid}/call", json={})
    page = c.get(f"/desk/tickets/{tid}").text
    assert 'data-target="reporter"' in page and 'data-staff="W001"' in page
    # the calls placed and their states, in words
    assert "坐席回拨" in page and "呼叫中" in page and "接单确认电话" in page and "待呼叫" in page
    viewer = web.login("viewer", client=web.new_client()).get(f"/desk/tickets/{tid}").text
    assert "button type=\"button\" class=\"tel-call\"" not in viewer and "139****9000" in viewer and "13900139000" not in viewer
