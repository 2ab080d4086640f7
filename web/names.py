"""Codes → the names people know things by: rooms (``20305`` → 住院部A 3层 护士站),
departments, teams, workers, log-ins. Pages show these names and keep the code for a tooltip.

How to use it (shared by every page): ``Names(session, words, language)`` then ask in batches —
``names.places(codes)``, ``names.orgs(codes)``, ``names.staff(codes)``, ``names.users(logins)``
— one query per kind for a page of rows; each answer maps code → name (a code the store does
not know maps to itself). ``place(location, words)`` formats one location row or dict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.model import Location, OrgUnit, Staff, User


def place(loc: Any, words: Mapping[str, str]) -> str:
    """Building, floor and room name (or number) of a ``Location`` or its dict."""
    get = loc.get if isinstance(loc, dict) else lambda k, d="": getattr(loc, k, d)
    room = get("name", "") or get("room", "")
    floor = get("floor", "")
    floor_text = words.get("floor_fmt", "{n}F").format(n=floor) if floor else ""
    return " ".join(p for p in (get("building", ""), floor_text, room) if p)


class Names:
    def __init__(self, s: Session, words: Mapping[str, str], language: str = "zh-CN") -> None:
        self.s, self.words = s, words
        self.en = language == "en"

    @staticmethod
    def _wanted(codes: Iterable[str | None]) -> list[str]:
        return sorted({c for c in codes if c})[:2000]

    def places(self, codes: Iterable[str | None]) -> dict[str, str]:
        wanted = self._wanted(codes)
        found = {loc.code: place(loc, self.words) for loc in self.s.scalars(
            select(Location).where(Location.code.in_(wanted)))} if wanted else {}
        return {c: found.get(c, c) for c in wanted}

    def orgs(self, codes: Iterable[str | None]) -> dict[str, str]:
        wanted = self._wanted(codes)
        rows = self.s.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.name_en)
                              .where(OrgUnit.code.in_(wanted))).all() if wanted else []
        found = {c: (en if self.en and en else n) for c, n, en in rows}
        return {c: found.get(c, c) for c in wanted}

    def staff(self, codes: Iterable[str | None]) -> dict[str, str]:
        wanted = self._wanted(codes)
        found = dict(self.s.execute(select(Staff.code, Staff.name).where(Staff.code.in_(wanted))).all()) \
            if wanted else {}
        return {c: found.get(c, c) for c in wanted}

    def users(self, logins: Iterable[str | None]) -> dict[str, str]:
        wanted = self._wanted(logins)
        rows = self.s.execute(select(User.username, User.display_name)
                              .where(User.username.in_(wanted))).all() if wanted else []
        found = {u: d or u for u, d in rows}
        return {c: found.get(c, c) for c in wanted}

    def people(self, codes: Iterable[str | None]) -> dict[str, str]:
        """Workers and log-ins alike (a timeline's actors and the workers in its notes)."""
        wanted = self._wanted(codes)
        return {**self.users(wanted), **{k: v for k, v in self.staff(wanted).items() if v != k}}
