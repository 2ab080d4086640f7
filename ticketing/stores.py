"""The stores as the desk reads them: parts with their stock, a part's ledger, the documents,
open low-stock alerts and back-orders, the reorder list by supplier, a supplier's parts, and
the parts used on a ticket with what they cost. Read side only: every change is a command
(``ticketing.commands.stock``). Lists are bounded and paged.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import Session

from ticketing.audit import jsonable
from ticketing.costing import CENT
from ticketing.model import (
    Assignment,
    SparePart,
    StockAlert,
    StockBackorder,
    StockDoc,
    StockLine,
    Supplier,
    TicketPart,
)


def _money(value: Any) -> str:
    return f"{Decimal(str(value or 0)).quantize(CENT)}"


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def part_row(p: SparePart, owed: int = 0) -> dict[str, Any]:
    return {"code": p.code, "name": p.name, "spec": p.spec, "unit": p.unit, "stock": p.stock,
            "min_stock": p.min_stock, "reorder_qty": p.reorder_qty, "price": _money(p.price),
            "supplier_code": p.supplier_code, "active": p.active, "backordered": owed,
            "low": p.min_stock > 0 and p.stock <= p.min_stock}


def owed(s: Session, codes: list[str] | None = None) -> dict[str, int]:
    """Per part, how many open back-orders owe."""
    stmt = (select(StockBackorder.part_code, func.sum(StockBackorder.qty))
            .where(StockBackorder.status == "open").group_by(StockBackorder.part_code))
    if codes is not None:
        stmt = stmt.where(StockBackorder.part_code.in_(codes))
    return {c: int(n) for c, n in s.execute(stmt)}


def parts(s: Session, q: str = "", low: bool = False, supplier: str = "", page: int = 1,
          per_page: int = 50) -> tuple[list[dict[str, Any]], int]:
    """Active parts by code (search by code, name or spec), one page; and how many match."""
    stmt = select(SparePart).where(SparePart.active.is_(True))
    if q:
        like = "%" + q.replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(or_(SparePart.code.like(like), SparePart.name.like(like), SparePart.spec.like(like)))
    if low:
        stmt = stmt.where(SparePart.min_stock > 0, SparePart.stock <= SparePart.min_stock)
    if supplier:
        stmt = stmt.where(SparePart.supplier_code == supplier)
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(s.scalars(stmt.order_by(SparePart.code).limit(per_page).offset((page - 1) * per_page)))
    debts = owed(s, [p.code for p in rows])
    return [part_row(p, debts.get(p.code, 0)) for p in rows], total


def part_ledger(s: Session, code: str, limit: int = 200) -> dict[str, Any] | None:
    """A part with its latest document lines (newest first) and alerts."""
    p = s.scalar(select(SparePart).where(SparePart.code == code))
    if p is None:
        return None
    lines = s.execute(select(StockLine, StockDoc).join(StockDoc, StockDoc.id == StockLine.doc_id)
                      .where(StockLine.part_code == code)
                      .order_by(StockDoc.at.desc(), StockLine.id.desc()).limit(limit)).all()
    alerts = s.scalars(select(StockAlert).where(StockAlert.part_code == code)
                       .order_by(StockAlert.id.desc()).limit(20))
    return {**part_row(p, owed(s, [code]).get(code, 0)),
            "supplier": supplier_name(s, p.supplier_code),
            "ledger": [{"doc": d.id, "kind": d.kind, "at": d.at.isoformat(), "actor": d.actor,
                        "reason": d.reason, "ticket_id": d.ticket_id, "qty": ln.qty,
                        "unit_cost": _money(ln.unit_cost), "stock_after": ln.stock_after}
                       for ln, d in lines],
            "alerts": [{"id": a.id, "status": a.status, "stock": a.stock, "min_stock": a.min_stock,
                        "raised_at": a.raised_at.isoformat(),
                        "cleared_at": a.cleared_at.isoformat() if a.cleared_at else None} for a in alerts]}


def supplier_name(s: Session, code: str) -> str:
    return (s.scalar(select(Supplier.name).where(Supplier.code == code)) or "") if code else ""


def document(s: Session, doc_id: int, page: int = 1, per_page: int | None = None) -> dict[str, Any] | None:
    """One stock document with its lines (all, or one page of ``per_page``) and its totals."""
    d = s.get(StockDoc, doc_id)
    if d is None:
        return None
    return _with_lines(s, [d], per_page, (page - 1) * (per_page or 0))[0]


def documents(s: Session, kind: str = "", page: int = 1, per_page: int = 30,
              ticket_id: int | None = None, max_lines: int | None = 5) -> tuple[list[dict[str, Any]], int]:
    """Stock documents, newest first, each with its first ``max_lines`` lines (None: all),
    its number of lines and its amount."""
    stmt = select(StockDoc)
    if kind:
        stmt = stmt.where(StockDoc.kind == kind)
    if ticket_id is not None:
        stmt = stmt.where(StockDoc.ticket_id == ticket_id)
    total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    docs = list(s.scalars(stmt.order_by(StockDoc.at.desc(), StockDoc.id.desc())
                          .limit(per_page).offset((page - 1) * per_page)))
    return _with_lines(s, docs, max_lines), total


def _with_lines(s: Session, docs: list[StockDoc], max_lines: int | None = None,
                skip: int = 0) -> list[dict[str, Any]]:
    """The documents with their lines (from ``skip``, at most ``max_lines`` each) and, over all
    their lines, how many there are and what they come to (quantity × unit cost, unsigned)."""
    ids = [d.id for d in docs]
    by_doc: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    sums: dict[int, tuple[int, Decimal]] = {}
    if ids:
        sums = {i: (int(n), _dec(a)) for i, n, a in s.execute(
            select(StockLine.doc_id, func.count(), func.sum(func.abs(StockLine.qty) * StockLine.unit_cost))
            .where(StockLine.doc_id.in_(ids)).group_by(StockLine.doc_id))}
        ranked = (select(StockLine.id, func.row_number().over(partition_by=StockLine.doc_id,
                                                              order_by=StockLine.id).label("n"))
                  .where(StockLine.doc_id.in_(ids)).subquery())
        stmt = (select(StockLine, SparePart.name, SparePart.spec, SparePart.unit)
                .join(ranked, ranked.c.id == StockLine.id)
                .outerjoin(SparePart, SparePart.code == StockLine.part_code)
                .where(ranked.c.n > skip).order_by(StockLine.id))
        if max_lines is not None:
            stmt = stmt.where(ranked.c.n <= skip + max_lines)
        for ln, name, spec, unit in s.execute(stmt):
            by_doc[ln.doc_id].append({"code": ln.part_code, "name": name or "", "spec": spec or "",
                                      "unit": unit or "", "qty": ln.qty, "unit_cost": _money(ln.unit_cost),
                                      "stock_after": ln.stock_after})
    return [{"id": d.id, "kind": d.kind, "at": d.at.isoformat(), "actor": d.actor, "reason": d.reason,
             "ticket_id": d.ticket_id, "supplier_code": d.supplier_code, "ref": d.ref,
             "lines": by_doc[d.id], "line_count": sums.get(d.id, (0, Decimal(0)))[0],
             "amount": _money(sums.get(d.id, (0, Decimal(0)))[1])}
            for d in docs]


def open_alerts(s: Session, limit: int = 100) -> list[dict[str, Any]]:
    """Parts with an open low-stock alert, oldest first, with their stock now."""
    rows = s.execute(select(StockAlert, SparePart).join(SparePart, SparePart.code == StockAlert.part_code)
                     .where(StockAlert.status == "open").order_by(StockAlert.raised_at).limit(limit)).all()
    return [{"id": a.id, "raised_at": a.raised_at.isoformat(), "notified": a.notified,
             **part_row(p)} for a, p in rows]


def backorders(s: Session, status: str = "open", limit: int = 200) -> list[dict[str, Any]]:
    rows = s.execute(select(StockBackorder, SparePart.name, SparePart.spec, SparePart.unit)
                     .outerjoin(SparePart, SparePart.code == StockBackorder.part_code)
                     .where(StockBackorder.status == status)
                     .order_by(StockBackorder.id.desc() if status != "open" else StockBackorder.id)
                     .limit(limit)).all()
    return [{"id": b.id, "ticket_id": b.ticket_id, "code": b.part_code, "name": n or "", "spec": sp or "",
             "unit": u or "", "qty": b.qty, "status": b.status, "created_at": b.created_at.isoformat(),
             "actor": b.actor, "note": b.note,
             "closed_at": b.closed_at.isoformat() if b.closed_at else None} for b, n, sp, u in rows]


@dataclass(frozen=True)
class Reorder:
    code: str
    name: str
    spec: str
    unit: str
    stock: int
    min_stock: int
    owed: int
    order: int
    price: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {**{k: jsonable(v) for k, v in self.__dict__.items()}, "price": _money(self.price),
                "amount": _money(self.price * self.order)}


def order_qty(stock: int, min_stock: int, reorder_qty: int, owed_qty: int) -> int:
    """How many to order: what back-orders owe plus, for a part at or below its minimum,
    enough to lift it above — in whole packs of ``reorder_qty`` when set, else back up to
    twice the minimum."""
    low = min_stock > 0 and stock <= min_stock
    if reorder_qty > 0:
        need = owed_qty + (min_stock - stock + 1 if low else 0)
        return reorder_qty * -(-need // reorder_qty) if need > 0 else 0
    return owed_qty + (2 * min_stock - stock if low else 0)


def reorder_list(s: Session, supplier: str | None = None) -> list[dict[str, Any]]:
    """Parts at or below their minimum or owed to back-orders, by supplier (name, contact,
    phone), each with the quantity to order and what it comes to at today's unit cost;
    ``supplier``: that supplier's only."""
    debts = owed(s)
    stmt = select(SparePart).where(
        SparePart.active.is_(True),
        or_((SparePart.min_stock > 0) & (SparePart.stock <= SparePart.min_stock),
            SparePart.code.in_(list(debts)) if debts else false()))
    if supplier is not None:
        stmt = stmt.where(SparePart.supplier_code == supplier)
    rows = s.scalars(stmt.order_by(SparePart.supplier_code, SparePart.code))
    suppliers = {x.code: x for x in s.scalars(select(Supplier))}
    groups: dict[str, dict[str, Any]] = {}
    for p in rows:
        n = order_qty(p.stock, p.min_stock, p.reorder_qty, debts.get(p.code, 0))
        if n <= 0:
            continue
        sup = suppliers.get(p.supplier_code)
        g = groups.setdefault(p.supplier_code, {
            "supplier_code": p.supplier_code, "supplier": sup.name if sup else "",
            "contact": sup.contact if sup else "", "phone": sup.phone if sup else "", "parts": [],
            "amount": Decimal(0)})
        item = Reorder(p.code, p.name, p.spec, p.unit, p.stock, p.min_stock, debts.get(p.code, 0), n,
                       Decimal(str(p.price or 0)).quantize(CENT))
        g["parts"].append(item.as_dict())
        g["amount"] += item.price * n
    return [{**g, "amount": _money(g["amount"])} for g in groups.values()]


