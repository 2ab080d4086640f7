"""Every route × every role, the routes taken from the app itself (the OpenAPI document, plus
the pages and the routes it leaves out), the answers expected written out below from the
roles as documented (README, docs/SECURITY.md "Who may do what") — not read from the code's
permission table, so that a change of who may do what has to be made in both places.

For each route and role: a role that may not use it gets 403; a role that may is not refused
(neither 401 nor 403, nor sent to the log-in page); a stranger gets 401 from the API and is
sent to the log-in page by a page."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from .conftest import Web
from .test_security import served_routes

# --- the documented roles ------------------------------------------------------------------
#   viewer      reads tickets, the board, the wallboard and statistics, numbers masked
#   operator,   the desk (screen pops, calls, caller look-up, worker suggestions) and the
#   dispatcher  ticket commands: create, edit, dispatch, approval, reprint, resend, close,
#               cancel, call-back
#               (and 考核: complaints' investigation, target and reply, handing a case over,
#               requesters' opt-out; "my cases" is the desk's)
#   lead,       what operators do, and supervise (assess, merge, reopen, escalate; grading,
#   manager     a complaint's finding, satisfaction campaigns) and export (CSV / Excel, audit
#               trails, the monthly 考核 report)
#   admin       all of it, and master data and log-in accounts
#   dispatcher, the stores: stock documents, back-orders, stock files
#   lead, manager, admin
#   everyone    logged in: their own sessions (list, log out everywhere)
#   staff       (every role but viewer) telephony: call from a ticket, their own queue state
#   lead,       listen to call recordings (not admin: accounts, not calls)
#   manager
EVERYONE = frozenset({"operator", "dispatcher", "lead", "manager", "admin", "viewer"})
STAFF = EVERYONE - {"viewer"}
LEADS = frozenset({"lead", "manager", "admin"})
ADMINS = frozenset({"admin"})
LISTENERS = frozenset({"lead", "manager"})
STORES = frozenset({"dispatcher", "lead", "manager", "admin"})
PUBLIC = None  # no log-in needed

API: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/me"): EVERYONE,
    ("GET", "/api/me/sessions"): EVERYONE,
    ("POST", "/api/me/sessions/end"): EVERYONE,
    ("GET", "/api/tickets"): EVERYONE,
    ("GET", "/api/tickets/search"): EVERYONE,
    ("POST", "/api/tickets"): STAFF,
    ("GET", "/api/tickets/{ticket_id}"): EVERYONE,
    ("PATCH", "/api/tickets/{ticket_id}"): STAFF,
    ("GET", "/api/tickets/{ticket_id}/suggestions"): STAFF,
    ("GET", "/api/tickets/{ticket_id}/slip"): EVERYONE,
    ("POST", "/api/tickets/{ticket_id}/dispatch"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/approve"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/reject"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/reprint"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/resend"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/complete"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/cancel"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/callback"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/reopen"): LEADS,
    ("POST", "/api/tickets/{ticket_id}/merge"): LEADS,
    ("POST", "/api/tickets/{ticket_id}/escalate"): LEADS,
    ("POST", "/api/tickets/{ticket_id}/assess"): LEADS,
    ("GET", "/api/audit/{entity}/{key}"): LEADS,
    ("GET", "/api/tickets/{ticket_id}/photos"): STAFF,
    ("GET", "/api/photos/{photo_id}"): STAFF,
    ("GET", "/api/photos/{photo_id}/thumb"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/status-link"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/links/withdraw"): STAFF,
    ("GET", "/api/stats/summary"): EVERYONE,
    ("GET", "/api/stats/export"): LEADS,
    ("GET", "/api/board"): EVERYONE,
    ("GET", "/api/wallboard"): EVERYONE,
    ("GET", "/api/wallboard/events"): EVERYONE,
    ("GET", "/api/events"): STAFF,
    ("GET", "/api/context"): STAFF,
    ("GET", "/api/calls"): STAFF,
    ("GET", "/api/menus"): EVERYONE,
    ("GET", "/api/admin/users"): ADMINS,
    ("POST", "/api/admin/users"): ADMINS,
    ("PATCH", "/api/admin/users/{username}"): ADMINS,
    ("POST", "/api/admin/users/{username}/password"): ADMINS,
    ("POST", "/api/admin/users/{username}/unlock"): ADMINS,
    ("GET", "/api/admin/users/{username}/sessions"): ADMINS,
    ("POST", "/api/admin/users/{username}/sessions/end"): ADMINS,
    ("GET", "/api/admin/{kind}"): ADMINS,
    ("PATCH", "/api/admin/{kind}/{key}"): ADMINS,
    ("GET", "/api/admin/{kind}/{key}/history"): ADMINS,
    ("POST", "/api/admin/import/{kind}"): ADMINS,
    ("POST", "/api/tickets/{ticket_id}/call"): STAFF,
    ("GET", "/api/recordings/{uniqueid}"): LISTENERS,
    ("GET", "/api/queue"): EVERYONE,
    ("GET", "/api/queue/me"): STAFF,
    ("POST", "/api/queue/{action}"): STAFF,
    ("GET", "/api/stats/operators"): EVERYONE,
    # 考核, complaints, first-contact ownership, requesters, campaigns
    ("GET", "/api/assessment/grades"): EVERYONE,
    ("GET", "/api/assessment/rankings"): EVERYONE,
    ("GET", "/api/assessment/owners"): EVERYONE,
    ("GET", "/api/assessment/pending"): LEADS,
    ("GET", "/api/assessment/report"): LEADS,
    ("GET", "/api/complaints"): EVERYONE,
    ("POST", "/api/tickets/{ticket_id}/complaint/investigate"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/complaint/target"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/complaint/conclude"): LEADS,
    ("POST", "/api/tickets/{ticket_id}/complaint/reply"): STAFF,
    ("GET", "/api/my-cases"): STAFF,
    ("GET", "/api/desk-users"): STAFF,
    ("POST", "/api/tickets/{ticket_id}/handover"): STAFF,
    ("GET", "/api/campaigns"): EVERYONE,
    ("POST", "/api/campaigns"): LEADS,
    ("GET", "/api/campaigns/{campaign_id}"): EVERYONE,
    ("POST", "/api/campaigns/{campaign_id}/start"): LEADS,
    ("POST", "/api/campaigns/{campaign_id}/status"): LEADS,
    ("GET", "/api/requesters/opted-out"): EVERYONE,
    ("POST", "/api/requesters/opt-out"): STAFF,
    ("POST", "/api/requesters/opt-in"): STAFF,
    # maintenance plans and inspection rounds: read by all, plans made by leads, rounds by staff
    ("GET", "/api/maintenance/plans"): EVERYONE,
    ("POST", "/api/maintenance/plans"): LEADS,
    ("GET", "/api/maintenance/plans/{plan_code}"): EVERYONE,
    ("PATCH", "/api/maintenance/plans/{plan_code}"): LEADS,
    ("GET", "/api/maintenance/overdue"): EVERYONE,
    ("GET", "/api/maintenance/rounds/{ticket_id}"): EVERYONE,
    ("POST", "/api/maintenance/rounds/{ticket_id}"): STAFF,
    ("POST", "/api/maintenance/rounds/{ticket_id}/override"): LEADS,  # a round closed unfinished
    # outage notices: read by all, made and cancelled by leads
    ("GET", "/api/notices"): EVERYONE,
    ("POST", "/api/notices"): LEADS,
    ("POST", "/api/notices/preview"): LEADS,
    ("GET", "/api/notices/{notice_id}"): EVERYONE,
    ("POST", "/api/notices/{notice_id}/cancel"): LEADS,
    # the stores, cost accounting, the kitchen's day, escorts
    ("GET", "/api/stock/parts"): EVERYONE,
    ("GET", "/api/stock/parts/{key}"): EVERYONE,
    ("GET", "/api/stock/documents"): EVERYONE,
    ("POST", "/api/stock/documents"): STORES,
    ("GET", "/api/stock/documents/{doc_id}"): EVERYONE,
    ("GET", "/api/stock/alerts"): EVERYONE,
    ("GET", "/api/stock/backorders"): EVERYONE,
    ("POST", "/api/stock/backorders/{key}/cancel"): STORES,
    ("GET", "/api/stock/reorder"): EVERYONE,
    ("GET", "/api/stock/reorder/export"): LEADS,
    ("GET", "/api/stock/suppliers"): EVERYONE,
    ("GET", "/api/stock/suppliers/{key}"): EVERYONE,
    ("POST", "/api/stock/import"): STORES,
    ("GET", "/api/tickets/{ticket_id}/cost"): EVERYONE,
    ("GET", "/api/stats/cost"): EVERYONE,
    ("GET", "/api/stats/cost/export"): LEADS,
    ("GET", "/api/kitchen/day"): EVERYONE,
    ("POST", "/api/kitchen/reprint"): STAFF,
    ("GET", "/api/stats/meals"): EVERYONE,
    ("GET", "/api/stats/meals/export"): LEADS,
    ("GET", "/api/escorts"): EVERYONE,
    ("GET", "/api/stats/escort"): EVERYONE,
    ("GET", "/api/stats/escort/export"): LEADS,
    # webhooks: administrators only
    ("GET", "/api/webhooks/subscriptions"): ADMINS,
    ("POST", "/api/webhooks/subscriptions"): ADMINS,
    ("PATCH", "/api/webhooks/subscriptions/{subscription_id}"): ADMINS,
    ("POST", "/api/webhooks/subscriptions/{subscription_id}/ping"): ADMINS,
    ("GET", "/api/webhooks/deliveries"): ADMINS,
    ("POST", "/api/webhooks/deliveries/{delivery_id}/redeliver"): ADMINS,
}
# Served but left out of the OpenAPI document: master data under its old names.
UNDOCUMENTED = {
    (method, path.replace("{kind}", old)): ADMINS
    for old in ("phone_directory", "spare_parts")
    for method, path in (("GET", "/api/admin/{kind}"), ("PATCH", "/api/admin/{kind}/{key}"),
                         ("GET", "/api/admin/{kind}/{key}/history"),
                         ("POST", "/api/admin/import/{kind}"))
}
PAGES: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/desk"): STAFF,
    ("GET", "/desk/list"): STAFF,
    ("GET", "/desk/tickets/{ticket_id}"): EVERYONE,
    ("GET", "/desk/tickets/{ticket_id}/part"): EVERYONE,
    ("POST", "/account/language"): EVERYONE,
    ("GET", "/board"): EVERYONE,
    ("GET", "/board/part"): EVERYONE,
    ("GET", "/wallboard"): EVERYONE,
    ("GET", "/wallboard/part"): EVERYONE,
    ("GET", "/stats"): EVERYONE,
    ("GET", "/admin"): ADMINS,
    ("GET", "/admin/{kind}/{key}/history"): ADMINS,
    ("GET", "/stats/assessment"): EVERYONE,
    ("GET", "/assessment/grade"): LEADS,
    ("GET", "/complaints"): EVERYONE,
    ("GET", "/complaints/{ticket_id}"): EVERYONE,
    ("GET", "/campaigns"): EVERYONE,
    ("GET", "/campaigns/{campaign_id}"): EVERYONE,
    ("GET", "/desk/mine"): STAFF,
    ("GET", "/maintenance"): EVERYONE,
    ("GET", "/maintenance/plans/{code}"): EVERYONE,
    ("GET", "/maintenance/rounds/{ticket_id}"): EVERYONE,
    ("GET", "/board/maintenance/part"): EVERYONE,
    ("GET", "/notices"): EVERYONE,
    ("GET", "/notices/{notice_id}"): EVERYONE,
    ("GET", "/stock"): EVERYONE,
    ("GET", "/stock/parts/{key}"): EVERYONE,
    ("GET", "/stock/suppliers/{key}"): EVERYONE,
    ("GET", "/stock/documents/{doc_id}"): EVERYONE,
    ("GET", "/stats/cost"): EVERYONE,
    ("GET", "/kitchen"): EVERYONE,
    ("GET", "/stats/meals"): EVERYONE,
    ("GET", "/escort"): EVERYONE,
    ("GET", "/stats/escort"): EVERYONE,
    # the rooms' QR labels and the links the center hands out (administrators)
    ("GET", "/admin/qr"): ADMINS,
    ("GET", "/admin/qr/labels.pdf"): ADMINS,
    ("POST", "/admin/qr/print"): ADMINS,
    ("POST", "/admin/qr/revoke"): ADMINS,
    ("POST", "/admin/qr/worker"): ADMINS,
    ("POST", "/admin/qr/ticket"): ADMINS,
    # the phone pages: no log-in, the signed link in the path is the credential
    ("GET", "/r/{token}"): PUBLIC,
    ("POST", "/r/{token}"): PUBLIC,
    ("POST", "/r/{token}/code"): PUBLIC,
    ("GET", "/s/{token}"): PUBLIC,
    ("GET", "/w/{token}"): PUBLIC,
    ("POST", "/w/{token}/{step}"): PUBLIC,
    ("GET", "/w/{token}/photo/{photo}"): PUBLIC,
    ("GET", "/l/{token}"): PUBLIC,
    ("GET", "/admin/webhooks"): ADMINS,
}

FILL = {"ticket_id": "1", "kind": "locations", "key": "10305", "entity": "ticket",
        "username": "nobody", "photo_id": "1", "token": "not-a-link", "step": "accept", "photo": "1",
        "plan_code": "PM-1", "code": "PM-1", "notice_id": "1", "uniqueid": "1700000000.1", "action": "pause",
        "campaign_id": "1", "doc_id": "1",
        "subscription_id": "1", "delivery_id": "1"}
STREAMS = {"/api/events", "/api/wallboard/events"}
ENDS_THE_SESSION = {("POST", "/api/me/sessions/end")}


def _documented(web: Web) -> set[tuple[str, str]]:
    spec = web.client.get("/openapi.json").json()
    return {(method.upper(), path) for path, item in spec["paths"].items() for method in item}


def _served(web: Web) -> set[tuple[str, str]]:
    return {(method, path) for path, methods, _route in served_routes(web.client.app)
            if not path.startswith("/static") for method in methods - {"HEAD"}}


def test_the_table_names_every_route_the_app_serves(web: Web) -> None:
    documented = _documented(web)
    assert documented == set(API), "a documented route without its row here, or the reverse"
    assert _served(web) == documented | set(UNDOCUMENTED) | set(PAGES)


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: FILL[m.group(1)], path)


def _call(c: TestClient, method: str, path: str) -> int:
    url = _url(path)
    if path in STREAMS:
        with c.stream(method, url) as resp:
            return resp.status_code
    resp = c.get(url, follow_redirects=False) if method == "GET" else \
        c.request(method, url, json={}, follow_redirects=False)
    if resp.status_code == 303 and method == "POST" and not resp.headers["location"].startswith("/login"):
        return 200  # a form's answer: back to its page (the log-in page would be a refusal)
    return resp.status_code


@pytest.fixture
def ticket(web: Web) -> int:
    op = web.login("operator", client=web.new_client())
    resp = op.post("/api/tickets", json={"service_type": "repair", "location_code": "10305",
                                         "reporter_phone": "13800000009"})
    assert resp.status_code == 201
    return int(resp.json()["id"])


def _matrix(web: Web, table: dict[tuple[str, str], frozenset[str] | None], page: bool) -> list[str]:
    wrong: list[str] = []
    for role in sorted(EVERYONE):
        c = web.login(role, client=web.new_client())
        for (method, path), allowed in sorted(table.items(), key=lambda kv: kv[0] in ENDS_THE_SESSION):
            got = _call(c, method, path)
            if allowed is not None and role not in allowed:
                if got != 403:
                    wrong.append(f"{role} {method} {path}: {got}, expected 403")
            elif got in (401, 403) or (page and got == 303 and path not in ("/", "/logout", "/login")):
                wrong.append(f"{role} {method} {path}: {got}, expected to be let in")
    return wrong


def test_every_api_route_for_every_role(web: Web, ticket: int) -> None:
    assert ticket == int(FILL["ticket_id"])
    assert _matrix(web, {**API, **UNDOCUMENTED}, page=False) == []


def test_every_page_for_every_role(web: Web, ticket: int) -> None:
    assert _matrix(web, {k: v for k, v in PAGES.items() if k[1] not in ("/login", "/logout")},
                   page=True) == []


def test_strangers_get_401_from_the_api_and_the_log_in_page_from_pages(web: Web) -> None:
    stranger = web.new_client()
    for (method, path), allowed in {**API, **UNDOCUMENTED}.items():
        got = _call(stranger, method, path)
        assert got == (200 if allowed is None else 401), (method, path, got)
    for (method, path), allowed in PAGES.items():
        if allowed is None:
            continue
        resp = stranger.request(method, _url(path), follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login?next="), path


def test_the_log_in_forms_are_open_to_strangers(web: Web) -> None:
    stranger = web.new_client()
    assert stranger.get("/login").status_code == 200
    web.login("viewer", client=stranger)
    assert stranger.last_login.status_code == 303  # type: ignore[attr-defined]
    out = stranger.post("/logout", data={"csrf_token": stranger.headers["X-CSRF-Token"]},
                        follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"


def _documented_table_in_security_md() -> dict[str, set[str]]:
    """The roles table of docs/SECURITY.md: permission → roles."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    section = text.split("## Who may do what", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0] not in ("", "what") and not set(cells[0]) <= {"-", " "}:
            rows[cells[0]] = {role for role, mark in zip(
                ("operator", "dispatcher", "lead", "manager", "admin", "viewer"), cells[2:],
                strict=True) if mark == "✓"}
    return rows


def test_the_roles_here_are_the_ones_docs_security_md_writes() -> None:
    documented = _documented_table_in_security_md()
    assert {k: frozenset(v) for k, v in documented.items()} == {
        "tickets, board, wallboard, statistics (read)": EVERYONE,
        "own sessions": EVERYONE,
        "desk: pops, calls, caller look-up": STAFF,
        "telephony: call a reporter or worker from a ticket, one's own queue log-in and pause": STAFF,
        "listen to hotline call recordings (every play audited)": LISTENERS,
        "ticket commands": STAFF,
        "supervise: assess, merge, reopen, escalate": LEADS,
        "export: CSV / Excel, audit trails": LEADS,
        "master data, log-in accounts": ADMINS,
        "stores: stock documents, back-orders, stock files": STORES,
    }
