"""首问负责: the operator's own cases with their due times, what happened to them that the
owner must hear of (kept live by the page's script), and handing a case over."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from web.api.ownership import desk_users, my_cases_page
from web.deps import DeskPage, web_state

router = APIRouter(include_in_schema=False)


@router.get("/desk/mine", response_class=HTMLResponse)
def mine_page(request: Request, user: DeskPage, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    web = web_state(request)
    data = my_cases_page(web, user, page)
    return web.render(request, "assessment_mine.html", user, {
        "data": data, "pages": -(-data["total"] // data["per_page"]),
        "users": [u for u in desk_users(request, user) if u["username"] != user.username]})
