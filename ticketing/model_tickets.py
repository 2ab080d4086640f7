"""The tickets' tables: the ticket, its searchable text, workers, parts, calls and photos; the
audit log (also every ticket's timeline); the call records; the daily statistics rollup.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model_base import Base


class Ticket(Base):
    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_type: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10), default="normal")  # normal|urgent|critical
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="phone")
    location_code: Mapped[str] = mapped_column(String(16), default="")
    org_code: Mapped[str] = mapped_column(String(32), default="")
    reporter_name: Mapped[str] = mapped_column(String(50), default="")
    reporter_phone: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    operator: Mapped[str] = mapped_column(String(50), default="")  # first-contact owner
    assignee: Mapped[str] = mapped_column(String(32), default="")  # current lead worker code
    created_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    worker_accepted_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    called_back_at: Mapped[datetime | None]
    assessed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # cancelled or merged
    response_due: Mapped[datetime | None]
    completion_due: Mapped[datetime | None]
    response_s: Mapped[int | None] = mapped_column(Integer)  # created → worker accepted
    completion_s: Mapped[int | None] = mapped_column(Integer)  # created → done
    response_met: Mapped[bool | None] = mapped_column(Boolean)
    completion_met: Mapped[bool | None] = mapped_column(Boolean)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None]
    breach_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    satisfaction_comment: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")  # the lead's reasons (or old free text)
    assessment_grade: Mapped[str] = mapped_column(String(16), default="")  # config/assessment.toml
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_ticket_status", "status"),
        Index("ix_ticket_location_created", "location_code", "created_at"),
        Index("ix_ticket_reporter_created", "reporter_phone", "created_at"),
        # (a worker's open tickets are read through ``assignment``: migration 0004 dropped
        # the (assignee, status) index that every step rewrote and no query used)
        # Covers stats.summary (every column it reads): a period's figures come from this index
        # alone, never from the wide ticket rows. Leading with created_at, it is also the index
        # for periods and "newest first" (migration 0003 dropped the one-column twin).
        Index("ix_ticket_stats", "created_at", "status", "service_type", "org_code",
              "location_code", "assignee", "operator", "response_s", "completion_s",
              "response_met", "completion_met", "satisfaction", "done_at"),
    )


class TicketSearch(Base):
    """A ticket's searchable text (``ticketing.search``), in pieces: the first (``id`` =
    ticket × 1024) its description, reporter, place and department, then one per note, SMS
    reply or comment (× 1024 + 1, + 2…), written by the commands in their own transactions — a
    note adds a short row instead of rewriting the ticket's text and its index entries. SQLite
    indexes it with FTS5's trigram tokenizer (the virtual table ``ticket_fts`` and its
    triggers, made by migration 0009; since 0017 over the view ``ticket_fts_text``, each piece
    with a line end after it), PostgreSQL with a ``pg_trgm`` GIN index: neither is a model, as
    neither engine's index is the other's."""

    __tablename__ = "ticket_search"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    body: Mapped[str] = mapped_column(Text, default="")


class Assignment(Base):
    """A worker on a ticket. ``state``: offered → accepted → released | finished."""

    __tablename__ = "assignment"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    staff_code: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(12), default="offered")
    assigned_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    # booked when the work is done: the worker's time on it and its cost at the labour rate
    labour_s: Mapped[int | None] = mapped_column(Integer)
    labour_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))


class TicketPart(Base):
    """Spare parts used on a ticket (recorded on completion), valued at the unit cost of the
    day; ``backordered`` of ``qty`` were not on hand and are owed (``StockBackorder``)."""

    __tablename__ = "ticket_part"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    part_code: Mapped[str] = mapped_column(String(32))
    qty: Mapped[int] = mapped_column(Integer)
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    backordered: Mapped[int] = mapped_column(Integer, default=0)


class AuditLog(Base):
    """Append-only: who changed what, when, before → after. Never updated or deleted. A
    ticket's rows are also its timeline (``ticketing.views.timeline``)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))
    entity_key: Mapped[str] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_key"),)


class CallRecord(Base):
    """One inbound hotline call as the CTI listener saw it."""

    __tablename__ = "call_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), unique=True)
    linkedid: Mapped[str] = mapped_column(String(64), default="")
    caller_num: Mapped[str] = mapped_column(String(80), default="")
    caller_name: Mapped[str] = mapped_column(String(200), default="")
    service_type: Mapped[str] = mapped_column(String(20), default="")
    queue: Mapped[str] = mapped_column(String(50), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="")
    agent: Mapped[str] = mapped_column(String(80), default="")
    wait_s: Mapped[int | None] = mapped_column(Integer)
    talk_s: Mapped[int | None] = mapped_column(Integer)
    hangup_cause: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_call_record_started_at", "started_at"),
                      Index("ix_call_record_caller_num", "caller_num"))


class TicketCall(Base):
    __tablename__ = "ticket_call"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    uniqueid: Mapped[str] = mapped_column(String(64), index=True)
    __table_args__ = (UniqueConstraint("ticket_id", "uniqueid"),)



class DailyStat(Base):
    """Per day × service type × org counters, kept by every command.

    Lets the wallboard and the statistics pages answer over a year of tickets without scanning
    them. Sums allow means; the median/p90 come from the ticket rows of the period asked for.
    """

    __tablename__ = "daily_stat"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    service_type: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(32), default="")
    created: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    response_sum_s: Mapped[int] = mapped_column(BigInteger, default=0)
    response_n: Mapped[int] = mapped_column(Integer, default=0)
    completion_sum_s: Mapped[int] = mapped_column(BigInteger, default=0)
    completion_n: Mapped[int] = mapped_column(Integer, default=0)
    response_met: Mapped[int] = mapped_column(Integer, default=0)
    completion_met: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_sum: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("day", "service_type", "org_code"),)



class TicketPhoto(Base):
    """A photo of a ticket: the file (re-encoded, without EXIF) and its thumbnail live under the
    data directory, named by ``sha256``; the row says whose, when and of which stage."""

    __tablename__ = "ticket_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    stage: Mapped[str] = mapped_column(String(10))  # report | done
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)  # bytes of the stored file
    uploaded_by: Mapped[str] = mapped_column(String(50))
    uploaded_at: Mapped[datetime] = mapped_column(index=True)
    deleted_at: Mapped[datetime | None]
