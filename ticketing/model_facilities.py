"""The store's tables for facilities work: the equipment register (设备档案), maintenance plans
(保养计划) and the tickets they made, outage notices (停水停电告知) with their recipients, and
webhook subscriptions with their deliveries and the feed's cursor.

Part of the schema of ``ticketing.model`` (the same ``Base``; ``ticketing.model`` imports this
module), kept apart so that each capability reads in one sitting.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model_base import Base

# --- the equipment register and maintenance plans ----------------------------------------


class Equipment(Base):
    """One piece of equipment (设备档案): where it stands, who supplied it, what state it is in.
    Master data: imported and edited like locations (``ticketing.masterdata`` kind ``equipment``)."""

    __tablename__ = "equipment"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(50), default="", index=True)  # 空调, 电梯, 供氧…
    location_code: Mapped[str] = mapped_column(String(16), default="", index=True)
    supplier_code: Mapped[str] = mapped_column(String(32), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    serial: Mapped[str] = mapped_column(String(100), default="")
    installed: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="in_use")  # in_use|standby|repair|scrapped
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MaintenancePlan(Base):
    """A plan (保养计划 / 巡检计划) that makes a ticket on each due date: for one piece of
    equipment, or for a location (and a type of equipment there). ``unit`` day|week|month with
    ``every`` N, or ``dates``: a list of ``YYYY-MM-DD`` or yearly ``MM-DD`` dates."""

    __tablename__ = "maintenance_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="maintenance")  # maintenance|inspection
    equipment_code: Mapped[str] = mapped_column(String(32), default="", index=True)
    location_code: Mapped[str] = mapped_column(String(16), default="")
    equipment_type: Mapped[str] = mapped_column(String(50), default="")
    service_type: Mapped[str] = mapped_column(String(20), default="maintenance")
    skill: Mapped[str] = mapped_column(String(20), default="")
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    staff_code: Mapped[str] = mapped_column(String(32), default="")  # dispatched to at once, if set
    unit: Mapped[str] = mapped_column(String(8), default="month")  # day|week|month|dates
    every: Mapped[int] = mapped_column(Integer, default=1)
    dates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # the first due date the plan makes a ticket for: its creation, or its latest re-activation
    # or change of schedule (dates before it are never caught up)
    active_from: Mapped[date] = mapped_column(Date)
    lead_days: Mapped[int] = mapped_column(Integer, default=0)  # the ticket comes this early
    grace_days: Mapped[int] = mapped_column(Integer, default=0)  # done by the due date's end + this
    checklist: Mapped[list[Any]] = mapped_column(JSON, default=list)  # item texts of a round
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)


class MaintenanceRun(Base):
    """The one ticket of a plan's due date. The unique (plan, due date) is what makes a due
    date's ticket exactly one, whatever number of sweepers run, restart or race: the second
    insert does nothing, in the same transaction that would have made the ticket. It keeps the
    checklist as the plan had it that day and, once the round is recorded, each item's result
    (``{"ok": bool | None, "note": str, "repair_ticket": int | None}``)."""

    __tablename__ = "maintenance_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("maintenance_plan.id"))
    due_date: Mapped[date] = mapped_column(Date)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    created_at: Mapped[datetime]
    checklist: Mapped[list[Any]] = mapped_column(JSON, default=list)
    results: Mapped[list[Any]] = mapped_column(JSON, default=list)
    checked_by: Mapped[str] = mapped_column(String(50), default="")
    checked_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("plan_id", "due_date"),)


# --- outage notices ----------------------------------------------------------------------


class OutageNotice(Base):
    """A planned cut of water, power, gas or network (停水停电告知) for buildings, floors or
    departments over a time window; its SMS go out ``send_at`` (the window's start less the
    lead time). ``scope``: ``{"buildings": [...], "floors": [{"building", "floor"}],
    "departments": [...]}``."""

    __tablename__ = "outage_notice"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # water|power|gas|network|other
    text: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    send_at: Mapped[datetime]
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="scheduled")  # scheduled|cancelled
    created_by: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_outage_notice_starts_at", "starts_at"),)


class NoticeRecipient(Base):
    """One contact of one affected department, and the SMS that tells them (one SMS per number
    and notice: a person who is the contact of two departments gets it once, both rows point at
    it). A department without a contact has one row with no number and no SMS."""

    __tablename__ = "notice_recipient"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("outage_notice.id"), index=True)
    org_code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50), default="")
    number: Mapped[str] = mapped_column(String(20), default="")
    staff_code: Mapped[str] = mapped_column(String(32), default="")
    sms_id: Mapped[int | None] = mapped_column(ForeignKey("sms_outbox.id"), index=True)

    __table_args__ = (UniqueConstraint("notice_id", "org_code", "number"),)


# --- webhooks ----------------------------------------------------------------------------


class WebhookSubscription(Base):
    """Where a hospital system (HIS, a chat bot) wants events sent, signed with ``secret``."""

    __tablename__ = "webhook_subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # caller numbers in call events as they are (the HIS matches patients by them); else masked
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # how a delivery is written: the signed JSON (generic) or a chat bot's message (hooks/chat.py)
    format: Mapped[str] = mapped_column(String(20), default="generic", server_default="generic")
    language: Mapped[str] = mapped_column(String(8), default="zh-CN", server_default="zh-CN")  # a chat message's


class WebhookDelivery(Base):
    """One event for one subscription: an outbox row, leased by the sender like an SMS. Its id
    is the delivery id the receiver sees (the same on every retry). ``event_key`` names the
    event's source (``audit:<id>``, ``call:<uniqueid>:<outcome>``), unique per subscription."""

    __tablename__ = "webhook_delivery"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id"))
    event: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued|sending|retry|delivered|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    worker: Mapped[str] = mapped_column(String(120), default="")
    status_code: Mapped[int | None] = mapped_column(Integer)  # the last attempt's HTTP status
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("subscription_id", "event_key"),
                      Index("ix_webhook_delivery_status_due", "status", "due_at"),
                      Index("ix_webhook_delivery_subscription_id", "subscription_id", "id"))


class FeedCursor(Base):
    """How far a feed reader has read an append-only source (the audit log, the call log)."""

    __tablename__ = "feed_cursor"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]
