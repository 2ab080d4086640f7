"""The report's files are made whatever the month holds: nothing at all, or one ticket (a
trend of a single point), in both languages."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ticketing.assessment.config import AssessmentConfig
from ticketing.assessment.figures import Month
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock
from ticketing.reports.monthly import build_monthly
from ticketing.reports.pdf import to_pdf
from ticketing.reports.xlsx import to_xlsx
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store

from .factories import small_hospital

TZ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("tickets", [0, 1])
def test_an_empty_or_thin_month_still_makes_both_files(store: Store, service: TicketService, clock: FixedClock,
                                                       catalog: Catalog, language: str, tickets: int) -> None:
    small_hospital(store)
    for _ in range(tickets):
        t = service.accept("li", NewTicket("repair", "x", "10305"))
        service.dispatch("li", t.id, ["W001"], print_slip=False)
        service.worker_accept("sms:W001", t.id, "W001")
        service.complete("sms:W001", t.id)
    with store.session() as s:
        report = build_monthly(s, AssessmentConfig.default(), catalog, TZ, Month(2026, 11),
                               datetime(2026, 12, 1, tzinfo=UTC), language, "中心")
    book = load_workbook(io.BytesIO(to_xlsx(report)))
    assert book.worksheets[0]["B6"].value == tickets
    text = PdfReader(io.BytesIO(to_pdf(report))).pages[0].extract_text()
    assert "2026-11" in text
