"""The operator desk (受理台): the landing page per role, the desk with the screen pop and the
list of tickets, and one ticket's page — with the parts the desk's script reloads in place
(the list, a ticket's detail with its action bar)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ticketing.search import NumberSearchRefused
from ticketing.service import suggest_workers
from ticketing.store import Store
from web import queries
from web.api.tickets import ticket_detail
from web.auth import CurrentUser, current_user, landing
from web.deps import DeskPage, ReadPage, web_state
from web.listcache import Mark, Rendered, change_mark, next_deadline
from web.names import Names
from web.pages import service_types
from web.paging import Page, page_number

router = APIRouter(include_in_schema=False)

VIEWS = ("open", "overdue", "mine", "today")  # which tickets the desk lists (default: open ones)
SHARED_VIEWS = ("open", "mine")  # lists that change only by commands (and their rows' time limits)
LIST_SIZE = 25


@router.get("/")
async def home(request: Request) -> Response:
    user = await current_user(request)
    return RedirectResponse(landing(user.role) if user else "/login", status_code=303)


def _list_context(request: Request, user: CurrentUser, view: str, service: str, q: str,
                  page: str) -> dict[str, Any]:
    """The list's page; ``deadline``: the first instant a time limit of a ticket on it runs out."""
    web = web_state(request)
    language = web.language(user)
    view = view if view in VIEWS else "open"
    service = service if service in web.deps.service.catalog.types else ""
    params = {"view": view if view != "open" else "", "service": service, "q": q}
    searched_from: int | None = None  # a single character's search stopped at this ticket
    with web.deps.store.reading() as s:
        if q:  # every year's tickets through the search index, a page at a time
            number = page_number(page)
            try:
                found, more, searched_from = queries.search(s, q, LIST_SIZE, (number - 1) * LIST_SIZE,
                                                            numbers=not user.masked)
            except NumberSearchRefused:
                found, more = [], False
            listed = Page.open_ended(found, number, LIST_SIZE, more, "/desk", params)
        else:
            listed = queries.ticket_page(s, web.deps.clock.now(), web.tz, view, service, user.username,
                                         page_number(page), LIST_SIZE, "/desk", params)
        now = web.deps.clock.now()
        deadline = next_deadline(listed.rows, now)
        rows = queries.list_rows(s, listed.rows, web.words(language), language, user.masked, now)
    listed.rows = rows
    return {"listed": listed, "view": view, "service": service, "q": q, "deadline": deadline,
            "searched_from": searched_from,
            "views": VIEWS,
            "service_types": service_types(web, language)}


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request, user: DeskPage, view: str = "open", service: str = "",
         q: Annotated[str, Query(max_length=100)] = "", page: str = "1") -> Response:
    web = web_state(request)
    # the queue controls where telephony runs in this process (else /api/queue/me has nothing to say)
    return web.render(request, "desk.html", user, {**_list_context(request, user, view, service, q, page),
                                                   "telephony": web.deps.telephony is not None})


@router.get("/desk/list", response_class=HTMLResponse)
async def desk_list(request: Request, user: DeskPage, view: str = "open", service: str = "",
                    q: Annotated[str, Query(max_length=100)] = "", page: str = "1") -> Response:
    """The desk's list alone (the page's script reloads it when tickets change). The open and
    "mine" views are rendered once per change of the store for every desk that asks for the
    same page (``web.listcache``); ``If-None-Match`` with the page's ``ETag``: 304. A page
    already made at the store's mark is answered here, without a thread or a statement."""
    web = web_state(request)
    if q or view not in SHARED_VIEWS:
        return await run_in_threadpool(lambda: web.render(request, "_ticket_list.html", user,
                                                          _list_context(request, user, view, service, q, page)))
    listed = await shared_list(request, user, view, service, page)
    headers = {"ETag": listed.etag, "Cache-Control": "no-store"}
    if request.headers.get("if-none-match") == listed.etag:
        return Response(status_code=304, headers=headers)
    return HTMLResponse(listed.body, headers=headers)


async def shared_list(request: Request, user: CurrentUser, view: str = "open", service: str = "",
                      page: str = "1") -> Rendered:
    """A page of one of the ``SHARED_VIEWS`` as ``user`` sees it, at the store's mark: made once
    for every desk (the requests for ``/desk/list`` and the streams that push the list)."""
    web = web_state(request)

    def render() -> tuple[bytes, datetime | None]:
        context = _list_context(request, user, view, service, "", page)
        return bytes(web.render(request, "_ticket_list.html", user, context).body), context["deadline"]

    key = ("desk-list", web.language(user), user.masked, view, service, page_number(page),
           user.username if view == "mine" else "")
    now = web.deps.clock.now()
    feed = web.feed.mark()
    if feed is not None:
        mark: Mark = (web.deps.store.audited_commits, *feed)
    else:  # the feed has not read the audit log yet: the statement
        mark = await run_in_threadpool(_store_mark, web.deps.store)
    return await web.lists.shared(key, mark, now, render)


def _store_mark(store: Store) -> Mark:
    commits = store.audited_commits  # before the statement: a commit between them makes the mark older
    with store.read_connection() as c:
        return (commits, *change_mark(c))


def detail_context(request: Request, user: CurrentUser, ticket_id: int) -> dict[str, Any]:
    """The ticket with its names and actions, and — when it can be dispatched — the workers
    the desk suggests (on duty, qualified, least busy; the first one ticked)."""
    web = web_state(request)
    tk = ticket_detail(web, ticket_id, user)
    suggestions: list[dict[str, Any]] = []
    if "dispatch" in tk["actions"]:
        catalog = web.deps.service.catalog
        skill = catalog.get(tk["service_type"]).skill if tk["service_type"] in catalog.types else ""
        language = web.language(user)
        with web.deps.store.reading() as s:
            workers = suggest_workers(s, skill, limit=8)
            teams = Names(s, web.words(language), language).orgs(w.team for w in workers)
        on_it = {c for c, st in tk["workers"] if st in ("offered", "accepted")}
        suggestions = [{"code": w.code, "name": w.name, "team": teams.get(w.team, w.team),
                        "skills": w.skills} for w in workers if w.code not in on_it]
    return {"tk": tk, "suggestions": suggestions}


@router.get("/desk/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(request: Request, user: ReadPage,
                ticket_id: Annotated[int, Path(ge=1, le=2_147_483_647)]) -> Response:
    web = web_state(request)
    return web.render(request, "ticket.html", user, {**detail_context(request, user, ticket_id),
                                                     "wide": True})


@router.get("/desk/tickets/{ticket_id}/part", response_class=HTMLResponse)
def ticket_part(request: Request, user: ReadPage,
                ticket_id: Annotated[int, Path(ge=1, le=2_147_483_647)]) -> Response:
    """One ticket's detail and action bar alone: the desk's side pane, reloaded in place."""
    web = web_state(request)
    return web.render(request, "_ticket_detail.html", user,
                      {**detail_context(request, user, ticket_id), "wide": False})
