"""The tables of the loop with the people served: their numbers' SMS state (opt-out, the
day's count), the ratings asked of them, and satisfaction campaigns with their targets.

Part of the schema as ``ticketing.model`` is (which imports this module); migration 0012
creates them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.model import Base


class RequesterNumber(Base):
    """A requester's mobile as the SMS answers see it: opted out (退订) or not, how many SMS
    it had today (the daily limit), and which explanations it was already given (per rating
    asked, or per day)."""

    __tablename__ = "requester_number"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # normalised
    opted_out_at: Mapped[datetime | None]
    opt_out_via: Mapped[str] = mapped_column(String(20), default="")  # sms | desk
    day: Mapped[date | None] = mapped_column(Date)  # the local day ``sent`` counts
    sent: Mapped[int] = mapped_column(Integer, default=0)
    explained: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # why → "rating <id>" or the local day
    updated_at: Mapped[datetime]


class RatingRequest(Base):
    """"Reply 1–5": asked of a requester after a ticket was done, or by a campaign's SMS.
    ``status``: asked → answered | void (the ticket was reopened, the campaign cancelled)."""

    __tablename__ = "rating_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    campaign_target_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_target.id"))
    status: Mapped[str] = mapped_column(String(10), default="asked")
    asked_at: Mapped[datetime]
    score: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_rating_request_number_asked_at", "number", "asked_at"),
                      Index("ix_rating_request_ticket_id", "ticket_id"))


class SurveyCampaign(Base):
    """A satisfaction campaign (定期满意度调查): to departments or recent requesters, by SMS or
    the outbound survey call. ``status``: draft → running ⇄ paused → done | cancelled."""

    __tablename__ = "survey_campaign"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(8))  # sms | ivr
    audience: Mapped[str] = mapped_column(String(12))  # departments | requesters
    org_codes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    service_types: Mapped[list[Any]] = mapped_column(JSON, default=list)
    since_days: Mapped[int] = mapped_column(Integer, default=30)
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    per_hour: Mapped[int] = mapped_column(Integer, default=60)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    created_by: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")


class CampaignTarget(Base):
    """One number a campaign asks. ``status``: queued → (sms) sent → answered, or (ivr) due →
    calling → answered | retry | no_answer; skipped (opted out, over the day's limit) with
    the reason."""

    __tablename__ = "campaign_target"
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaign.id"))
    number: Mapped[str] = mapped_column(String(20))
    org_code: Mapped[str] = mapped_column(String(32), default="")
    service_type: Mapped[str] = mapped_column(String(20), default="")
    ticket_id: Mapped[int | None] = mapped_column(Integer)  # the requester's recent ticket
    status: Mapped[str] = mapped_column(String(10), default="queued")
    reason: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    action_id: Mapped[str] = mapped_column(String(40), default="")
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    score: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("campaign_id", "number"),
                      Index("ix_campaign_target_status_due", "status", "due_at"))
