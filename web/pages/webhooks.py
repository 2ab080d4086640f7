"""The webhooks admin page (administrators): the subscriptions with their events, a form for a
new one (its secret shown once), and the delivery log a page at a time — each delivery's event,
state, attempts, last HTTP status, latency and error, filtered by subscription and state. The
buttons call ``web.api.webhooks``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from ticketing.webhook_context import FORMATS, LANGUAGES
from ticketing.webhooks import EVENTS, STATES
from web.deps import AdminPage, web_state
from web.facilities import webhooks_of
from web.masterdata import KINDS

router = APIRouter(include_in_schema=False)
LOG_PAGE = 30


@router.get("/admin/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, user: AdminPage,
                  subscription: Annotated[int, Query(ge=0, le=2_147_483_647)] = 0,
                  state: Annotated[str, Query(pattern="^(|queued|sending|retry|delivered|failed)$")] = "",
                  page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    web = web_state(request)
    hooks = webhooks_of(web)
    log = hooks.deliveries(subscription or None, state, page, LOG_PAGE)
    params = f"subscription={subscription}&state={state}&"
    return web.render(request, "admin_webhooks.html", user, {
        "kinds": list(KINDS), "kind": "webhooks",  # the admin pages' tabs
        "subscriptions": hooks.subscriptions(), "log": log, "events": EVENTS, "states": STATES,
        "formats": FORMATS, "languages": LANGUAGES,
        "subscription": subscription, "state": state, "params": params})
