"""The core behind the adapters' ports: small classes that turn a port call into a core call.

Every method here is synchronous and touches the store; the asyncio adapters call them through
``asyncio.to_thread`` so a database wait never stalls a socket reader.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from ivr.ports import AckInfo, Caller, LocationInfo
from onestop.core import Core
from ticketing.context import caller_context, find_location
from ticketing.model import OrgUnit, Ticket
from ticketing.model_calls import OutboundCall
from ticketing.outcalls import AckCallQueue, AckCallView
from ticketing.service import NewTicket, TicketError, caller_directory_entry, suggest_workers

log = logging.getLogger(__name__)


class CoreDirectory:
    """IVR ``Directory``: the phone directory."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def lookup(self, number: str) -> Caller | None:
        with self.core.store.reading() as s:  # every call's first step: waits for no command
            entry = caller_directory_entry(s, number)
            if entry is None or not entry.active:
                return None
            org = s.scalar(select(OrgUnit).where(OrgUnit.code == entry.org_code)) if entry.org_code else None
            return Caller(person=entry.person, department=org.name if org else "",
                          org_code=entry.org_code, vip=entry.vip, location_code=entry.location_code)


class CoreSelfService:
    """IVR ``SelfService``: after-hours tickets keyed in by the caller."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def find_location(self, code: str) -> LocationInfo | None:
        with self.core.store.session() as s:
            loc = find_location(s, code)
        if loc is None:
            return None
        return LocationInfo(code=loc["code"], name=" ".join(
            p for p in (loc["building"], loc["floor"] + "F" if loc["floor"] else "", loc["room"]) if p))

    def create_ticket(self, caller_num: str, location_code: str, service_type: str) -> int:
        view = self.core.service.accept("ivr", NewTicket(
            service_type=service_type, location_code=location_code, reporter_phone=caller_num,
            source="self_service", description="自助报修 (IVR)"))
        self._dispatch_on_duty(view.id, service_type)
        return view.id

    def _dispatch_on_duty(self, ticket_id: int, service_type: str) -> None:
        """The on-duty worker is dispatched as for any ticket; with nobody on duty the ticket
        waits for the desk (and escalates on its time limit)."""
        skill = self.core.catalog.get(service_type).skill
        with self.core.store.session() as s:
            workers = suggest_workers(s, skill, limit=1)
        if workers:
            try:
                self.core.service.dispatch("ivr", ticket_id, [workers[0].code])
            except TicketError as exc:  # e.g. no mobile on file: the desk sees it undispatched
                log.warning("self-service ticket %s not dispatched: %s", ticket_id, exc)


class CoreSurveyStore:
    """IVR ``SurveyStore``: the ticket's service and the reporter's score."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def service_of(self, ticket_id: int) -> str | None:
        with self.core.store.session() as s:
            return s.scalar(select(Ticket.service_type).where(Ticket.id == ticket_id))

    def save_result(self, ticket_id: int, score: int, comment_file: str) -> None:
        comment = f"recording: {comment_file}" if comment_file else ""
        self.core.service.record_callback("ivr", ticket_id, score, comment, via="ivr")


class CoreCampaignStore:
    """IVR ``SurveyStore`` on the campaign route: a campaign call's service and its score."""

    def __init__(self, core: Core, calls: Any) -> None:
        self.core, self.calls = core, calls

    def service_of(self, target_id: int) -> str | None:
        return self.calls.service_of(target_id)  # type: ignore[no-any-return]

    def save_result(self, target_id: int, score: int, comment_file: str) -> None:
        self.core.service.campaign_call_score(target_id, score)


class CoreContextLookup:
    """CTI ``ContextLookup``: what the pop shows about a caller."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def lookup(self, number: str) -> dict[str, Any]:
        with self.core.store.reading() as s:
            return caller_context(s, number, self.core.clock.now()).as_dict()


class CoreCallSink:
    """CTI ``CallSink``: the call log."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def record_call(self, record: Any) -> None:
        from ticketing.calls import CallFacts, record_call

        with self.core.store.session() as s:
            record_call(s, CallFacts(**record.facts()))


class CoreAckStore:
    """IVR ``AckStore``: the acknowledgement call in progress and the worker's key."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def ack_info(self, ticket_id: int, call_id: int | None) -> AckInfo | None:
        with self.core.store.session() as s:
            q = select(OutboundCall).where(OutboundCall.ticket_id == ticket_id, OutboundCall.kind == "ack",
                                           OutboundCall.status.in_(("dialing", "answered")))
            if call_id is not None:
                q = q.where(OutboundCall.id == call_id)
            call = s.scalars(q.order_by(OutboundCall.id.desc()).limit(1)).first()
            if call is None:
                return None
            location = s.scalar(select(Ticket.location_code).where(Ticket.id == ticket_id)) or ""
            return AckInfo(ticket_id, call.id, location)

    def answer(self, ticket_id: int, result: str, call_id: int | None) -> str:
        return self.core.service.ack_call_answer(ticket_id, result, call_id)


class CoreAckQueue:
    """IVR ``AckQueue``: the core's leased acknowledgement calls and their fates."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.queue = AckCallQueue(core.service)

    def claim_due(self, limit: int) -> list[AckCallView]:
        return self.queue.claim_due(limit)

    def mark_dialing(self, call_id: int, action_id: str) -> None:
        self.queue.mark_dialing(call_id, action_id)

    def result(self, call_id: int, outcome: str, detail: str, uniqueid: str) -> None:
        self.core.service.ack_call_result(call_id, outcome, detail, uniqueid)

    def no_key(self, ticket_id: int, call_id: int) -> None:
        self.core.service.ack_call_answer(ticket_id, "no_key", call_id)

