"""What the search tests share: every page of a query, and the steps SQLite's engine takes for
one search (a scan of every piece shows in them as work that grows with the store)."""

from __future__ import annotations

from typing import Any

from ticketing import search
from ticketing.store import Store


def every_page(store: Store, q: str, size: int = 7, numbers: bool = True) -> list[int]:
    """The tickets of every page of ``q``, ``size`` at a time, in order; each page but the last full."""
    out: list[int] = []
    while True:
        with store.session() as s:
            page = search.search(s, q, len(out), size, numbers)
        out += page.ids
        assert len(page.ids) == size or not page.has_more
        if not page.has_more:
            return out


def vm_steps(store: Store, q: str) -> tuple[int, list[int]]:
    """SQLite: the virtual machine's instructions a search for ``q`` ran, and the tickets of
    its first page."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    with store.session() as s:
        raw: Any = s.connection().connection.driver_connection
        raw.set_progress_handler(count, 1)  # every instruction
        try:
            found = search.search(s, q, 0, 50, True).ids
        finally:
            raw.set_progress_handler(None, 1)
    return steps[0], found
