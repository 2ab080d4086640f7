"""The stores' tables (the stock ledger: documents, lines, back-orders, low-stock alerts) and
the kitchen's (the production summary made once per meal and day).

Registered with ``ticketing.model.Base`` (which imports this module at its end); the schema
changes only through Alembic revisions in ``migrations/``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model import Base

# --- stores: the stock ledger --------------------------------------------------------------

class StockDoc(Base):
    """A stock document: a receipt (入库), an issue (出库, to a ticket or not), a return (退库)
    or an adjustment (盘点调整), with who, when and why. Its lines change the parts' stock in
    the same transaction (``ticketing.commands.stock``); documents are never changed."""

    __tablename__ = "stock_doc"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # receipt|issue|return|adjustment
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    supplier_code: Mapped[str] = mapped_column(String(32), default="")
    ref: Mapped[str] = mapped_column(String(50), default="")  # delivery note, invoice…
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(index=True)


class StockLine(Base):
    """One part on a document: ``qty`` is the change to the stock on hand (negative for issues),
    valued at ``unit_cost``; ``stock_after`` is the part's stock once the line was booked."""

    __tablename__ = "stock_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("stock_doc.id"), index=True)
    part_code: Mapped[str] = mapped_column(String(32), index=True)
    qty: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    stock_after: Mapped[int] = mapped_column(Integer)


class StockBackorder(Base):
    """Parts a completion used beyond the stock on hand, recorded explicitly: an open item
    until a receipt of the part fills it (an issue to the ticket) or it is cancelled."""

    __tablename__ = "stock_backorder"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    part_code: Mapped[str] = mapped_column(String(32), index=True)
    qty: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|filled|cancelled
    created_at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(50))
    closed_at: Mapped[datetime | None]
    doc_id: Mapped[int | None] = mapped_column(Integer)  # the issue that filled it
    note: Mapped[str] = mapped_column(Text, default="")


class StockAlert(Base):
    """A part at or below its minimum: raised once when its stock gets there (SMS to the
    storekeepers), cleared when a receipt lifts it above."""

    __tablename__ = "stock_alert"
    id: Mapped[int] = mapped_column(primary_key=True)
    part_code: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open|cleared
    stock: Mapped[int] = mapped_column(Integer)
    min_stock: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime]
    cleared_at: Mapped[datetime | None]
    notified: Mapped[int] = mapped_column(Integer, default=0)  # storekeepers sent an SMS


# --- the kitchen's day ---------------------------------------------------------------------

class KitchenRun(Base):
    """A meal's production summary (备餐单), made once at the meal's cut-off: the unique
    (menu_date, meal) is what keeps it once across restarts and several processes."""

    __tablename__ = "kitchen_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    menu_date: Mapped[date] = mapped_column(Date)
    meal: Mapped[str] = mapped_column(String(10))
    cutoff_at: Mapped[datetime]
    created_at: Mapped[datetime]
    print_job_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("menu_date", "meal"),)
