"""The stores (库房): stock documents, the parts a completion uses, back-orders, low stock.

Every change to a part's stock is a document (``stock_doc``: receipt 入库, issue 出库, return
退库, adjustment 盘点调整; who, when, why) whose lines (``stock_line``) change the stock on hand
in the same transaction, each with its audit rows. Stock never goes below zero: a document
that would take more than is on hand is refused whole, naming the part. A completion
(``use_parts``, called by ``dispatch.complete`` — the one place parts used on a ticket are
recorded, from the desk, the API, the worker's SMS or phone page) that used more than is on
hand is refused the same way, unless the caller records the missing parts as a back-order:
then what is on hand is issued to the ticket and the rest is an open back-order, which the
next receipt of that part fills (an issue to the ticket) or the storekeeper cancels.

A part at or below its minimum (``spare_part.min_stock``) raises one low-stock alert — an
SMS to every storekeeper (``staff.role = storekeeper``) and an open item on the desk and the
board — which stays until stock is above the minimum again: one alert per crossing, not one
per issue below it. Parts are read FOR UPDATE in code order, so two completions racing for
the last part are one after the other, and the second is refused.

Receipts value the stock at the moving average of what was paid (``spare_part.price``);
issues, returns and adjustments at that average.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ticketing.audit import audit
from ticketing.commands.base import (
    BACKORDER,
    SPARE_PART,
    STAFF,
    STOCK_ALERT,
    STOCK_DOC,
    STOCK_LINE,
    TICKET_PART,
    CommandContext,
    TicketError,
)
from ticketing.commands.outbound import queue_sms
from ticketing.commands.rows import load
from ticketing.costing import CENT
from ticketing.tx import Record, Tx

DOC_KINDS = ("receipt", "issue", "return", "adjustment")
MAX_LINES = 500
MAX_QTY = 1_000_000
MAX_COST = Decimal("10000000")


@dataclass(frozen=True)
class StockLineIn:
    """A document's line as given: ``qty`` taken in or out (an adjustment's is signed: the
    change counted), ``unit_cost`` what a receipt paid (else the part's cost)."""

    part_code: str
    qty: int
    unit_cost: Decimal | None = None


# --- documents -----------------------------------------------------------------------------


def post_document(ctx: CommandContext, tx: Tx, actor: str, kind: str, lines: Sequence[StockLineIn],
                  reason: str = "", ticket_id: int | None = None, supplier_code: str = "",
                  ref: str = "") -> Record:
    """A receipt, issue, return or adjustment: checked whole, booked whole, audited."""
    if kind not in DOC_KINDS:
        raise TicketError(f"a stock document is one of {', '.join(DOC_KINDS)}, not {kind!r}")
    reason, ref = _text(reason, 500, "reason"), _text(ref, 50, "reference")
    if kind in ("adjustment", "return") and not reason.strip():
        raise TicketError(f"a stock {kind} needs the reason (why the count differs, why it came back)",
                          "stock_err_reason", kind=kind)
    if kind == "issue" and ticket_id is not None:
        raise TicketError("parts used on a ticket are recorded when it is completed, with the ticket")
    if kind == "issue" and not reason.strip():
        raise TicketError("an issue without a ticket needs the reason (who took the parts, what for)",
                          "stock_err_reason", kind=kind)
    checked = _checked_lines(kind, lines)
    if supplier_code:
        if kind != "receipt":
            raise TicketError("only a receipt names a supplier")
        if tx.one("SELECT id FROM supplier WHERE code = ? AND active = ?", (supplier_code, True)) is None:
            raise TicketError(f"unknown supplier {supplier_code!r}")
    returned = _returnable(tx, ticket_id) if ticket_id is not None else None
    if ticket_id is not None:
        if kind != "return":
            raise TicketError("only a return names the ticket its parts come back from")
        load(tx, ticket_id, lock=True)
    parts = lock_parts(tx, [c for c, _q, _u in checked])
    booked: list[tuple[Record, int, Decimal | None]] = []
    for code, qty, cost in checked:
        part = parts[code]
        if not part.active and kind != "adjustment":
            raise TicketError(f"part {code} is inactive; reactivate it or adjust it to zero")
        delta = -qty if kind == "issue" else qty
        if returned is not None and qty > returned.get(code, 0):
            raise TicketError(f"ticket {ticket_id} used {returned.get(code, 0)} of part {code}; "
                              f"{qty} cannot come back from it")
        booked.append((part, delta, cost))
    doc = book(ctx, tx, actor, kind, booked, reason, ticket_id, supplier_code, ref)
    if returned is not None:  # the ticket used fewer: its parts (and cost) net out
        for part, delta, _cost in booked:
            tx.insert(TICKET_PART, {"ticket_id": ticket_id, "part_code": part.code, "qty": -delta,
                                    "unit_cost": _price(part), "backordered": 0})
    for part, delta, _cost in booked:
        if delta > 0:
            fill_backorders(ctx, tx, actor, part)
    check_levels(ctx, tx, [p for p, _d, _c in booked])
    return doc


def book(ctx: CommandContext, tx: Tx, actor: str, kind: str,
         lines: Sequence[tuple[Record, int, Decimal | None]], reason: str,
         ticket_id: int | None = None, supplier_code: str = "", ref: str = "") -> Record:
    """Write a document and its lines and move the (locked) parts' stock; refused whole if
    a part would go below zero. ``lines``: (part, change, what a receipt paid or None)."""
    now = tx.now
    doc = tx.create(STOCK_DOC, {"kind": kind, "ticket_id": ticket_id, "supplier_code": supplier_code,
                                "ref": ref, "reason": reason, "actor": actor[:50], "at": now})
    written = []
    for part, delta, paid in lines:
        before, after = part.stock, part.stock + delta
        if after < 0:
            raise shortage(part, -delta)
        cost = _price(part)
        if kind == "receipt" and paid is not None:
            cost = paid
            # the moving average of what the stock on hand cost
            part.price = (((before * _price(part) + delta * paid) / after) if before > 0 else paid).quantize(CENT)
        part.stock = after
        tx.insert(STOCK_LINE, {"doc_id": doc.id, "part_code": part.code, "qty": delta,
                               "unit_cost": cost, "stock_after": after})
        audit(tx, now, actor, "spare_part", part.code, f"stock_{kind}", {"stock": before},
              {"stock": after, "doc": doc.id})
        written.append({"part": part.code, "qty": delta, "unit_cost": str(cost), "stock_after": after})
    audit(tx, now, actor, "stock_doc", doc.id, kind, None,
          {"lines": written, "reason": reason, "ticket_id": ticket_id, "supplier": supplier_code,
           "ref": ref})
    return doc


def shortage(part: Record, asked: int) -> TicketError:
    return TicketError(
        f"part {part.code} ({part.name} {part.spec}): {max(part.stock, 0)} {part.unit} on hand, "
        f"{asked} asked; correct the quantity, receive stock first, or record a back-order",
        "stock_err_short", code=part.code, name=f"{part.name} {part.spec}".strip(),
        on_hand=max(part.stock, 0), asked=asked, unit=part.unit)


def lock_parts(tx: Tx, codes: Iterable[str]) -> dict[str, Record]:
    """The parts, read FOR UPDATE in code order (two commands never wait on each other in a
    circle); an unknown code is refused."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = tx.records(SPARE_PART, f"code IN ({', '.join('?' * len(wanted))}) ORDER BY code", wanted, lock=True)
    found = {r.code: r for r in rows}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise TicketError(f"unknown spare part {', '.join(missing)}", "stock_err_unknown",
                          code=", ".join(missing))
    return found


# --- the parts a completion used -----------------------------------------------------------


def use_parts(ctx: CommandContext, tx: Tx, actor: str, t: Record, parts: Iterable[tuple[str, int]],
              backorder: bool) -> None:
    """Record the parts used on ``t``: one issue to the ticket of what is on hand; what is not
    is refused, or with ``backorder`` an open back-order each."""
    wanted: dict[str, int] = {}
    for code, qty in parts:
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty <= MAX_QTY:
            raise TicketError(f"part {code}: quantity must be a whole number 1..{MAX_QTY}")
        if not isinstance(code, str) or not code.strip():
            raise TicketError("a part used needs its code")
        wanted[code.strip()] = wanted.get(code.strip(), 0) + qty
    if not wanted:
        return
    locked = lock_parts(tx, wanted)
    issue: list[tuple[Record, int, Decimal | None]] = []
    short: dict[str, int] = {}
    for code, qty in wanted.items():
        part = locked[code]
        on_hand = max(part.stock, 0)
        if qty > on_hand and not backorder:
            raise shortage(part, qty)
        take = min(qty, on_hand)
        if take:
            issue.append((part, -take, None))
        if qty > take:
            short[code] = qty - take
        tx.insert(TICKET_PART, {"ticket_id": t.id, "part_code": code, "qty": qty,
                                "unit_cost": _price(part), "backordered": qty - take})
    if issue:
        book(ctx, tx, actor, "issue", issue, f"ticket {t.id}", ticket_id=t.id)
    for code, qty in short.items():
        bo = tx.create(BACKORDER, {"ticket_id": t.id, "part_code": code, "qty": qty, "status": "open",
                                   "created_at": tx.now, "actor": actor[:50], "note": ""})
        audit(tx, tx.now, actor, "stock_backorder", bo.id, "open", None,
              {"ticket_id": t.id, "part": code, "qty": qty})
    check_levels(ctx, tx, [locked[c] for c in wanted])


# --- back-orders ---------------------------------------------------------------------------


def fill_backorders(ctx: CommandContext, tx: Tx, actor: str, part: Record) -> list[int]:
    """Issue what is now on hand to the part's open back-orders, oldest first (a back-order
    bigger than the stock is filled in part and stays open for the rest)."""
    filled = []
    for bo in tx.records(BACKORDER, "part_code = ? AND status = 'open' ORDER BY id", (part.code,), lock=True):
        take = min(bo.qty, part.stock)
        if take <= 0:
            break
        doc = book(ctx, tx, actor, "issue", [(part, -take, None)],
                   f"back-order {bo.id} of ticket {bo.ticket_id}", ticket_id=bo.ticket_id)
        before = {"qty": bo.qty, "status": bo.status}
        bo.qty -= take
        if bo.qty == 0:
            bo.status, bo.closed_at, bo.doc_id = "filled", tx.now, doc.id
        audit(tx, tx.now, actor, "stock_backorder", bo.id, "fill", before,
              {"qty": bo.qty, "status": bo.status, "issued": take, "doc": doc.id})
        filled.append(bo.id)
    return filled


def cancel_backorder(ctx: CommandContext, tx: Tx, actor: str, backorder_id: int, reason: str) -> Record:
    """The part was got otherwise (bought by the worker, lent by another store): nothing owed."""
    bo = tx.get(BACKORDER, backorder_id, lock=True)
    if bo is None:
        raise TicketError(f"no back-order {backorder_id}")
    if bo.status != "open":
        raise TicketError(f"back-order {backorder_id} is already {bo.status}")
    if not reason.strip():
        raise TicketError("cancelling a back-order needs the reason", "stock_err_reason", kind="backorder")
    before = {"status": bo.status}
    bo.status, bo.closed_at, bo.note = "cancelled", tx.now, reason[:500]
    audit(tx, tx.now, actor, "stock_backorder", bo.id, "cancel", before,
          {"status": bo.status, "note": bo.note})
    return bo


# --- low stock -----------------------------------------------------------------------------


def check_levels(ctx: CommandContext, tx: Tx, parts: Iterable[Record]) -> None:
    """Raise a part's low-stock alert when it is at or below its minimum without one; clear
    it when the stock is above the minimum again."""
    seen = set()
    for part in parts:
        if part.code in seen:
            continue
        seen.add(part.code)
        alert = tx.record(STOCK_ALERT, "part_code = ? AND status = 'open'", (part.code,))
        low = part.min_stock > 0 and part.stock <= part.min_stock
        if low and alert is None:
            _raise_alert(ctx, tx, part)
        elif not low and alert is not None:
            alert.status, alert.cleared_at = "cleared", tx.now
            audit(tx, tx.now, "system", "stock_alert", alert.id, "clear", {"status": "open"},
                  {"status": "cleared", "stock": part.stock})


def _raise_alert(ctx: CommandContext, tx: Tx, part: Record) -> None:
    keepers = tx.records(STAFF, "role = ? AND active = ? AND phone <> '' ORDER BY code", ("storekeeper", True))
    supplier = tx.one("SELECT name, phone FROM supplier WHERE code = ?", (part.supplier_code,)) \
        if part.supplier_code else None
    alert = tx.create(STOCK_ALERT, {"part_code": part.code, "status": "open", "stock": part.stock,
                                    "min_stock": part.min_stock, "raised_at": tx.now,
                                    "notified": len(keepers)})
    data = {"part_code": part.code, "part_name": part.name, "spec": part.spec, "unit": part.unit,
            "stock": part.stock, "min_stock": part.min_stock,
            "supplier": supplier[0] if supplier else "", "supplier_phone": supplier[1] if supplier else ""}
    for keeper in keepers:
        queue_sms(ctx, tx, None, keeper, "low_stock", data)
    audit(tx, tx.now, "system", "stock_alert", alert.id, "raise", None,
          {"part": part.code, "stock": part.stock, "min_stock": part.min_stock,
           "note": ", ".join(k.code for k in keepers) or "no storekeeper on file"})


# --- checks --------------------------------------------------------------------------------


def _checked_lines(kind: str, lines: Sequence[StockLineIn]) -> list[tuple[str, int, Decimal | None]]:
    if not lines:
        raise TicketError("a stock document needs at least one line")
    if len(lines) > MAX_LINES:
        raise TicketError(f"at most {MAX_LINES} lines in one document")
    out: list[tuple[str, int, Decimal | None]] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, 1):
        code = line.part_code.strip() if isinstance(line.part_code, str) else ""
        if not code:
            raise TicketError(f"line {n}: needs a part code")
        if code in seen:
            raise TicketError(f"line {n}: part {code} is on the document twice; one line per part")
        seen.add(code)
        qty = line.qty
        signed = kind == "adjustment"
        if isinstance(qty, bool) or not isinstance(qty, int) or not (
                0 < abs(qty) <= MAX_QTY if signed else 0 < qty <= MAX_QTY):
            what = "a whole number other than 0 (+ found, − missing)" if signed else f"a whole number 1..{MAX_QTY}"
            raise TicketError(f"line {n} ({code}): quantity must be {what}")
        out.append((code, qty, _cost(n, code, line.unit_cost) if kind == "receipt" else None))
    return out


def _cost(n: int, code: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        cost = Decimal(str(value))
    except InvalidOperation:
        raise TicketError(f"line {n} ({code}): unit cost {value!r} is not a number") from None
    if not cost.is_finite() or cost < 0 or cost >= MAX_COST or cost != cost.quantize(CENT):
        raise TicketError(f"line {n} ({code}): unit cost must be 0..{MAX_COST} with at most 2 decimals")
    return cost


def _text(value: str, limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise TicketError(f"the {what} must be text of at most {limit} characters")
    return value.strip()


def _price(part: Record) -> Decimal:
    return part.price if isinstance(part.price, Decimal) else Decimal(str(part.price or 0)).quantize(CENT)


def _returnable(tx: Tx, ticket_id: int) -> dict[str, int]:
    """Per part, how many the stores issued to the ticket, net of what came back already."""
    return {code: -int(n) for code, n in tx.all(
        "SELECT stock_line.part_code, SUM(stock_line.qty) FROM stock_line"
        " JOIN stock_doc ON stock_doc.id = stock_line.doc_id"
        " WHERE stock_doc.ticket_id = ? GROUP BY stock_line.part_code", (ticket_id,))}
