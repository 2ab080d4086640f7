"""The stores and cost accounting from the desk: parts used on completion over the API and
shown on the ticket page, refusals in the user's language, stock documents with their
permission, the reorder list one click away, stock files with the bad-row report, costs."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from ticketing.model import AuditLog, SparePart, Staff, Supplier
from ticketing.service import NewTicket

from .conftest import Web


def _setup(web: Web) -> int:
    with web.deps.store.session() as s:
        s.add(Supplier(code="S01", name="华东五金", contact="华经理", phone="02155550001"))
        s.add(SparePart(code="P0002", name="水龙头", spec="DN15", unit="个", stock=3, price=Decimal("45.00"),
                        supplier_code="S01", min_stock=2))
        s.add(Staff(code="K001", name="钱库管", role="storekeeper", phone="13800000030"))
    service = web.deps.service
    t = service.accept("li", NewTicket(service_type="repair", description="漏水", location_code="10305"))
    service.dispatch("li", t.id, ["W001"], print_slip=False)
    service.worker_accept("sms:W001", t.id, "W001")
    return t.id


def test_the_desk_closes_a_ticket_with_parts_and_the_page_shows_them(web: Web) -> None:
    tid = _setup(web)
    operator = web.login("operator")
    refused = operator.post(f"/api/tickets/{tid}/complete", json={"parts": [{"code": "P0002", "qty": 5}]})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "备件 P0002（水龙头 DN15）库存 3个，需要 5：请改正数量、先入库，或登记欠料"
    manager = web.login("manager", client=web.new_client())  # English
    refused = manager.post(f"/api/tickets/{tid}/complete", json={"parts": [{"code": "P0002", "qty": 5}]})
    assert refused.json()["detail"].startswith("Part P0002 (水龙头 DN15): 3 个 on hand, 5 asked")
    bad = operator.post(f"/api/tickets/{tid}/complete", json={"parts": [{"code": "P0002", "qty": 0}]})
    assert bad.status_code == 422 and "qty" in str(bad.json()["detail"])
    done = operator.post(f"/api/tickets/{tid}/complete",
                         json={"parts": [{"code": "P0002", "qty": 5}, {"code": "P0001", "qty": 1}],
                               "backorder": True})
    assert done.status_code == 200 and done.json()["status"] == "done"
    cost = done.json()["cost"]
    assert [(p["code"], p["qty"], p["backordered"], p["amount"]) for p in cost["parts"]] == [
        ("P0002", 5, 2, "225.00"), ("P0001", 1, 0, "12.50")]
    assert cost["parts_cost"] == "237.50" and cost["backordered_open"] == 2
    assert operator.get(f"/api/tickets/{tid}/cost").json() == cost
    page = operator.get(f"/desk/tickets/{tid}")
    assert "使用备件" in page.text and "水龙头 DN15" in page.text and "¥237.50" in page.text
    board = operator.get("/board")
    assert f"#{tid}</a> 欠料 P0002" in board.text and "库存预警" in board.text


def test_stock_documents_need_the_stores_permission_and_refusals_name_the_field(web: Web) -> None:
    _setup(web)
    body = {"kind": "receipt", "lines": [{"code": "P0002", "qty": 10, "unit_cost": "47.00"}],
            "supplier_code": "S01", "ref": "DN-9"}
    assert web.login("operator").post("/api/stock/documents", json=body).status_code == 403
    dispatcher = web.login("dispatcher", client=web.new_client())
    made = dispatcher.post("/api/stock/documents", json=body)
    assert made.status_code == 201
    doc = made.json()
    assert (doc["kind"], doc["supplier_code"], doc["lines"][0]["stock_after"], doc["amount"]) == (
        "receipt", "S01", 13, "470.00")
    refused = dispatcher.post("/api/stock/documents", json={"kind": "adjustment",
                                                           "lines": [{"code": "P0002", "qty": -2}]})
    assert refused.status_code == 400 and refused.json()["detail"] == "请填写原因"
    unknown = dispatcher.post("/api/stock/documents", json={"kind": "issue", "reason": "x",
                                                           "lines": [{"code": "NOPE", "qty": 1}]})
    assert unknown.status_code == 400 and unknown.json()["detail"] == "没有备件 NOPE"
    wrong = dispatcher.post("/api/stock/documents", json={"kind": "gift", "lines": []})
    assert wrong.status_code == 422
    ledger = dispatcher.get("/api/stock/parts/P0002").json()
    assert [(x["kind"], x["qty"], x["stock_after"]) for x in ledger["ledger"]] == [("receipt", 10, 13)]
    assert dispatcher.get("/api/stock/parts/NOPE").status_code == 404


def test_the_reorder_list_exports_with_translated_headings_and_is_audited(web: Web) -> None:
    tid = _setup(web)
    web.deps.service.complete("li", tid, parts=[("P0002", 2)])  # 1 left, min 2
    lead = web.login("lead")
    listing = lead.get("/api/stock/reorder").json()
    assert [(g["supplier"], [(p["code"], p["order"]) for p in g["parts"]]) for g in listing] == [
        ("华东五金", [("P0002", 3)])]  # back to twice the minimum: 4 − 1
    xlsx = lead.get("/api/stock/reorder/export?fmt=xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("供应商", "联系人", "电话", "编码") and rows[1][3] == "P0002" and rows[1][10] == 3
    text = lead.get("/api/stock/reorder/export?fmt=csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][0] == "华东五金 (S01)"
    assert web.login("operator", client=web.new_client()).get("/api/stock/reorder/export").status_code == 403
    with web.deps.store.session() as s:
        assert s.scalars(select(AuditLog.entity_key).where(AuditLog.entity == "export")).all() == [
            "stock:reorder", "stock:reorder"]
    page = lead.get("/stock")
    assert "补货清单" in page.text and "/api/stock/reorder/export?fmt=xlsx" in page.text


def test_a_stock_file_uploads_as_a_receipt_or_lists_its_bad_rows(web: Web) -> None:
    _setup(web)
    admin = web.login("admin")
    bad = admin.post("/api/stock/import", files={"file": ("入库.csv", "编码,数量\nP0002,2\nP9,1\n".encode())},
                     data={"mode": "receipt"})
    assert bad.status_code == 200
    assert [(e["line"], e["reason"]) for e in bad.json()["errors"]] == [(3, "unknown part code 'P9'")]
    good = admin.post("/api/stock/import", files={"file": ("入库.csv", "编码,数量,单价\nP0002,2,45\n".encode())},
                      data={"mode": "receipt", "supplier_code": "S01"})
    assert good.json()["applied"] and good.json()["doc_id"]
    with web.deps.store.session() as s:
        assert s.scalar(select(SparePart.stock).where(SparePart.code == "P0002")) == 5
    junk = admin.post("/api/stock/import", files={"file": ("x.csv", b"\x00\x01\xff")})
    assert junk.status_code == 400 and "x.csv" in junk.json()["detail"]


def test_the_stores_and_cost_pages_speak_both_languages(web: Web) -> None:
    tid = _setup(web)
    web.deps.service.complete("li", tid, parts=[("P0002", 1)])
    zh = web.login("operator")
    for path in ("/stock", "/stock?tab=parts&low=true", "/stock?tab=documents", "/stock/parts/P0002",
                 "/stock/suppliers/S01", "/stats/cost?group_by=department_month"):
        assert zh.get(path).status_code == 200, path
    docs = zh.get("/stock?tab=documents").text
    assert "出库" in docs and ">issue<" not in docs
    en = web.login("manager", client=web.new_client())
    assert "Issue" in en.get("/stock?tab=documents").text
    cost = en.get("/stats/cost").text
    assert "Cost accounting" in cost and "Cardiology" not in cost and "心内科" in cost
    assert zh.get("/stock/parts/NOPE").status_code == 404
    xlsx = web.login("lead", client=web.new_client()).get("/api/stats/cost/export?fmt=xlsx&group_by=department")
    wb = load_workbook(io.BytesIO(xlsx.content))
    summary, detail = (list(ws.iter_rows(values_only=True)) for ws in wb.worksheets)
    assert summary[0][:3] == ("分组", "科室名称", "办结工单") and summary[1][:3] == ("D01", "心内科", 1)
    assert summary[-1][0] == "合计" and detail[1][0] == tid and detail[1][6] == "45.00"


def test_suppliers_documents_and_one_suppliers_reorder_list(web: Web) -> None:
    tid = _setup(web)
    web.deps.service.complete("li", tid, parts=[("P0002", 2)])  # 1 left, minimum 2: to order
    with web.deps.store.session() as s:
        s.add(Supplier(code="S02", name="申城电气", contact="", phone=""))
        s.add(SparePart(code="E01", name="开关", unit="个", stock=0, price=Decimal("6.00"), supplier_code="S02",
                        min_stock=1))
    zh = web.login("operator")
    page = zh.get("/stock?tab=suppliers").text
    assert "华东五金" in page and "申城电气" in page and 'href="/stock/suppliers/S02"' in page
    docs = zh.get("/stock?tab=documents").text
    assert f"工单 #{tid} 领用" in docs and f"ticket {tid}" not in docs
    doc_id = int(docs.split('href="/stock/documents/')[1].split('"')[0])
    one = zh.get(f"/stock/documents/{doc_id}")
    assert one.status_code == 200 and "水龙头" in one.text and f"工单 #{tid} 领用" in one.text
    en = web.login("manager", client=web.new_client())
    assert f"Used on ticket #{tid}" in en.get(f"/stock/documents/{doc_id}").text
    assert en.get("/stock/suppliers/NOPE").status_code == 404
    assert "没有供应商 NOPE" in zh.get("/stock/suppliers/NOPE").text
    assert zh.get("/stock/documents/99999").status_code == 404
    api = zh.get(f"/api/stock/documents/{doc_id}").json()
    assert api["line_count"] == 1 and api["lines"][0]["qty"] == -2
    supplier = zh.get("/stock/suppliers/S01").text
    assert "/api/stock/reorder/export?fmt=xlsx&supplier=S01" not in supplier  # operators do not export
    lead = web.login("lead", client=web.new_client())
    lead_page = lead.get("/stock/suppliers/S01").text
    assert "/api/stock/reorder/export?fmt=xlsx&supplier=S01" in lead_page
    rows = list(csv.reader(io.StringIO(lead.get("/api/stock/reorder/export?fmt=csv&supplier=S02")
                                       .content.decode("utf-8-sig"))))
    assert [r[3] for r in rows[1:]] == ["E01"]  # the part code column; S01's P0002 is not in it
    everything = list(csv.reader(io.StringIO(lead.get("/api/stock/reorder/export?fmt=csv")
                                             .content.decode("utf-8-sig"))))
    assert sorted(r[3] for r in everything[1:]) == ["E01", "P0002"]


def test_an_export_named_after_any_supplier_has_a_header_that_can_be_sent() -> None:
    from web.tables import attachment

    header = attachment("订货单-Ā\"x.csv")
    header.encode("latin-1")  # what a response header must be
    assert 'filename="' in header and "filename*=UTF-8''%E8%AE%A2" in header
    assert attachment("stock.csv").startswith('attachment; filename="stock.csv"')
