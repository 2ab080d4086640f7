"""Property-based requests generated from the OpenAPI document (schemathesis + hypothesis), as
a logged-in administrator sending the CSRF header (every route reachable; the few an
administrator may not use — call recordings — as a role that may): requests that fit the
schema and requests that do not. No request may make a server error.

Bounded and repeatable: a fixed number of examples per operation and mode (about 700
requests, ~20 s on an idle 2-core machine), derandomized (the same requests on every run, on
SQLite and PostgreSQL alike), the whole run stopped by a timeout well inside CI's budget."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from web.security import PERMISSIONS

from .conftest import Web

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.generation import GenerationMode  # noqa: E402

STREAMS = {"/api/events", "/api/wallboard/events"}  # endless by design: not fuzzed
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 6}


def operations(app: Any) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = []
    for result in schema.get_all_operations():
        op = result.ok() if hasattr(result, "ok") else result
        if op.path not in STREAMS:
            ops.append(op)
    return ops


@pytest.mark.timeout(180)  # ~20 s of CPU; the cap allows for a loaded CI machine
def test_no_generated_request_makes_a_server_error(web: Web) -> None:
    ops = operations(web.client.app)
    assert len(ops) > 40
    spec = web.client.get("/openapi.json").json()["paths"]
    session: dict[str, Any] = {}

    def role_for(op: Any) -> str:
        perm = spec[op.path][op.method.lower()].get("x-permission", "public")
        if perm == "public" or "admin" in PERMISSIONS[perm]:
            return "admin"
        return sorted(PERMISSIONS[perm])[0]

    def log_in(role: str) -> None:
        user = web.login(role, client=web.new_client())
        session["role"] = role
        session["cookies"] = {"onestop_session": user.cookies["onestop_session"]}
        session["headers"] = {"X-CSRF-Token": user.headers["X-CSRF-Token"]}

    def alive() -> bool:
        probe = web.new_client()
        probe.cookies.update(session["cookies"])
        return probe.get("/api/me").status_code == 200

    log_in("admin")
    failures: list[str] = []
    answered: Counter[str] = Counter()  # per operation: answers past the log-in and permission

    def fuzz(op: Any, mode: GenerationMode) -> None:
        @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            resp = case.call(headers=session["headers"], cookies=session["cookies"])
            name = f"{op.method.upper()} {op.path}"
            if resp.status_code not in (401, 403):
                answered[name] += 1
            # 501 is an honest answer (imports absent from this build), not a crash.
            if resp.status_code >= 500 and resp.status_code != 501:
                failures.append(f"{name} ({mode.value}): {resp.status_code} {case.path_parameters} "
                                f"{case.query} {case.body!r:.200} {resp.text[:200]}")

        try:
            run()
        except Unsatisfiable:  # nothing of the operation can be made invalid (no parameters)
            assert mode is GenerationMode.NEGATIVE, op.path

    for op in ops:
        for mode in EXAMPLES:
            role = role_for(op)
            if session["role"] != role or not alive():  # or an operation ended the session
                log_in(role)
            fuzz(op, mode)
    assert not failures, "\n".join(failures[:20])
    unanswered = [f"{op.method.upper()} {op.path}" for op in ops
                  if not answered[f"{op.method.upper()} {op.path}"]]
    assert unanswered == [], "every operation was reached past the log-in"
