"""The telephony tables (on the same metadata as ``ticketing.model``): outbound calls — the
field worker's acknowledgement call, an outbox leased by the AMI part, and the desk's
click-to-call — the recordings of hotline calls, and the operators' queue time.

Imported by ``ticketing.model``; the schema changes only through Alembic revisions.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model import Base


class OutboundCall(Base):
    """A call OneStop places. ``kind``: ``ack`` — a worker who has not answered a work order
    is called (one per offer: ``assignment_id`` is unique), scheduled → claimed → dialing →
    answered → done, or cancelled when the order was answered first; ``desk`` — an operator's
    click-to-call (the operator's phone first, then ``number``), dialing → answered → done.
    ``outcome`` is what came of it (accepted, declined, no_key, no_answer, busy, congestion,
    rejected, failed, answered, unanswered, not_needed) and ``reason`` why, in words."""

    __tablename__ = "outbound_call"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # ack | desk
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    staff_code: Mapped[str] = mapped_column(String(32), default="")
    target: Mapped[str] = mapped_column(String(10), default="worker")  # worker | reporter
    number: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(50), default="")
    extension: Mapped[str] = mapped_column(String(20), default="")  # the operator's phone (desk)
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    outcome: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    action_id: Mapped[str] = mapped_column(String(40), default="", index=True)
    uniqueid: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    talk_s: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_outbound_call_status_due", "status", "due_at"),)


class CallRecording(Base):
    """A hotline call's recording (MixMonitor's file), linked to its call by uniqueid and so
    to the tickets the call is linked to. ``file`` is the name in the recordings folder (never a
    path: the file is looked up there); ``deleted_at`` when the retention sweep removed it."""

    __tablename__ = "call_recording"
    id: Mapped[int] = mapped_column(primary_key=True)
    uniqueid: Mapped[str] = mapped_column(String(64), unique=True)
    file: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(String(255), default="")  # as Asterisk named it
    call_started_at: Mapped[datetime]
    created_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_call_recording_started", "call_started_at"),)


class OperatorActivity(Base):
    """An interval of an operator's queue time: ``talk`` (a hotline call), ``wrapup`` (after
    it) or ``pause`` (with its reason), from the AMI events; the statistics sum them."""

    __tablename__ = "operator_activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    member: Mapped[str] = mapped_column(String(80))  # the queue member name
    login: Mapped[str] = mapped_column(String(50), default="")
    kind: Mapped[str] = mapped_column(String(10))  # talk | wrapup | pause
    reason: Mapped[str] = mapped_column(String(40), default="")
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    seconds: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_operator_activity_started", "started_at"),
                      Index("ix_operator_activity_member_started", "member", "started_at"))
