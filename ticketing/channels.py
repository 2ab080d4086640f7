"""The front door of the channels beyond the phone: a room's QR code (扫码报修), the worker's
page behind every work-order SMS, the reporter's status page. Mixed into
``ticketing.service.TicketService``; each method is one transaction, the handlers are in
``ticketing/commands/channels.py`` (links, the worker's steps) and ``commands/reports.py``
(a QR report, its limits, the phone's code, the reporter's SMS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ticketing import rounds
from ticketing.audit import audit
from ticketing.commands import channels, reports
from ticketing.commands.base import ASSIGNMENT, PRINT_JOB, STAFF, CommandContext, TicketError
from ticketing.commands.channels import LinkRefused
from ticketing.commands.outbound import CUT_KINDS, link_url, notify_staff, order_link, queue_sms
from ticketing.commands.reports import QrLimits, QrOutcome, QrReport
from ticketing.commands.rows import load
from ticketing.photos import Photo, PhotoStore, attach, sweep
from ticketing.tokens import Claim, Purpose
from ticketing.views import TicketView, ticket_view

__all__ = ["ChannelCommands", "LinkRefused", "LinksWithdrawn", "QrLimits", "QrOutcome", "QrReport", "RoomView"]


@dataclass(frozen=True)
class LinksWithdrawn:
    work_orders: int  # assignments whose links were withdrawn
    sms: tuple[int, ...]  # the new links sent


@dataclass(frozen=True)
class RoomView:
    id: int
    code: str
    campus: str
    building: str
    floor: str
    room: str
    name: str
    open_types: tuple[str, ...]  # service types with an open ticket in the room (no more of them)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "campus": self.campus, "building": self.building,
                "floor": self.floor, "room": self.room, "name": self.name}


class ChannelCommands(CommandContext):
    """Commands of the links, a part of ``TicketService``."""

    def read_link(self, token: str, purpose: Purpose) -> Claim:
        """The claim of a genuine, unexpired link (``TokenError`` otherwise); a work order's
        or a reporter's link that was withdrawn is ``LinkRefused("revoked")``."""
        if self.links is None:
            raise LinkRefused("unknown", "this center hands out no links")
        claim = self.links.read(token, purpose, self.clock.now().date())
        if purpose in CUT_KINDS:
            with self.tx() as tx:
                channels.check_cut(tx, claim)
        return claim

    def link_url(self, purpose: Purpose, ids: tuple[int, ...]) -> str:
        if self.links is None:
            raise LinkRefused("unknown", "this center hands out no links")
        if purpose in CUT_KINDS:
            with self.tx() as tx:
                return link_url(self, tx, purpose, ids[0])
        return self.links.url(purpose, ids, self.clock.now().date())

    # --- a ticket's links: the reporter's progress, withdrawing leaked ones -----------------

    def send_status_link(self, actor: str, ticket_id: int) -> int:
        """SMS the ticket's reporter the link to its progress (a mobile number only);
        returns the SMS's id."""
        with self.tx() as tx:
            t = load(tx, ticket_id)
            if self.links is None:
                raise LinkRefused("no_links", "this center hands out no links")
            sms = reports.notify_reporter(self, tx, t)
            if sms is None:
                raise LinkRefused("no_mobile", f"ticket {ticket_id}: the reporter's number is not "
                                  "a mobile number to send to")
            audit(tx, tx.now, actor, "link_grant", f"status:{ticket_id}", "send", None, {"sms": sms})
            return sms

    def withdraw_ticket_links(self, actor: str, ticket_id: int, resend: bool = True) -> LinksWithdrawn:
        """A leaked link: every work-order link of the ticket's assignments and every progress
        link of its reporter stop opening; with ``resend``, the open assignments' workers get
        their work order again with a new link, and a mobile reporter a new progress link."""
        with self.tx() as tx:
            t = load(tx, ticket_id, lock=True)
            assignments = tx.records(ASSIGNMENT, "ticket_id = ? ORDER BY id", (ticket_id,))
            for a in assignments:
                channels.cut(self, tx, actor, Purpose.WORK, a.id)
            channels.cut(self, tx, actor, Purpose.STATUS, t.id)
            sent: list[int] = []
            if resend:
                for a in assignments:
                    if channels.is_open(a):
                        sent.append(notify_staff(self, tx, t, a.staff_code, "work_order",
                                                 order_link(self, tx, a.id)))
                if (sms := reports.notify_reporter(self, tx, t)) is not None:
                    sent.append(sms)
            audit(tx, tx.now, actor, "ticket", t.id, "links_withdrawn", None,
                  {"assignments": [a.id for a in assignments], "sms": sent})
            return LinksWithdrawn(len(assignments), tuple(sent))

    # --- rooms ------------------------------------------------------------------------------

    def room(self, claim: Claim) -> RoomView:
        """The room a code opens (``LinkRefused``: removed, revoked)."""
        with self.tx() as tx:
            loc = channels.room_of(tx, claim)
            states = "('accepted', 'dispatched', 'in_progress')"
            open_types = tuple(sorted(st for (st,) in tx.all(
                f"SELECT DISTINCT service_type FROM ticket WHERE location_code = ? AND status IN {states}",
                (loc.code,))))
            return RoomView(loc.id, loc.code, loc.campus, loc.building, loc.floor, loc.room,
                            loc.name, open_types)

    def room_links(self, codes: list[str]) -> list[tuple[dict[str, str], str]]:
        """(the room, the URL its QR code opens) of each location code, in order."""
        out = []
        with self.tx() as tx:
            for code in codes:
                location_id, version = channels.room_ids(tx, code)
                loc = tx.get(channels.LOCATION, location_id)
                assert loc is not None  # room_ids found it in this transaction
                out.append(({"code": loc.code, "campus": loc.campus, "building": loc.building,
                             "floor": loc.floor, "room": loc.room, "name": loc.name},
                            self.link_url(Purpose.ROOM, (location_id, version))))
        return out

    def label_rooms(self, building: str = "", floor: str = "",
                    codes: tuple[str, ...] = (), limit: int = 500) -> list[str]:
        """The active rooms' codes to print labels for: those named, or those of a building
        (and floor), in code order; at most ``limit`` + 1 (one more says "too many")."""
        where: list[str] = ["active = ?"]
        params: list[Any] = [True]
        if codes:
            where.append(f"code IN ({', '.join('?' * len(codes))})")
            params += list(codes)
        if building:
            where.append("building = ?")
            params.append(building)
        if floor:
            where.append("floor = ?")
            params.append(floor)
        with self.tx() as tx:
            return [c for (c,) in tx.all(f"SELECT code FROM location WHERE {' AND '.join(where)}"
                                         f" ORDER BY code LIMIT {int(limit) + 1}", params)]

    def queue_labels(self, actor: str, codes: list[str], printer: str | None = None) -> int:
        """A print job of the rooms' QR labels (kind ``labels``) for the slip printer: queued
        like a slip, so an offline printer gets it later. Returns the job's id."""
        labels = [dict(room, url=url) for room, url in self.room_links(codes)]
        name = printer or self.options.default_printer
        with self.tx() as tx:
            job = tx.insert(PRINT_JOB, {
                "ticket_id": None, "printer": name, "kind": "labels",
                "language": self.options.language, "status": "queued", "attempts": 0,
                "snapshot": {"labels": labels, "center_name": self.options.center_name},
                "due_at": tx.now, "created_at": tx.now, "error": ""})
            audit(tx, tx.now, actor, "print_job", job, "labels", None,
                  {"printer": name, "rooms": [label["code"] for label in labels][:500]})
            return job

    def revoke_link(self, actor: str, kind: str, subject: str) -> int:
        """Revoke every link of a room (``kind = room``, its location code) or of a worker's
        list (``worker``, the staff code); returns the new version."""
        with self.tx() as tx:
            return channels.revoke(self, tx, actor, kind, subject)

    def qr_report(self, claim: Claim, report: QrReport, peer: str,
                  limits: QrLimits) -> QrOutcome:
        """A report from a room's code: a new ticket (``source = qr``), words added to the
        room's open one, or the open one to ask about. ``LinkRefused`` when refused."""
        with self.tx() as tx:
            outcome = reports.qr_report(self, tx, claim, report, peer, limits)
        if outcome.refused:  # raised after the commit: the hits and the code's try count
            raise LinkRefused(outcome.refused)
        return outcome

    def qr_limited(self, claim: Claim, peer: str, limits: QrLimits) -> bool:
        """Whether a room's code or a client address is already at its limit this hour: asked
        before a report's photos are processed (the report itself counts and checks again)."""
        with self.tx() as tx:
            return (reports.hits(tx, f"room:{claim.ids[0]}", tx.now) >= limits.per_room_hour
                    or reports.hits(tx, f"addr:{peer}", tx.now) >= limits.per_address_hour)

    def send_phone_code(self, claim: Claim, number: str, peer: str,
                        limits: QrLimits) -> None:
        with self.tx() as tx:
            reports.send_phone_code(self, tx, claim, number, peer, limits)

    # --- the worker -------------------------------------------------------------------------

    def worker_step(self, claim: Claim, action: str,
                    parts: list[tuple[str, int]] | None = None, reason: str = "",
                    photos: list[Photo] | None = None, peer: str = "") -> TicketView:
        """A step from the work order's page (accept, arrived, done, cannot), as the SMS
        reply takes it; the photos of a done are kept with the ticket."""
        with self.tx() as tx:
            t = channels.worker_step(self, tx, claim, action, parts or [], reason, peer)
            if photos and action == "done":
                a = channels.assignment_of(tx, claim)
                attach(tx, t.id, "done", f"web:{a.staff_code}", photos)
            return ticket_view(t)

    def worker_round(self, claim: Claim, results: list[rounds.ItemResult], complete: bool = False,
                     note: str = "", peer: str = "") -> TicketView:
        """An inspection round's checklist from the work order's page; ``complete`` closes it."""
        with self.tx() as tx:
            return ticket_view(channels.worker_round(self, tx, claim, results, complete, note, peer))

    def order_round(self, ticket_id: int) -> dict[str, Any] | None:
        """The round of a work order's ticket (None: the ticket has no checklist)."""
        with self.tx() as tx:
            view = rounds.round_view(tx, ticket_id)
        return view if view and view["items"] else None

    def worker_list_url(self, staff_code: str) -> str:
        """The link to a worker's open work orders (until revoked or expired)."""
        with self.tx() as tx:
            ids = channels.worker_ids(tx, staff_code)
        return self.link_url(Purpose.LIST, ids)

    def send_list_link(self, actor: str, staff_code: str) -> int:
        """SMS a worker the link to their open work orders; returns the SMS's id."""
        with self.tx() as tx:
            ids = channels.worker_ids(tx, staff_code)
            staff = tx.get(STAFF, ids[0])
            if staff is None or not staff.phone:
                raise TicketError(f"worker {staff_code} has no mobile number to send to")
            sms = queue_sms(self, tx, None, staff, "worker_list",
                            {"link": self.link_url(Purpose.LIST, ids)})
            audit(tx, tx.now, actor, "link_grant", f"worker:{staff_code}", "send", None,
                  {"sms": sms, "version": ids[1]})
            return sms

    # --- upkeep -----------------------------------------------------------------------------

    def sweep_channels(self, files: PhotoStore, retention_days: int,
                       now: datetime | None = None) -> int:
        """Photos past their retention, old rate counters and expired codes; returns how many
        photos went."""
        now = now or self.clock.now()
        with self.tx() as tx:
            reports.sweep_counters(tx, now)
        return sweep(self.store, files, now, retention_days)
