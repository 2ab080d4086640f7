"""The ticket store's tables (SQLAlchemy 2, typed declarative).

The schema changes only through Alembic revisions in ``migrations/``; this module is what they
are checked against.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps are stored as UTC and always come back tz-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


# --- master data -------------------------------------------------------------------------

class OrgUnit(Base):
    __tablename__ = "org_unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(20), default="department")  # department|ward|team|office
    parent_code: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Location(Base):
    __tablename__ = "location"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # keyable digits, e.g. 10305
    campus: Mapped[str] = mapped_column(String(50))
    building: Mapped[str] = mapped_column(String(50))
    floor: Mapped[str] = mapped_column(String(10))
    room: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), default="")
    org_code: Mapped[str] = mapped_column(String(32), default="", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    org_code: Mapped[str] = mapped_column(String(32), default="")
    role: Mapped[str] = mapped_column(String(20), default="worker")  # worker|lead|operator|clerk|manager|ward_head
    team: Mapped[str] = mapped_column(String(32), default="", index=True)
    skills: Mapped[str] = mapped_column(String(200), default="")  # comma-separated service types
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)  # normalised mobile
    shift: Mapped[str] = mapped_column(String(20), default="day")  # day|night|all
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    grade: Mapped[str] = mapped_column(String(20), default="")  # labour rate grade (config/labour_rates.toml)

    def skill_set(self) -> set[str]:
        return {s.strip() for s in self.skills.split(",") if s.strip()}


class PhoneEntry(Base):
    """Phone directory: an extension or number → person, department, usual location."""

    __tablename__ = "phone_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    person: Mapped[str] = mapped_column(String(50), default="")
    staff_code: Mapped[str] = mapped_column(String(32), default="")
    org_code: Mapped[str] = mapped_column(String(32), default="")
    location_code: Mapped[str] = mapped_column(String(16), default="")
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class SparePart(Base):
    __tablename__ = "spare_part"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    spec: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(10), default="")
    # on hand: changed only by stock documents (``ticketing.commands.stock``), in step with
    # their lines in the same transaction
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # the unit cost: the moving average of what receipts paid (issues are valued at it)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    supplier_code: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    min_stock: Mapped[int] = mapped_column(Integer, default=0)  # at or below: low-stock alert; 0: none
    reorder_qty: Mapped[int] = mapped_column(Integer, default=0)  # the usual order; 0: up to twice min_stock


class Supplier(Base):
    __tablename__ = "supplier"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    contact: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MenuItem(Base):
    __tablename__ = "menu_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    menu_date: Mapped[date] = mapped_column(Date, index=True)
    meal: Mapped[str] = mapped_column(String(10))  # breakfast|lunch|dinner
    diet: Mapped[str] = mapped_column(String(20), default="regular")  # regular|diabetic|liquid|...
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    cutoff: Mapped[str] = mapped_column(String(5), default="")  # HH:MM the order closes
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --- tickets -----------------------------------------------------------------------------

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
    triggers, made by migration 0009), PostgreSQL with a ``pg_trgm`` GIN index: neither is a
    model, as neither engine's index is the other's."""

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


# --- outboxes ----------------------------------------------------------------------------

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


# --- people who log in -------------------------------------------------------------------

class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(16))  # operator|dispatcher|lead|manager|admin|viewer
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="zh-CN")
    staff_code: Mapped[str] = mapped_column(String(32), default="")
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


# --- statistics rollup -------------------------------------------------------------------

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


# --- the desk's log-in sessions, log-in throttling, idempotent requests (web) --------------

class WebSession(Base):
    """One log-in: the cookie names it (by a random token whose SHA-256 is kept here, never
    the token), every request and every open event stream checks it, log-out ends it."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)  # absolute: a log-in lasts no longer
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str] = mapped_column(String(50), default="")
    end_reason: Mapped[str] = mapped_column(String(30), default="")  # logout|everywhere|admin|…
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class LoginThrottle(Base):
    """Failed log-ins counted per client address, per name and per (address, name), known
    names and unknown alike; ``blocked_until`` is the back-off before the next attempt."""

    __tablename__ = "login_throttle"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # addr:…, name:…, pair:…|…
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime] = mapped_column(index=True)
    blocked_until: Mapped[datetime | None]


class IdempotencyKey(Base):
    """A state-changing request sent with an ``Idempotency-Key``: written in the same
    transaction as the command it ran, so a retry finds it and gets the first answer."""

    __tablename__ = "idempotency_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100))
    route: Mapped[str] = mapped_column(String(200))  # "POST /api/tickets"
    request_hash: Mapped[str] = mapped_column(String(64))
    result_id: Mapped[int | None] = mapped_column(Integer)  # the ticket it made or acted on
    status: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[Any | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(index=True)

    __table_args__ = (UniqueConstraint("user_id", "key"),)


# --- links and photos: room QR codes (扫码报修), the worker's page, the reporter's status ---

class LinkGrant(Base):
    """The current version of a room's QR codes (``kind = room``, ``subject`` its location
    code) or of a worker's list link (``worker``, the staff code). A link names the version it
    was issued with; raising the version revokes every link issued before. No row: version 1."""

    __tablename__ = "link_grant"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime]
    changed_by: Mapped[str] = mapped_column(String(50), default="")

    __table_args__ = (UniqueConstraint("kind", "subject"),)


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


class RateCounter(Base):
    """Hits per key (``room:<id>``, ``addr:<ip>``, ``code:<number>``) and time window: shared by
    every process of the center, so the limits hold however many serve the pages."""

    __tablename__ = "rate_counter"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True, index=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)


class PhoneCode(Base):
    """The last verification code sent to a number (a salted hash of it), until it is used,
    expires or has been guessed at too often."""

    __tablename__ = "phone_code"
    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


# The stores' and the kitchen's tables, the facilities' (equipment, maintenance plans, outage
# notices, webhooks), telephony's (outbound calls, recordings, operators' queue time) and those
# of the loop with the people served (requester SMS, ratings, campaigns) live in modules of
# their own; importing them here registers them with ``Base.metadata`` wherever the models are
# (migrations, the store, the tests).
from ticketing import model_calls as _model_calls  # noqa: E402, F401
from ticketing import model_facilities as model_facilities  # noqa: E402
from ticketing import model_feedback as model_feedback  # noqa: E402
from ticketing.model_stores import (  # noqa: E402, F401
    KitchenRun,
    StockAlert,
    StockBackorder,
    StockDoc,
    StockLine,
)