def supplier_parts(s: Session, code: str, page: int = 1, per_page: int = 50) -> dict[str, Any] | None:
    """A supplier, one page of the active parts it supplies (``total``: how many) and what to
    order from it now (``reorder``: its group of the reorder list, or None)."""
    sup = s.scalar(select(Supplier).where(Supplier.code == code))
    if sup is None:
        return None
    rows, total = parts(s, supplier=code, page=page, per_page=per_page)
    return {"code": sup.code, "name": sup.name, "contact": sup.contact, "phone": sup.phone,
            "active": sup.active, "parts": rows, "total": total,
            "reorder": next(iter(reorder_list(s, code)), None)}


def suppliers(s: Session) -> list[dict[str, Any]]:
    """Every supplier with how many active parts it supplies and how many of those are low."""
    low = (SparePart.min_stock > 0) & (SparePart.stock <= SparePart.min_stock)
    counts = {c: (int(n), int(k or 0)) for c, n, k in s.execute(
        select(SparePart.supplier_code, func.count(), func.sum(case((low, 1), else_=0)))
        .where(SparePart.active.is_(True)).group_by(SparePart.supplier_code))}
    return [{"code": x.code, "name": x.name, "contact": x.contact, "phone": x.phone, "active": x.active,
             "parts": counts.get(x.code, (0, 0))[0], "low": counts.get(x.code, (0, 0))[1]}
            for x in s.scalars(select(Supplier).order_by(Supplier.active.desc(), Supplier.code))]


