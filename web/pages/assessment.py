"""考核 pages under statistics: the month's rankings of workers, teams and service
departments with their trend and grades (ECharts), the owners' figures and the monthly
report's downloads (``/stats/assessment``); the tickets awaiting a lead's grade, graded in
place (``/assessment/grade``, leads only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from web.api.assessment import Level, month_of, owners, pending, rankings
from web.auth import CurrentUser, page_user
from web.deps import ReadPage, web_state

router = APIRouter(include_in_schema=False)

SupervisePage = Annotated[CurrentUser, Depends(page_user("supervise"))]
Page = Annotated[int, Query(ge=1, le=10_000)]
LEVELS = ("worker", "team", "department")


@router.get("/stats/assessment", response_class=HTMLResponse)
def assessment_page(request: Request, user: ReadPage, month: Annotated[str | None, Query(max_length=7)] = None,
                    level: Level = "worker", page: Page = 1) -> Response:
    web = web_state(request)
    chosen = month_of(web, month)
    data = rankings(web, chosen, level, user.language, page)
    months = [str(chosen.previous(n)) for n in range(0, 12)]
    return web.render(request, "assessment.html", user, {
        "month": str(chosen), "months": months, "level": level, "levels": LEVELS, "data": data,
        "owners": owners(web, chosen, web.language(user)), "pages": -(-data["total"] // data["per_page"]),
        "chart": {"top": [{"name": r["name"], "score": round(r["score"], 1)} for r in
                          sorted((r for r in data["rows"] if r["score"] is not None), key=lambda r: -r["score"])][:15],
                  "grades": data["grade_counts"], "trend": data["trend"]}})


@router.get("/assessment/grade", response_class=HTMLResponse)
def grade_page(request: Request, user: SupervisePage, page: Page = 1) -> Response:
    web = web_state(request)
    data = pending(web, user.language, page)
    grades = [{"key": g.key, "name": g.name(user.language), "reasons": g.reasons}
              for g in web.deps.service.assessment.grades]
    return web.render(request, "assessment_grade.html", user, {
        "data": data, "grades": grades, "pages": -(-data["total"] // data["per_page"])})
