"""``ticketing.views.ticket_view``: the commands' view of a ticket, filled past the frozen
dataclass's ``__init__`` where that makes the same object, constructed where it would not."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ticketing import views
from ticketing.model import Base
from ticketing.store import Store
from ticketing.views import TicketView, fills_like_init, ticket_view

TICKET = Base.metadata.tables["ticket"]
AT = datetime(2026, 11, 25, 3, 4, 5, tzinfo=UTC)
DETAIL_FIELDS = ("workers", "parts", "calls", "timeline")


def _record(store: Store) -> Any:
    with store.tx() as tx:
        return tx.create(TICKET, {
            "service_type": "meals", "status": "dispatched", "created_at": AT, "priority": "urgent",
            "details": {"meal": {"items": [{"code": "M1", "qty": 2}]}}, "reporter_phone": "6123",
            "response_due": AT + timedelta(minutes=15), "satisfaction": None, "assignee": "W001"})


def _constructed(rec: Any) -> TicketView:
    """The view as the dataclass's own constructor makes it from the record's columns."""
    names = [f.name for f in dataclasses.fields(TicketView) if f.name not in DETAIL_FIELDS]
    values = {name: getattr(rec, name) for name in names}
    return TicketView(**{**values, "details": dict(rec.details)})


@pytest.mark.parametrize("fill", [True, False], ids=["filled", "constructed"])
def test_the_view_is_what_the_constructor_makes(store: Store, monkeypatch: pytest.MonkeyPatch,
                                                fill: bool) -> None:
    rec = _record(store)
    monkeypatch.setattr(views, "_FILL", fill)
    view = ticket_view(rec)
    expected = _constructed(rec)
    assert view == expected and view.__dict__ == expected.__dict__
    assert view.details is not rec.details  # a copy: the view does not share the row's dict
    assert (view.workers, view.parts, view.calls, view.timeline) == ((), (), (), ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.status = "done"  # type: ignore[misc]


def test_the_shortcut_is_taken_only_for_a_plain_frozen_dataclass() -> None:
    @dataclass(frozen=True)
    class Plain:
        a: int
        b: tuple[int, ...] = ()

    @dataclass(frozen=True)
    class Checked:
        a: int
        b: tuple[int, ...] = ()

        def __post_init__(self) -> None:
            object.__setattr__(self, "a", abs(self.a))

    @dataclass(frozen=True, slots=True)
    class Slotted:
        a: int
        b: tuple[int, ...] = ()

    @dataclass(frozen=True)
    class Listed:
        a: int
        b: list[int] = field(default_factory=lambda: [1])

    assert fills_like_init(Plain, {"a": -1}, {"b": ()})
    assert not fills_like_init(Checked, {"a": -1}, {"b": ()})
    assert not fills_like_init(Slotted, {"a": -1}, {"b": ()})
    assert not fills_like_init(Listed, {"a": -1}, {"b": ()})  # the defaults the shortcut sets differ
    assert views._FILL  # TicketView as it stands is plain: the commands take the shortcut
