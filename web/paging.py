"""Lists that page and filter on the server: no page shows more rows than fit a few screens,
whatever the store holds (4,000 locations, 300 staff, a million tickets).

How to use it (shared by every list page):

- ``paginate(session, stmt, number, size, base, params)`` runs ``stmt`` (a ``select``) for one
  page and counts all its rows → ``Page``; ``page.href(n)`` is the URL of page ``n`` with the
  list's filters kept (``base`` path and ``params``, e.g. ``{"q": …, "team": …}``).
- In a template: ``{% from "_macros.html" import pager, filters with context %}`` then
  ``{{ pager(page) }}`` under the table (nothing when everything fits on one page) and
  ``{% call filters(action) %}…fields…{% endcall %}`` above it (a GET form; see the macros).
- A script that reloads a list in place gives ``OneStop.refresh(region, url)`` the page's
  ``href``: the pager's links work with and without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PAGE_SIZES = (20, 30, 50)


@dataclass
class Page:
    rows: list[Any]
    total: int
    number: int  # 1-based
    size: int
    base: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    more: bool = False  # ``total`` is only what is known so far: there is a next page

    @classmethod
    def open_ended(cls, rows: list[Any], number: int, size: int, more: bool, base: str = "",
                   params: Mapping[str, Any] | None = None) -> Page:
        """Page ``number`` of a list whose length is not counted (a full-text search): its
        rows and whether a next page follows; the pager links the pages up to the next one."""
        total = (number - 1) * size + len(rows) + (1 if more else 0)
        return cls(rows, total, number, size, base, dict(params or {}), more)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first(self) -> int:
        """The 1-based index of the page's first row (0 when empty)."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)

    def href(self, number: int) -> str:
        query = {k: v for k, v in self.params.items() if v not in (None, "", False)}
        if number > 1:
            query["page"] = number
        return self.base + ("?" + urlencode(query) if query else "")

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link, ``None`` for a gap: 1 … 4 5 [6] 7 8 … 40."""
        shown = {1, self.pages, *range(self.number - around, self.number + around + 1)}
        out: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n in shown:
                out.append(n)
            elif out and out[-1] is not None:
                out.append(None)
        return out


def page_number(raw: Any) -> int:
    """A page number from a query parameter: 1 for anything that is not a positive integer."""
    try:
        return max(1, min(int(raw), 1_000_000))
    except (TypeError, ValueError):
        return 1


def paginate(s: Session, stmt: Select[Any], number: int, size: int, base: str = "",
             params: Mapping[str, Any] | None = None, scalars: bool = True) -> Page:
    """One page of ``stmt``'s rows (a page past the end shows the last one) and the count."""
    total = int(s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    query = stmt.limit(size).offset((number - 1) * size)
    rows = list(s.scalars(query)) if scalars else list(s.execute(query).all())
    return Page(rows, total, number, size, base, dict(params or {}))


def page_of(rows: list[Any], number: int, size: int, base: str = "",
            params: Mapping[str, Any] | None = None) -> Page:
    """One page of rows already in memory (a few hundred groups of a statistic)."""
    pages = max(1, -(-len(rows) // size))
    number = min(max(1, number), pages)
    return Page(rows[(number - 1) * size: number * size], len(rows), number, size, base,
                dict(params or {}))
