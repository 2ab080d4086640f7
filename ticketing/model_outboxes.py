"""The outboxes' tables — SMS to send, slips to print, satisfaction calls to make: leased rows
written in the transaction of the command that caused them (``ticketing.outbox``) — with the
SMS inbox and the printers' last status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model_base import Base


class SmsOut(Base):
    """An SMS to send. Written in the same transaction as the command that caused it."""

    __tablename__ = "sms_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    staff_code: Mapped[str] = mapped_column(String(32), default="")
    number: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="order")  # order|confirm|explain|escalation
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    modem: Mapped[str] = mapped_column(String(32), default="")
    references: Mapped[list[Any]] = mapped_column(JSON, default=list)  # one per part
    parts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_sms_outbox_status_due", "status", "due_at"),)


class SmsIn(Base):
    """Every SMS received, acted on or not, with the reason."""

    __tablename__ = "sms_inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    modem: Mapped[str] = mapped_column(String(32), default="")
    number: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    ticket_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(12), default="")
    outcome: Mapped[str] = mapped_column(String(12))  # acted|rejected|ignored
    reason: Mapped[str] = mapped_column(Text, default="")
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)


class PrintJob(Base):
    __tablename__ = "print_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    printer: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(10), default="slip")  # slip|kitchen
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    printed_at: Mapped[datetime | None]
    # the printer worker holding the lease ("desk@host"): a restarted process takes its own back
    worker: Mapped[str] = mapped_column(String(120), default="", server_default="")
    sent_at: Mapped[datetime | None]  # the last attempt started sending; None: refused or none
    # claimed again while an attempt was unconfirmed: prints marked 补打 / REPRINT
    reprint: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (Index("ix_print_job_status_due", "status", "due_at"),)


class PrinterState(Base):
    __tablename__ = "printer_state"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime]


class SurveyCall(Base):
    """A satisfaction call-back: scheduled → calling → done | retry | manual."""

    __tablename__ = "survey_call"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    number: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    action_id: Mapped[str] = mapped_column(String(40), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[datetime]

    __table_args__ = (Index("ix_survey_call_status_due", "status", "due_at"),)
