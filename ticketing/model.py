"""The ticket store's tables (SQLAlchemy 2, typed declarative), gathered from their modules.

The schema changes only through Alembic revisions in ``migrations/``; ``Base.metadata`` here is
what they are checked against. The tables live in modules by area — ``model_base`` (the base
and the UTC timestamp type), ``model_masterdata``, ``model_tickets`` (tickets, the audit log,
call records, the daily rollup), ``model_outboxes``, ``model_access`` (users, log-ins, links),
the stores' and the kitchen's (``model_stores``), the facilities' (equipment, maintenance plans,
outage notices, webhooks), telephony's (outbound calls, recordings, operators' queue time:
``model_calls``) and those of the loop with the people served (requester SMS, ratings,
campaigns: ``model_feedback``). Importing this module registers every one of them with
``Base.metadata`` wherever the models are (migrations, the store, the tests), and the names
below are the ones the rest of the code imports from here.
"""

from __future__ import annotations

from ticketing import model_calls as _model_calls  # noqa: F401
from ticketing import model_facilities as model_facilities
from ticketing import model_feedback as model_feedback
from ticketing.model_access import (
    IdempotencyKey,
    LinkGrant,
    LoginThrottle,
    PhoneCode,
    RateCounter,
    User,
    WebSession,
)
from ticketing.model_base import NAMING, Base, UtcDateTime
from ticketing.model_masterdata import (
    Location,
    MenuItem,
    OrgUnit,
    PhoneEntry,
    SparePart,
    Staff,
    Supplier,
)
from ticketing.model_outboxes import PrinterState, PrintJob, SmsIn, SmsOut, SurveyCall
from ticketing.model_stores import (
    KitchenRun,
    StockAlert,
    StockBackorder,
    StockDoc,
    StockLine,
)
from ticketing.model_tickets import (
    Assignment,
    AuditLog,
    CallRecord,
    DailyStat,
    Ticket,
    TicketCall,
    TicketPart,
    TicketPhoto,
    TicketSearch,
)

__all__ = [
    "NAMING", "Base", "UtcDateTime",
    "Location", "MenuItem", "OrgUnit", "PhoneEntry", "SparePart", "Staff", "Supplier",
    "Assignment", "AuditLog", "CallRecord", "DailyStat", "Ticket", "TicketCall", "TicketPart",
    "TicketPhoto", "TicketSearch",
    "PrinterState", "PrintJob", "SmsIn", "SmsOut", "SurveyCall",
    "IdempotencyKey", "LinkGrant", "LoginThrottle", "PhoneCode", "RateCounter", "User",
    "WebSession",
    "model_facilities", "model_feedback",
    "KitchenRun", "StockAlert", "StockBackorder", "StockDoc", "StockLine",
]
