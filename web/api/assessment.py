"""考核: the grades a lead gives, the month's rankings of workers, teams and service
departments with their trend, the figures by owner (首问负责), the tickets awaiting a grade,
and the monthly report for the leadership as Excel or PDF (audited). ``month_of``,
``rankings``, ``owners`` and ``pending`` are shared with the 考核 pages."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from ticketing.assessment.figures import Month, MonthError, names, trend
from ticketing.audit import audit
from ticketing.model import Staff, Ticket, User
from ticketing.reports.monthly import build_monthly, complaint_types
from web.deps import Exporter, Reader, Supervisor, web_state

router = APIRouter(prefix="/api", tags=["assessment"])

Level = Literal["worker", "team", "department"]
MonthText = Annotated[str | None, Query(max_length=7, description="YYYY-MM (default: this month)")]
Page = Annotated[int, Query(ge=1, le=10_000)]


def month_of(web: Any, text: str | None) -> Month:
    """The month asked for, or this month in the center's time zone; 400 names the field."""
    if not text:
        return Month.of(web.deps.clock.now(), web.tz)
    try:
        return Month.parse(text)
    except MonthError as exc:
        raise HTTPException(400, f"month: {exc}") from None


def _config(web: Any) -> Any:
    return web.deps.service.assessment


def rankings(web: Any, month: Month, level: str, language: str, page: int = 1,
             per_page: int = 25) -> dict[str, Any]:
    """One page of the level's ranking (best first), names and grade names in ``language``,
    the grade counts over the whole level, and six months of trend."""
    config, now = _config(web), web.deps.clock.now()
    kinds = complaint_types(web.deps.service.catalog)
    with web.deps.store.session() as s:
        from ticketing.assessment.figures import month_scores

        rows = month_scores(s, config, month, web.tz, level, kinds, now)
        named = names(s, level, language)
        months = trend(s, config, month, 6, web.tz, level, kinds, now)
    grades = {g.key: g.name(language) for g in config.grades}
    out = [{**e.as_dict(), "name": named.get(e.key, e.key), "grade_name": grades.get(e.grade, "")}
           for e in rows]
    top = sorted((r for r in out if r["score"] is not None), key=lambda r: -r["score"])[:5]
    return {"month": str(month), "level": level, "total": len(out), "page": page, "per_page": per_page,
            "rows": out[(page - 1) * per_page: page * per_page],
            "grade_counts": [{"grade": g.key, "name": g.name(language),
                              "count": sum(r["grade"] == g.key for r in out)} for g in config.grades],
            "trend": {"months": months["months"], "overall": months["overall"],
                      "top": [{"name": r["name"], "scores": months["series"].get(r["key"], [])} for r in top]}}


def owners(web: Any, month: Month, language: str = "zh-CN") -> list[dict[str, Any]]:
    """The owners' figures, each owner by name (the system and the IVR by their role)."""
    from ticketing.assessment.figures import owner_figures
    from web.explain import actor

    with web.deps.store.session() as s:
        shown = {u: d or u for u, d in s.execute(select(User.username, User.display_name)).all()}
        rows = owner_figures(s, month.period(web.tz), web.deps.clock.now())
    words = web.words(language)
    return [{**r, "name": actor(r["owner"], words, shown) if r["owner"] else "—"} for r in rows]


def pending(web: Any, language: str, page: int = 1, per_page: int = 20) -> dict[str, Any]:
    """Called-back tickets awaiting the lead's grade, oldest first."""
    where = (Ticket.status == "called_back",)
    with web.deps.store.session() as s:
        total = s.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0
        rows = s.execute(select(Ticket.id, Ticket.service_type, Ticket.assignee, Ticket.satisfaction,
                                Ticket.called_back_at, Ticket.completion_met, Ticket.response_met,
                                Ticket.reopen_count, Ticket.description)
                         .where(*where).order_by(Ticket.called_back_at, Ticket.id)
                         .limit(per_page).offset((page - 1) * per_page)).all()
        workers = dict(s.execute(select(Staff.code, Staff.name).where(
            Staff.code.in_({r[2] for r in rows if r[2]}))).all())
    catalog = web.deps.service.catalog
    return {"total": total, "page": page, "per_page": per_page, "rows": [
        {"id": tid, "service_name": catalog.get(st).name(language) if st in catalog.types else st,
         "worker": workers.get(code, code), "satisfaction": sat,
         "called_back_local": _local(web, at), "completion_met": cm, "response_met": rm,
         "reworked": bool(reopened), "description": desc[:80]}
        for tid, st, code, sat, at, cm, rm, reopened, desc in rows]}


def _local(web: Any, when: Any) -> str:
    return when.astimezone(web.tz).strftime("%Y-%m-%d %H:%M") if when else ""


@router.get("/assessment/grades")
def grades(request: Request, user: Reader) -> list[dict[str, Any]]:
    """The grades a lead gives (config/assessment.toml), best first."""
    return [{"key": g.key, "name": g.name(user.language), "min": g.min, "points": g.points,
             "reasons_required": g.reasons} for g in _config(web_state(request)).grades]


@router.get("/assessment/rankings")
def ranking(request: Request, user: Reader, month: MonthText = None, level: Level = "worker",
            page: Page = 1) -> dict[str, Any]:
    """The month's scores of one level, best first (docs/assessment.md), with the trend."""
    web = web_state(request)
    return rankings(web, month_of(web, month), level, user.language, page)


@router.get("/assessment/owners")
def owner_figures(request: Request, user: Reader, month: MonthText = None) -> list[dict[str, Any]]:
    """首问负责: per owner, the month's cases, open, overdue now, done, escalated, satisfaction."""
    web = web_state(request)
    return owners(web, month_of(web, month), web.language(user))


@router.get("/assessment/pending")
def awaiting_grade(request: Request, user: Supervisor, page: Page = 1) -> dict[str, Any]:
    """Tickets called back and awaiting the lead's grade, oldest first."""
    return pending(web_state(request), user.language, page)


@router.get("/assessment/report")
def monthly_report(request: Request, user: Exporter, month: MonthText = None,
                   fmt: Literal["xlsx", "pdf"] = "xlsx",
                   lang: Literal["zh-CN", "en"] | None = None) -> Response:
    """The month's 考核 report for the leadership (the export is audited)."""
    from ticketing.reports.pdf import to_pdf
    from ticketing.reports.xlsx import to_xlsx

    web = web_state(request)
    chosen = month_of(web, month)
    now = web.deps.clock.now()
    with web.deps.store.session() as s:
        report = build_monthly(s, _config(web), web.deps.service.catalog, web.tz, chosen, now,
                               lang or user.language, web.deps.settings.center_name)
        audit(s, now, user.username, "export", f"assessment:{chosen}", "export", None,
              {"month": str(chosen), "format": fmt})
    name = f"onestop-assessment-{chosen}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "pdf":
        return Response(to_pdf(report), media_type="application/pdf", headers=headers)
    return Response(to_xlsx(report), headers=headers,
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
