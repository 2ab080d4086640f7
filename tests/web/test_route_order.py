"""The app matches routers in an order chosen for speed (``web.app.HOT_ROUTERS`` first); that
is safe only while no route can take another's requests."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Match, Mount

from .conftest import Web


def leaves(routes: list[Any]) -> list[Any]:
    out: list[Any] = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        out += leaves(inner.routes) if inner is not None else [r]
    return out


def handler(app: Any, path: str, method: str) -> Any:
    """The route that serves ``method path``, found as the app finds it: the first router in
    its order that matches, then the first of that router's routes."""
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": [],
             "query_string": b"", "app": app}
    for top in app.router.routes:
        if top.matches(scope)[0] == Match.FULL:
            inner = getattr(top, "original_router", None)
            if inner is None:
                return top
            return next(r for r in inner.routes if r.matches(scope)[0] == Match.FULL)
    return None


def test_every_route_serves_its_own_paths_whatever_the_routers_order(web: Web) -> None:
    app = web.client.app
    routes = [r for r in leaves(app.router.routes) if isinstance(r, APIRoute)]
    assert len(routes) > 150  # the desk, the pages and the API
    shadowed = []
    for r in routes:
        for sample in ("1", "x"):  # a number, and a word where a path parameter stands
            path = re.sub(r"\{[^}]+\}", sample, r.path_format)
            for method in sorted(r.methods):
                got = handler(app, path, method)
                if got is not r:
                    shadowed.append(f"{method} {path}: {r.path_format} → {getattr(got, 'path_format', got)}")
    assert shadowed == []
    static = handler(app, "/static/app.js", "GET")
    assert isinstance(static, Mount) and app.router.routes.index(static) < 5  # before the routers
