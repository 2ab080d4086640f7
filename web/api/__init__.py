"""The JSON API under /api/: the same operations as the pages, documented by OpenAPI.

One module per resource, each with its own ``router``; ``web.app.create_app`` includes every
module of this package that has one, in name order:

==================  ==========================================================================
``session``         who is logged in (``/api/me``)
``tickets``         list, search, create, read, edit, worker suggestions, slip preview
``actions``         a ticket's lifecycle steps: dispatch, close, cancel, reopen, merge, …
``calls``           caller lookup (the pop's context) and the hotline calls
``events``          the server-sent event streams of the desk and the wallboard
``board``           the dispatcher's board and the wallboard's figures
``menus``           the meal menus the desk orders from
``stats``           statistics and their CSV / Excel export
``assessment``      考核: grades, the month's rankings and trend, owners, the monthly report
``complaints``      投诉建议: the complaints list and a complaint's steps
``ownership``       首问负责: my cases and notices, handing a case over
``campaigns``       满意度调查: satisfaction campaigns and the SMS opt-out list
``audit``           the audit trail of one thing
``photos``          the photos of a ticket (reports from a room's code, completions)
``accounts``        log-in accounts (``/api/admin/users``) and one's own sessions
``links``           a ticket's links: the reporter's progress by SMS, withdrawing leaked ones
``masterdata``      master data rows, edits, history, imports
``health``          each part's state (the only route open to strangers)
``errors``          the core's exceptions as 4xx answers (no routes)
==================  ==========================================================================

Every route names one permission in its signature (``web.deps``: ``Reader``, ``Writer``,
``Desk``, ``Supervisor``, ``Exporter``, ``Admin``); ``route_permissions`` lists them all, and
each operation in ``/openapi.json`` (``/docs``) carries its permission and the roles that have it.
Tests walk the app's routes to prove each refuses a stranger (401) and a role without the
permission (403).

Routes match in the order they are included, the first match winning: a literal path under a
resource (``/api/tickets/search``) goes in that resource's module above its ``{ticket_id}``
routes (tests/web/test_layout.py finds a route that an earlier one hides).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from web.security import PERMISSIONS, ROLES

PUBLIC_ROUTES = frozenset({"/api/health"})  # the only /api/ route open to strangers

# Public with a token: pages (not /api/, not in the OpenAPI document) open to anyone holding
# the signed link in their path — no session, no CSRF token; the token is checked on every
# request and names what it opens (``web.linkpages``, ``ticketing.tokens``). Path → purpose.
TOKEN_ROUTES: dict[str, str] = {
    "/r/{token}": "room",  # 扫码报修: a room's QR code (GET the form, POST a report)
    "/r/{token}/code": "room",  # POST: send the SMS code confirming the reporter's phone
    "/s/{token}": "status",  # the reporter's status page
    "/w/{token}": "work",  # the worker's page of one work order
    "/w/{token}/{step}": "work",  # POST: accept | arrived | done | cannot
    "/w/{token}/photo/{photo}": "work",  # a photo of the order's ticket
    "/l/{token}": "list",  # a worker's open work orders
}


@dataclass(frozen=True)
class RoutePermission:
    method: str
    path: str
    permission: str | None  # None: public
    roles: tuple[str, ...]


def permission_of(route: APIRoute) -> str | None:
    """The permission the route's user dependency checks (None when it has none)."""
    found: set[str] = {p for d in route.dependant.dependencies
                       if (p := getattr(d.call, "permission", None)) is not None}
    if len(found) > 1:
        raise ValueError(f"{route.path} checks more than one permission: {sorted(found)}")
    return found.pop() if found else None


def route_permissions(routes: Iterable[Any]) -> list[RoutePermission]:
    """Every /api/ route with the permission it needs and the roles that have it, by path."""
    out = []
    for route in routes:
        if isinstance(route, APIRoute) and route.path.startswith("/api/"):
            perm = permission_of(route)
            roles = tuple(r for r in ROLES if perm is None or r in PERMISSIONS[perm])
            out += [RoutePermission(m, route.path, perm, roles) for m in sorted(route.methods or ())]
    return sorted(out, key=lambda p: (p.path, p.method))


def document_permissions(router: APIRouter) -> None:
    """Write each route's permission, and who has it, into its OpenAPI operation."""
    for route in router.routes:
        if not isinstance(route, APIRoute) or "x-permission" in (route.openapi_extra or {}):
            continue
        perm = permission_of(route)
        who = ", ".join(r for r in ROLES if r in PERMISSIONS[perm]) if perm else "anyone"
        route.openapi_extra = {**(route.openapi_extra or {}), "x-permission": perm or "public"}
        note = f"Permission `{perm}` ({who})." if perm else "Public: no log-in needed."
        route.description = f"{route.description}\n\n{note}" if route.description else note
