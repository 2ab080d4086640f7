"""Retried requests: a state-changing ticket request sent with an ``Idempotency-Key`` header
runs once; a retry with the same key (same user, same method and path, same body) gets the
first answer again, the same key with another request a 422.

The key's row (``idempotency_key``) is written in the command's own transaction
(``ticketing.store.joined_write``), with the ticket the command made or acted on: the command
and the key commit together or not at all. Two requests with one key at once: the second
command's transaction fails on the key's unique index and is rolled back whole, and the second
request answers with the first's result. The ticket's page is stored after the commit; if the
process dies between the two, a retry rebuilds the answer from the ticket. A minimal answer
(``Prefer: return=minimal``: the ticket alone, made from the transaction's own record of it)
is stored with the key, in the command's transaction. Keys are kept
``[web] idempotency_hours`` (``web.housekeeping``).

The desk sends one key per form submission (``OneStop.api`` in ``static/app.js``) and
retries with it when the network failed. A retry gets the first answer as it was — the
ticket's page, or the ticket alone when the first asked for ``Prefer: return=minimal``."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import select, update

from ticketing.model import IdempotencyKey, Ticket
from ticketing.store import joined_write
from ticketing.tx import Tx
from ticketing.views import TicketView, ticket_view
from web.auth import CurrentUser

HEADER = "Idempotency-Key"
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")  # visible ASCII, as a UUID or a random token
TICKETS = Ticket.__table__


class Once:
    """One request's key, route and body hash (``once`` is the route dependency), and whether
    its client asked for a short answer (``Prefer: return=minimal``, RFC 7240: the ticket as
    the command left it rather than its whole page — the desk reads the page it shows anyway)."""

    def __init__(self, web: Any, key: str, route: str, request_hash: str,
                 minimal: bool = False) -> None:
        self.web, self.key, self.route, self.request_hash = web, key, route, request_hash
        self.minimal = minimal

    def run(self, user: CurrentUser, command: Callable[[], Any], answer: Callable[[Any], Any],
            status: int = 200, ticket_id: int | None = None, rebuild: bool = True,
            kept: Callable[[TicketView], Any] | None = None) -> Any:
        """``command()`` (one ticket command) once per key; ``answer(result)`` is the body.
        ``ticket_id``: the ticket the request names, else the one the command creates — kept
        with the key; ``rebuild``: ``answer(ticket id)`` rebuilds the body when the first
        answer was lost (a command's result is its ticket). ``kept``: the body made from the
        ticket as the command's transaction leaves it, reading nothing (a minimal answer) —
        stored with the key in that transaction, where the page is stored after it."""
        if not self.key:
            return self._answered(answer(command()), status)
        stored = self._find(user.id)
        if stored is not None:
            return self._replay(user, stored, answer, status, rebuild)
        early: list[Any] = []

        def write(tx: Tx) -> None:
            made = tx.loaded(TICKETS)  # type: ignore[arg-type]
            target = ticket_id if ticket_id is not None else (made[-1].id if made else None)
            ticket = next((r for r in made if r.id == target), None)
            if kept is not None and ticket is not None:
                early.append(kept(ticket_view(ticket)))
            tx.insert(IdempotencyKey.__table__, {  # type: ignore[arg-type]
                "user_id": user.id, "key": self.key, "route": self.route,
                "request_hash": self.request_hash, "result_id": target,
                "status": status if early else None, "response": early[0] if early else None,
                "created_at": tx.now})

        try:
            with joined_write(write):
                result = command()
        except self.web.deps.store.engine.dialect.loaded_dbapi.IntegrityError:
            stored = self._find(user.id)  # the same key, committed by a request sent at once
            if stored is None:
                raise
            return self._replay(user, stored, answer, status, rebuild)
        if early:
            return self._answered(early[0], status)
        body = answer(result)
        self._save(user.id, status, body)
        return self._answered(body, status)

    def _answered(self, body: Any, status: int) -> Any:
        if self.minimal:
            return JSONResponse(body, status_code=status, headers={"Preference-Applied": "return=minimal"})
        return body if status == 200 else JSONResponse(body, status_code=status)

    def _find(self, user_id: int) -> IdempotencyKey | None:
        with self.web.deps.store.reading() as s:
            return s.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,  # type: ignore[no-any-return]
                                                         IdempotencyKey.key == self.key))

    def _save(self, user_id: int, status: int, body: Any) -> None:
        with self.web.deps.store.session() as s:
            s.execute(update(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                   IdempotencyKey.key == self.key)
                      .values(status=status, response=body))

    def _replay(self, user: CurrentUser, stored: IdempotencyKey, answer: Callable[[Any], Any],
                status: int, rebuild: bool) -> JSONResponse:
        if stored.route != self.route or stored.request_hash != self.request_hash:
            raise RequestValidationError([{
                "type": "value_error", "loc": ("header", HEADER),
                "msg": f"this {HEADER} was used for another request ({stored.route}): "
                       "send a new key for a new request", "input": self.key}])
        if stored.response is not None:
            return JSONResponse(user.redact(stored.response), status_code=stored.status or status,
                                headers={"Idempotent-Replayed": "true"})
        if stored.result_id is None or not rebuild:
            raise HTTPException(409, "the first request with this key was carried out but its "
                                     "answer was not kept: reload to see the result")
        body = answer(stored.result_id)
        self._save(user.id, status, body)
        return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})


def prefers_minimal(prefer: str) -> bool:
    """``Prefer: return=minimal`` among a request's preferences (RFC 7240: comma-separated,
    each with optional ``;`` parameters; names case-insensitive, a value maybe quoted)."""
    for preference in prefer.split(","):
        name, _eq, value = preference.split(";")[0].partition("=")
        if name.strip().lower() == "return" and value.strip().strip('"').lower() == "minimal":
            return True
    return False


async def once(request: Request, idempotency_key: Annotated[str, Header(
        alias=HEADER, max_length=100, pattern=_KEY.pattern,
        description="one per request (a UUID, say): a retry with the same key and body gets "
                    "the first answer instead of acting again")] = "",
        prefer: Annotated[str, Header(
            max_length=200, description="return=minimal: the ticket as the command left it "
                                        "(no SMS, prints, photos, names or actions) instead of "
                                        "its whole page")] = "") -> Once:
    """The route dependency: the request's ``Idempotency-Key`` (none: every call runs), its
    method and path, a hash of its body, and its ``Prefer``."""
    key = idempotency_key
    raw = await request.body()
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    route = f"{request.method} {request.url.path}"[:200]
    digest = hashlib.sha256(route.encode() + b"\n" + canonical).hexdigest()
    return Once(request.app.state.web, key, route, digest, prefers_minimal(prefer))
