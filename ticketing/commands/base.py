"""What goes into and comes out of the ticket commands, and what every handler is given.

The inputs (``NewTicket``, ``WorkerReply``), the outcome of an SMS reply (``ReplyOutcome``),
the errors a command refuses with, the service's options, the tables the handlers write, and
``CommandContext``: the store, clock, catalog, calendar, SMS composer and options that every
handler takes as its first argument (``ticketing.service.TicketService`` is one).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Table

from ticketing.assessment.config import AssessmentConfig
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.costing import LabourRates
from ticketing.model import Base
from ticketing.ports import Clock, Composer
from ticketing.store import Store
from ticketing.tokens import Links
from ticketing.tx import Tx

_TABLES = Base.metadata.tables
TICKET: Table = _TABLES["ticket"]
ASSIGNMENT: Table = _TABLES["assignment"]
CALL: Table = _TABLES["ticket_call"]
TICKET_PART: Table = _TABLES["ticket_part"]
SPARE_PART: Table = _TABLES["spare_part"]
STAFF: Table = _TABLES["staff"]
LOCATION: Table = _TABLES["location"]
ORG_UNIT: Table = _TABLES["org_unit"]
SMS_OUT: Table = _TABLES["sms_outbox"]
SMS_IN: Table = _TABLES["sms_inbox"]
PRINT_JOB: Table = _TABLES["print_job"]
SURVEY: Table = _TABLES["survey_call"]
AUDIT: Table = _TABLES["audit_log"]
REQUESTER_NUMBER: Table = _TABLES["requester_number"]
RATING_REQUEST: Table = _TABLES["rating_request"]
CAMPAIGN: Table = _TABLES["survey_campaign"]
CAMPAIGN_TARGET: Table = _TABLES["campaign_target"]
STOCK_DOC: Table = _TABLES["stock_doc"]
STOCK_LINE: Table = _TABLES["stock_line"]
BACKORDER: Table = _TABLES["stock_backorder"]
STOCK_ALERT: Table = _TABLES["stock_alert"]
KITCHEN_RUN: Table = _TABLES["kitchen_run"]
# an assignment still on the ticket (SQL, for the assignment table)
ACTIVE = "state IN ('offered', 'accepted')"
# where a ticket came from: the hotline (phone, or the IVR and its after-hours self-service),
# the desk, an SMS, a room's QR code (扫码报修)
SOURCES = ("phone", "ivr", "self_service", "desk", "sms", "qr", "plan")  # plan: a maintenance plan


class TicketError(ValueError):
    """A command was refused for a reason the user can fix (unknown ticket, location…).

    The text is English; ``key`` (with ``params``), when given, names the same message in the
    pages' catalog (``web/i18n``) so the desk can say it in the user's language."""

    def __init__(self, message: str, key: str = "", **params: Any) -> None:
        super().__init__(message)
        self.key, self.params = key, params


class TicketNotFound(TicketError):
    pass


@dataclass(frozen=True)
class NewTicket:
    service_type: str
    description: str = ""
    location_code: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    org_code: str = ""
    priority: str = "normal"
    source: str = "phone"  # one of SOURCES
    details: dict[str, Any] = field(default_factory=dict)
    call_uniqueid: str = ""
    # a planned job's own deadline (a maintenance plan's due date) instead of the catalog's
    completion_due: datetime | None = None


class ParsedReply(Protocol):
    """What a reply parser hands the core: ``WorkerReply`` here, or the modem adapter's own
    parsed reply, which has the same fields."""

    @property
    def action(self) -> str: ...

    @property
    def ticket_id(self) -> int: ...

    @property
    def parts(self) -> tuple[tuple[str, int], ...]: ...

    @property
    def reason(self) -> str: ...


@dataclass(frozen=True)
class WorkerReply:
    """A worker's SMS, parsed by the modem adapter."""

    action: str  # accept | arrived | done | cannot; a ward head's approve | reject
    ticket_id: int
    parts: tuple[tuple[str, int], ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class ReplyOutcome:
    inbox_id: int
    outcome: str  # acted | rejected | duplicate
    reason: str
    ticket_id: int | None = None


@dataclass(frozen=True)
class ServiceOptions:
    language: str = "zh-CN"
    center_name: str = "一站式后勤服务中心"
    default_printer: str = "desk"
    survey_enabled: bool = True
    survey_delay: timedelta = timedelta(hours=24)
    escalation_step: timedelta = timedelta(minutes=5)
    # the acknowledgement call to a worker who has not answered a work order (catalog
    # ack_call_after); ack_call_after, when set, replaces every type's delay (the demo)
    ack_calls: bool = True
    ack_call_after: timedelta | None = None
    labour_rates: LabourRates = field(default_factory=LabourRates)  # none: labour costs nothing
    kitchen_printer: str = ""  # the 备餐单 at each meal's cut-off; "" = the default printer
    status_sms: bool = False  # a ticket accepted with a mobile reporter number: SMS the progress link


class CommandContext:
    """The parts a command handler works with. ``tx()`` begins one command's transaction.
    ``assessment``: the grades, requester SMS rules and campaign defaults of
    ``config/assessment.toml`` (the shipped file unless given). ``links``: the signed links the
    center hands out (a work order's page, a reporter's status page), None where it hands out
    none."""

    def __init__(self, store: Store, clock: Clock, catalog: Catalog, calendar: BusinessCalendar,
                 composer: Composer, options: ServiceOptions | None = None,
                 assessment: AssessmentConfig | None = None, links: Links | None = None) -> None:
        self.store = store
        self.clock = clock
        self.catalog = catalog
        self.calendar = calendar
        self.composer = composer
        self.options = options or ServiceOptions()
        self.links = links
        self._assessment = assessment

    @property
    def assessment(self) -> AssessmentConfig:
        if self._assessment is None:
            self._assessment = AssessmentConfig.default()
        return self._assessment

    def tx(self) -> AbstractContextManager[Tx]:
        """One command's transaction; ``tx.now``, the command's time, is on all its rows."""
        return self.store.tx(self.clock.now)
