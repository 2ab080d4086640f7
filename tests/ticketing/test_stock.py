"""The stores: documents with audit, never below zero, back-orders made explicit, one low-stock
alert per crossing, the race for the last part, moving-average cost, the reorder list."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.fakes import FixedClock, PlainComposer
from ticketing.model import (
    AuditLog,
    SmsOut,
    SparePart,
    Staff,
    StockAlert,
    StockBackorder,
    StockDoc,
    StockLine,
    Supplier,
    TicketPart,
)
from ticketing.service import NewTicket, StockLineIn, TicketError, TicketService
from ticketing.store import Store
from ticketing.stores import order_qty, reorder_list, supplier_parts, ticket_costs

from .factories import small_hospital


@pytest.fixture(autouse=True)
def _hospital(store: Store) -> None:
    small_hospital(store)
    with store.session() as s:
        s.add_all([Staff(code="K001", name="钱库管", role="storekeeper", phone="13800000030"),
                   Staff(code="K002", name="孙仓管", role="storekeeper", phone="13800000031"),
                   Supplier(code="S01", name="华东五金", contact="华经理", phone="02155550001")])
        s.add(SparePart(code="P0002", name="水龙头", spec="DN15", unit="个", stock=5, price=Decimal("45.00"),
                        supplier_code="S01", min_stock=2, reorder_qty=10))


def stock(store: Store, code: str) -> int:
    with store.session() as s:
        return int(s.scalar(select(SparePart.stock).where(SparePart.code == code)))


def count(store: Store, model: type, *where: object) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def repair_done_by(service: TicketService, clock: FixedClock, worker: str = "W001") -> int:
    t = service.accept("li", NewTicket(service_type="repair", description="灯不亮", location_code="10305",
                                       reporter_phone="6123"))
    service.dispatch("li", t.id, [worker], print_slip=False)
    clock.advance(minutes=3)
    service.worker_accept(f"sms:{worker}", t.id, worker)
    return t.id


def test_documents_move_stock_with_lines_and_audit(service: TicketService, store: Store) -> None:
    receipt = service.post_stock("storekeeper", "receipt", [StockLineIn("P0001", 20, Decimal("12.50"))],
                                 supplier_code="S01", ref="DN-001")
    issue = service.post_stock("storekeeper", "issue", [StockLineIn("P0001", 4)], reason="领用: 3号楼")
    ret = service.post_stock("storekeeper", "return", [StockLineIn("P0001", 1)], reason="多领退回")
    adj = service.post_stock("storekeeper", "adjustment", [StockLineIn("P0001", -2)], reason="盘亏")
    assert stock(store, "P0001") == 10 + 20 - 4 + 1 - 2
    with store.session() as s:
        lines = [(ln.doc_id, ln.qty, ln.stock_after) for ln in
                 s.scalars(select(StockLine).where(StockLine.part_code == "P0001").order_by(StockLine.id))]
        assert lines == [(receipt, 20, 30), (issue, -4, 26), (ret, 1, 27), (adj, -2, 25)]
        docs = {d.id: d for d in s.scalars(select(StockDoc))}
        assert (docs[receipt].kind, docs[receipt].supplier_code, docs[receipt].ref) == ("receipt", "S01", "DN-001")
        assert docs[adj].reason == "盘亏" and docs[adj].actor == "storekeeper"
        audited = [(a.entity, a.entity_key, a.action) for a in s.scalars(
            select(AuditLog).where(AuditLog.entity.in_(("stock_doc", "spare_part"))).order_by(AuditLog.id))]
    assert audited == [("spare_part", "P0001", "stock_receipt"), ("stock_doc", str(receipt), "receipt"),
                       ("spare_part", "P0001", "stock_issue"), ("stock_doc", str(issue), "issue"),
                       ("spare_part", "P0001", "stock_return"), ("stock_doc", str(ret), "return"),
                       ("spare_part", "P0001", "stock_adjustment"), ("stock_doc", str(adj), "adjustment")]


def test_stock_never_goes_below_zero_and_a_refused_document_leaves_nothing(
        service: TicketService, store: Store) -> None:
    with pytest.raises(TicketError, match=r"P0002 \(水龙头 DN15\): 5 个 on hand, 6 asked") as err:
        service.post_stock("k", "issue", [StockLineIn("P0001", 1), StockLineIn("P0002", 6)], reason="x")
    assert err.value.key == "stock_err_short" and err.value.params["on_hand"] == 5
    with pytest.raises(TicketError, match="on hand"):
        service.post_stock("k", "adjustment", [StockLineIn("P0001", -11)], reason="盘亏")
    assert (stock(store, "P0001"), stock(store, "P0002")) == (10, 5)
    assert count(store, StockDoc) == 0 and count(store, StockLine) == 0
    assert count(store, AuditLog, AuditLog.entity == "stock_doc") == 0


@pytest.mark.parametrize(("kind", "lines", "reason", "why"), [
    ("adjustment", [StockLineIn("P0001", 3)], "", "needs the reason"),
    ("return", [StockLineIn("P0001", 3)], " ", "needs the reason"),
    ("issue", [StockLineIn("P0001", 1)], "", "needs the reason"),
    ("receipt", [StockLineIn("P0001", 0)], "", "quantity must be a whole number 1.."),
    ("receipt", [StockLineIn("P0001", 1), StockLineIn("P0001", 2)], "", "twice"),
    ("receipt", [StockLineIn("P0001", 1, Decimal("1.234"))], "", "at most 2 decimals"),
    ("receipt", [StockLineIn("NOPE", 1)], "", "unknown spare part NOPE"),
    ("adjustment", [StockLineIn("P0001", 0)], "盘点", "other than 0"),
    ("gift", [StockLineIn("P0001", 1)], "", "one of receipt"),
    ("receipt", [], "", "at least one line"),
])
def test_bad_documents_are_refused_with_the_reason(service: TicketService, kind: str,
                                                   lines: list[StockLineIn], reason: str, why: str) -> None:
    with pytest.raises(TicketError, match=why):
        service.post_stock("k", kind, lines, reason=reason)


def test_receipts_value_stock_at_the_moving_average(service: TicketService, store: Store) -> None:
    # 10 on hand at 12.50; 10 more bought at 14.50: (10×12.50 + 10×14.50) / 20 = 13.50
    service.post_stock("k", "receipt", [StockLineIn("P0001", 10, Decimal("14.50"))])
    with store.session() as s:
        assert s.scalar(select(SparePart.price).where(SparePart.code == "P0001")) == Decimal("13.50")
    doc = service.post_stock("k", "issue", [StockLineIn("P0001", 3)], reason="领用")
    with store.session() as s:
        assert s.scalar(select(StockLine.unit_cost).where(StockLine.doc_id == doc)) == Decimal("13.50")


def test_completion_beyond_stock_is_refused_unless_backordered(service: TicketService, store: Store,
                                                               clock: FixedClock) -> None:
    tid = repair_done_by(service, clock)
    with pytest.raises(TicketError, match=r"P0002 \(水龙头 DN15\): 5 个 on hand, 7 asked"):
        service.complete("sms:W001", tid, parts=[("P0002", 7)])
    assert service.get(tid).status == "dispatched" and stock(store, "P0002") == 5
    assert count(store, TicketPart) == 0
    done = service.complete("li", tid, parts=[("P0002", 7), ("P0001", 1)], backorder=True)
    assert done.status == "done"
    assert (stock(store, "P0002"), stock(store, "P0001")) == (0, 9)
    with store.session() as s:
        used = {tp.part_code: (tp.qty, tp.backordered, tp.unit_cost) for tp in s.scalars(select(TicketPart))}
        assert used == {"P0002": (7, 2, Decimal("45.00")), "P0001": (1, 0, Decimal("12.50"))}
        bo = s.scalar(select(StockBackorder))
        assert (bo.ticket_id, bo.part_code, bo.qty, bo.status) == (tid, "P0002", 2, "open")
        issued = s.scalar(select(StockDoc).where(StockDoc.ticket_id == tid))
        assert issued.kind == "issue"
    # the next receipt pays the back-order first: an issue to the ticket
    service.post_stock("k", "receipt", [StockLineIn("P0002", 10, Decimal("45.00"))])
    assert stock(store, "P0002") == 8
    with store.session() as s:
        bo = s.scalar(select(StockBackorder))
        assert (bo.status, bo.qty) == ("filled", 0)
        fills = s.execute(select(StockLine.qty).join(StockDoc, StockDoc.id == StockLine.doc_id)
                          .where(StockDoc.ticket_id == tid, StockLine.part_code == "P0002")
                          .order_by(StockLine.id)).scalars().all()
        assert fills == [-5, -2]
    with store.session() as s:  # closed: an open transaction would hold PostgreSQL's locks
        costs = ticket_costs(s, tid)
    assert costs["parts_cost"] == f"{7 * Decimal('45.00') + Decimal('12.50'):.2f}"


def test_a_backorder_larger_than_a_receipt_is_filled_in_part(service: TicketService, store: Store,
                                                             clock: FixedClock) -> None:
    tid = repair_done_by(service, clock)
    service.complete("li", tid, parts=[("P0002", 9)], backorder=True)  # 5 issued, 4 owed
    service.post_stock("k", "receipt", [StockLineIn("P0002", 3)])
    with store.session() as s:
        bo = s.scalar(select(StockBackorder))
        assert (bo.status, bo.qty) == ("open", 1)
    assert stock(store, "P0002") == 0
    with pytest.raises(TicketError, match="needs the reason"):
        service.cancel_backorder("k", bo.id, "")
    service.cancel_backorder("k", bo.id, "师傅自购")
    with store.session() as s:
        assert s.scalar(select(StockBackorder.status)) == "cancelled"
    with pytest.raises(TicketError, match="already cancelled"):
        service.cancel_backorder("k", bo.id, "again")


def test_parts_come_back_from_a_ticket_only_as_many_as_it_was_issued(service: TicketService, store: Store,
                                                                     clock: FixedClock) -> None:
    tid = repair_done_by(service, clock)
    service.complete("li", tid, parts=[("P0001", 3)])
    with pytest.raises(TicketError, match="used 3 of part P0001; 4 cannot come back"):
        service.post_stock("k", "return", [StockLineIn("P0001", 4)], reason="没用完", ticket_id=tid)
    service.post_stock("k", "return", [StockLineIn("P0001", 2)], reason="没用完", ticket_id=tid)
    assert stock(store, "P0001") == 10 - 3 + 2
    with store.session() as s:
        assert ticket_costs(s, tid)["parts_cost"] == f"{Decimal('12.50') * 1:.2f}"


def test_low_stock_alerts_once_per_crossing(service: TicketService, store: Store,
                                            composer: PlainComposer) -> None:
    # P0002: min 2, 5 on hand. Down to 2: an alert, an SMS to each storekeeper; down to 1: none
    service.post_stock("k", "issue", [StockLineIn("P0002", 3)], reason="领用")
    service.post_stock("k", "issue", [StockLineIn("P0002", 1)], reason="领用")
    with store.session() as s:
        alerts = s.scalars(select(StockAlert)).all()
        assert [(a.status, a.stock, a.min_stock, a.notified) for a in alerts] == [("open", 2, 2, 2)]
        sms = s.scalars(select(SmsOut).where(SmsOut.kind == "low_stock")).all()
        assert sorted(m.staff_code for m in sms) == ["K001", "K002"]
    told = [(d["worker_code"], d["part_code"], d["stock"], d["min_stock"], d["supplier"])
            for template, _lang, d in composer.rendered if template == "low_stock"]
    assert told == [("K001", "P0002", 2, 2, "华东五金"), ("K002", "P0002", 2, 2, "华东五金")]
    # back above the minimum clears it; down again is a second crossing
    service.post_stock("k", "receipt", [StockLineIn("P0002", 4)])
    service.post_stock("k", "issue", [StockLineIn("P0002", 3)], reason="领用")
    with store.session() as s:
        assert [(a.status, a.stock) for a in s.scalars(select(StockAlert).order_by(StockAlert.id))] == [
            ("cleared", 2), ("open", 2)]
        assert s.scalar(select(func.count()).select_from(SmsOut).where(SmsOut.kind == "low_stock")) == 4


def test_a_completion_that_crosses_the_minimum_alerts_the_storekeepers(service: TicketService, store: Store,
                                                                       clock: FixedClock) -> None:
    tid = repair_done_by(service, clock)
    service.complete("sms:W001", tid, parts=[("P0002", 3)])
    with store.session() as s:
        assert s.scalar(select(StockAlert.stock)) == 2
        assert s.scalar(select(func.count()).select_from(SmsOut).where(SmsOut.kind == "low_stock")) == 2


def _race(db_url: str, tickets: list[int], catalog: Catalog, calendar: BusinessCalendar,
          clock: FixedClock) -> list[str]:
    """Two completions, each on its own store (its own connections, as two processes
    would), released at once, each wanting the one part left."""
    results: list[str] = []
    barrier = threading.Barrier(len(tickets))

    def run(tid: int) -> None:
        store = Store(db_url)
        try:
            service = TicketService(store, clock, catalog, calendar, PlainComposer())
            barrier.wait(timeout=10)
            service.complete("sms:W001", tid, parts=[("P0003", 1)])
            results.append("done")
        except TicketError as exc:
            results.append(exc.key)
        finally:
            store.dispose()

    threads = [threading.Thread(target=run, args=(tid,)) for tid in tickets]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return results


def test_two_completions_racing_for_the_last_part_do_not_both_succeed(
        service: TicketService, store: Store, clock: FixedClock, db_url: str, catalog: Catalog,
        calendar: BusinessCalendar) -> None:
    with store.session() as s:
        s.add(SparePart(code="P0003", name="门锁", spec="球形", unit="把", stock=1, price=Decimal("80.00")))
    tickets = [repair_done_by(service, clock, w) for w in ("W001", "W002")]
    assert sorted(_race(db_url, tickets, catalog, calendar, clock)) == ["done", "stock_err_short"]
    assert stock(store, "P0003") == 0
    with store.session() as s:
        assert s.scalars(select(StockLine.qty).where(StockLine.part_code == "P0003")).all() == [-1]
        assert s.scalar(select(func.count()).select_from(TicketPart).where(TicketPart.part_code == "P0003")) == 1


@pytest.mark.parametrize(("stock_", "min_", "pack", "owed_", "expected"), [
    (2, 5, 0, 0, 8),     # back up to twice the minimum: 10 − 2
    (2, 5, 12, 0, 12),   # one pack lifts it above 5
    (0, 5, 4, 3, 12),    # 5 short + 3 owed + 1 above the minimum = 9 → three packs of 4
    (6, 5, 0, 0, 0),     # above the minimum: nothing
    (0, 0, 0, 3, 3),     # no minimum, only what is owed
    (5, 5, 0, 0, 5),     # at the minimum: up to 10
])
def test_order_quantities_follow_the_written_rule(stock_: int, min_: int, pack: int, owed_: int,
                                                  expected: int) -> None:
    assert order_qty(stock_, min_, pack, owed_) == expected


def test_the_reorder_list_groups_low_and_owed_parts_by_supplier(service: TicketService, store: Store) -> None:
    service.post_stock("k", "issue", [StockLineIn("P0002", 4)], reason="领用")  # 1 left, min 2, pack 10
    with store.session() as s:
        groups = reorder_list(s)
        assert [(g["supplier_code"], g["supplier"], g["phone"]) for g in groups] == [
            ("S01", "华东五金", "02155550001")]
        (line,) = groups[0]["parts"]
        assert (line["code"], line["stock"], line["order"], line["amount"]) == ("P0002", 1, 10, "450.00")
        sup = supplier_parts(s, "S01")
        assert [p["code"] for p in sup["parts"]] == ["P0002"] and sup["parts"][0]["low"] is True
        assert supplier_parts(s, "S99") is None


def test_a_workers_done_sms_beyond_the_stock_is_refused_and_explained(service: TicketService, store: Store,
                                                                      clock: FixedClock,
                                                                      composer: PlainComposer) -> None:
    from ticketing.service import WorkerReply

    tid = repair_done_by(service, clock)
    out = service.handle_inbound_sms("modem1", "13800000001", f"完成 {tid} P0002x6",
                                     WorkerReply("done", tid, (("P0002", 6),)), clock.now())
    assert out.outcome == "rejected" and "5 个 on hand, 6 asked" in out.reason
    assert service.get(tid).status == "dispatched" and stock(store, "P0002") == 5
    (explained,) = [d for template, _l, d in composer.rendered if template == "explain"]
    assert explained["why"] == "refused" and "P0002" in explained["detail"]


def test_a_long_document_lists_its_first_lines_and_pages_the_rest(service: TicketService, store: Store) -> None:
    from ticketing.stores import document, documents

    with store.session() as s:
        s.add_all([SparePart(code=f"Q{i:03d}", name=f"螺丝{i}", unit="个", stock=0, price=Decimal("0"))
                   for i in range(12)])
    # 12 lines of i+1 at 1.25 each: Σ (i+1) × 1.25 for i < 12 = 78 × 1.25 = 97.50
    big = service.post_stock("k", "receipt", [StockLineIn(f"Q{i:03d}", i + 1, Decimal("1.25")) for i in range(12)],
                             supplier_code="S01")
    small = service.post_stock("k", "issue", [StockLineIn("Q011", 2)], reason="领用")
    with store.session() as s:
        rows, total = documents(s, max_lines=5)
        assert total == 2 and [d["id"] for d in rows] == [small, big]  # newest first
        assert [ln["code"] for ln in rows[1]["lines"]] == ["Q000", "Q001", "Q002", "Q003", "Q004"]
        assert (rows[1]["line_count"], rows[1]["amount"]) == (12, "97.50")
        assert (rows[0]["line_count"], rows[0]["amount"]) == (1, "2.50")  # 2 out at the moving average 1.25
        second = document(s, big, page=2, per_page=5)
        assert second is not None and [ln["code"] for ln in second["lines"]] == ["Q005", "Q006", "Q007", "Q008", "Q009"]
        assert [ln["code"] for ln in document(s, big, page=3, per_page=5)["lines"]] == ["Q010", "Q011"]  # type: ignore[index]
        assert len(document(s, big)["lines"]) == 12 and document(s, 999) is None  # type: ignore[index]


def test_suppliers_count_their_parts_and_their_reorder_list_stands_alone(service: TicketService,
                                                                        store: Store) -> None:
    from ticketing.stores import suppliers

    with store.session() as s:
        s.add(Supplier(code="S02", name="申城电气", contact="", phone=""))
        s.add_all([SparePart(code="E01", name="开关", unit="个", stock=1, price=Decimal("6.00"), supplier_code="S02",
                             min_stock=3),
                   SparePart(code="E02", name="插座", unit="个", stock=9, price=Decimal("8.00"), supplier_code="S02",
                             min_stock=3)])
    service.post_stock("k", "issue", [StockLineIn("P0002", 4)], reason="领用")  # P0002: 1 left, min 2
    with store.session() as s:
        assert [(x["code"], x["parts"], x["low"]) for x in suppliers(s)] == [("S01", 1, 1), ("S02", 2, 1)]
        assert [g["supplier_code"] for g in reorder_list(s)] == ["S01", "S02"]
        (only,) = reorder_list(s, "S02")
        # E01: 1 on hand, minimum 3, no pack: back up to twice the minimum → 6 − 1 = 5 at 6.00
        assert [(p["code"], p["order"], p["amount"]) for p in only["parts"]] == [("E01", 5, "30.00")]
        sup = supplier_parts(s, "S02", page=2, per_page=1)
        assert sup is not None and sup["total"] == 2 and [p["code"] for p in sup["parts"]] == ["E02"]
        assert sup["reorder"]["amount"] == "30.00"
        assert supplier_parts(s, "S01")["reorder"]["parts"][0]["code"] == "P0002"  # type: ignore[index]
