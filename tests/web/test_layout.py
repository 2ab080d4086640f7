"""The web front's layout holds: no route hides a later one, and every /api/ operation in the
OpenAPI document says which permission it needs and who has it."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

from web.api import document_permissions, route_permissions
from web.deps import Admin, Writer
from web.security import PERMISSIONS

from .conftest import Web
from .test_security import served_routes


def _sample(path: str) -> str:
    """The path with each parameter filled by a value no literal segment spells."""
    return re.sub(r"\{[^}]+\}", "0", path)


def shadowed(routes: list[tuple[str, set[str], Any]]) -> list[str]:
    """Routes an earlier route with a common method matches first (Starlette takes the first)."""
    found = []
    for i, (path, methods, _route) in enumerate(routes):
        for earlier_path, earlier_methods, earlier in routes[:i]:
            regex = getattr(earlier, "path_regex", None)
            if regex is None or not methods & earlier_methods:
                continue
            if earlier_path != path and regex.match(_sample(path)) is not None:
                found.append(f"{sorted(methods & earlier_methods)} {path} is hidden by {earlier_path}")
    return found


def test_no_route_is_hidden_by_an_earlier_one(web: Web) -> None:
    routes = [(p, m, r) for p, m, r in served_routes(web.client.app) if isinstance(r, APIRoute)]
    assert len(routes) > 40
    assert shadowed(routes) == []


def test_the_hidden_route_check_finds_a_hidden_route() -> None:
    router = APIRouter()

    @router.get("/api/things/{thing_id}")
    def one(thing_id: int) -> None: ...

    @router.get("/api/things/overdue")
    def overdue() -> None: ...

    @router.post("/api/things/late")
    def late() -> None: ...  # another method: not hidden

    routes = [(r.path, set(r.methods), r) for r in router.routes]
    assert shadowed(routes) == ["['GET'] /api/things/overdue is hidden by /api/things/{thing_id}"]


def test_openapi_names_each_operations_permission_and_roles(web: Web) -> None:
    spec = web.client.get("/openapi.json").json()
    ops = {(m.upper(), p): op for p, item in spec["paths"].items() for m, op in item.items()}
    assert len(ops) > 30
    # Written rules: assessing is supervision, the export and the audit trail are exports,
    # master data is the administrators', the health check is public.
    expected = {("POST", "/api/tickets/{ticket_id}/assess"): "supervise",
                ("GET", "/api/stats/export"): "export",
                ("GET", "/api/audit/{entity}/{key}"): "export",
                ("PATCH", "/api/admin/{kind}/{key}"): "admin",
                ("GET", "/api/health"): "public"}
    for key, perm in expected.items():
        assert ops[key]["x-permission"] == perm, key
    assert "(lead, manager, admin)" in ops[("POST", "/api/tickets/{ticket_id}/assess")]["description"]
    for (method, path), op in ops.items():
        perm = op.get("x-permission")
        assert perm == "public" or perm in PERMISSIONS, (method, path)
        assert ("Permission `" if perm != "public" else "Public") in op["description"], (method, path)


def test_route_permissions_lists_every_api_route_with_its_roles(web: Web) -> None:
    table = route_permissions(r for _p, _m, r in served_routes(web.client.app))
    by_key = {(p.method, p.path): p for p in table}
    served = {(m, p) for p, methods, r in served_routes(web.client.app)
              if isinstance(r, APIRoute) and p.startswith("/api/") for m in methods}
    assert set(by_key) == served
    assert by_key[("POST", "/api/tickets")].roles == ("operator", "dispatcher", "lead", "manager", "admin")
    assert by_key[("GET", "/api/health")].permission is None
    assert by_key[("POST", "/api/admin/users")].roles == ("admin",)


def test_documenting_a_router_twice_adds_the_note_once() -> None:
    router = APIRouter()

    @router.post("/api/x")
    def x(user: Writer) -> None:
        """Do x."""

    @router.get("/api/y")
    def y(user: Admin) -> None: ...

    document_permissions(router)
    document_permissions(router)  # create_app runs once per app, the routers are shared
    x_route, y_route = router.routes
    assert x_route.description.count("Permission") == 1  # type: ignore[attr-defined]
    assert x_route.description.startswith("Do x.")  # type: ignore[attr-defined]
    assert y_route.openapi_extra == {"x-permission": "admin"}  # type: ignore[attr-defined]
