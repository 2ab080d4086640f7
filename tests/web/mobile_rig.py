"""A web app whose core hands out links, with the real SMS templates: what the phone pages'
tests (HTTP and browser) share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from config.settings import Settings
from modem.templates import SmsComposer
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.model import SmsOut
from ticketing.service import TicketService
from ticketing.store import Store
from ticketing.tokens import Links, LinkSigner
from web.app import create_app
from web.server import ThreadedServer

from .conftest import make_deps, web_settings

LINK_SECRET = "test-link-secret-0123456789"


@contextmanager
def serving(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
            tmp_path: Path) -> Iterator[tuple[Any, ThreadedServer]]:
    """The web app on a loopback port, its core handing out links to that port (the change
    feed left to the tests)."""
    service = linked_service(store, clock, catalog, calendar)
    deps = make_deps(store, service, clock, mobile_settings(tmp_path))
    deps.feed_interval_s = 3600
    server = ThreadedServer(create_app(deps))
    service.links.base_url = server.url  # type: ignore[union-attr]
    server.start()
    try:
        yield deps, server
    finally:
        server.stop()


def linked_service(store: Store, clock: FixedClock, catalog: Catalog, calendar: BusinessCalendar,
                   base_url: str = "http://testserver") -> TicketService:
    return TicketService(store, clock, catalog, calendar, SmsComposer(),
                         links=Links(LinkSigner(LINK_SECRET), base_url=base_url))


def mobile_settings(tmp_path: Path, **web: Any) -> Settings:
    return web_settings(tmp_path, link_secret=LINK_SECRET, **web)


def path_of(url: str) -> str:
    """``http://host/w/AbC`` → ``/w/AbC``."""
    return re.sub(r"^https?://[^/]+", "", url)


def sms_link(store: Store, kind: str, staff_code: str = "", number: str = "") -> str:
    """The path of the link in the newest SMS of ``kind`` to a worker or a number."""
    with store.session() as s:
        q = select(SmsOut).where(SmsOut.kind == kind)
        if staff_code:
            q = q.where(SmsOut.staff_code == staff_code)
        if number:
            q = q.where(SmsOut.number == number)
        text = s.scalars(q.order_by(SmsOut.id.desc())).first().text  # type: ignore[union-attr]
    found = re.search(r"https?://\S+/[wlsr]/[A-Za-z0-9_-]+", text)
    assert found, text
    return path_of(found.group(0))