def ticket_costs(s: Session, ticket_id: int) -> dict[str, Any]:
    """The parts used on a ticket (names, quantities, back-ordered, unit cost, amount) and
    the labour booked (worker, time, cost), with the totals."""
    parts_rows = s.execute(select(TicketPart, SparePart.name, SparePart.spec, SparePart.unit)
                           .outerjoin(SparePart, SparePart.code == TicketPart.part_code)
                           .where(TicketPart.ticket_id == ticket_id).order_by(TicketPart.id)).all()
    parts_out = []
    parts_cost = Decimal(0)
    for tp, name, spec, unit in parts_rows:
        amount = (tp.unit_cost or Decimal(0)) * tp.qty
        parts_cost += amount
        parts_out.append({"code": tp.part_code, "name": name or "", "spec": spec or "", "unit": unit or "",
                          "qty": tp.qty, "backordered": tp.backordered,
                          "unit_cost": _money(tp.unit_cost), "amount": _money(amount)})
    labour = []
    labour_cost, labour_s = Decimal(0), 0
    for a in s.scalars(select(Assignment).where(Assignment.ticket_id == ticket_id,
                                                Assignment.labour_s.is_not(None)).order_by(Assignment.id)):
        labour_cost += a.labour_cost or Decimal(0)
        labour_s += a.labour_s or 0
        labour.append({"staff_code": a.staff_code, "seconds": a.labour_s, "cost": _money(a.labour_cost)})
    open_bo = s.scalar(select(func.coalesce(func.sum(StockBackorder.qty), 0)).where(
        StockBackorder.ticket_id == ticket_id, StockBackorder.status == "open")) or 0
    return {"parts": parts_out, "parts_cost": _money(parts_cost), "labour": labour,
            "labour_s": labour_s, "labour_cost": _money(labour_cost),
            "total": _money(parts_cost + labour_cost), "backordered_open": int(open_bo)}
