"""The meal menus the desk orders from (订餐): one day's dishes, each with whether orders for
it are still open. Menus are imported and edited as master data (``web.api.masterdata``)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from sqlalchemy import select

from ticketing.model import MenuItem
from ticketing.orders import cutoff_at
from web.deps import Reader, web_state

router = APIRouter(prefix="/api", tags=["menus"])


@router.get("/menus")
def menus(request: Request, user: Reader, day: date | None = None,
          meal: Literal["breakfast", "lunch", "dinner"] | None = None) -> list[dict[str, Any]]:
    """The dishes on the menu for ``day`` (default today), each with whether orders are still open."""
    web = web_state(request)
    tz = web.deps.service.calendar.tz
    now = web.deps.clock.now()
    day = day or now.astimezone(tz).date()
    stmt = select(MenuItem).where(MenuItem.menu_date == day, MenuItem.active.is_(True))
    if meal:
        stmt = stmt.where(MenuItem.meal == meal)
    order = {"breakfast": 0, "lunch": 1, "dinner": 2}
    with web.deps.store.session() as s:
        rows = sorted(s.scalars(stmt), key=lambda m: (order.get(m.meal, 9), m.code))
        out = []
        for m in rows:
            cutoff = cutoff_at(m.menu_date, m.cutoff, tz)
            out.append({"code": m.code, "name": m.name_en if user.language == "en" and m.name_en else m.name,
                        "meal": m.meal, "diet": m.diet, "price": f"{m.price:.2f}", "cutoff": m.cutoff,
                        "open": cutoff is None or now <= cutoff})
        return out
