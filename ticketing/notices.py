"""Outage notices (停水停电告知): a planned cut of water, power, gas or the network for
buildings, floors or departments over a time window, told ahead of time by SMS to each
affected department's contacts.

**Who is affected.** The departments whose rooms are in the buildings or on the floors named
(``location.org_code``), and the departments named outright.

**Who is told.** A department's contacts are (1) its active staff with a mobile number whose
role is one a department names to be told — head nurse (``ward_head``), manager, clerk or team
lead — and (2) the mobile numbers in the phone directory under the department (an extension
cannot take an SMS). A number is texted once per notice, whatever number of departments it is
a contact of; each (department, contact) is a recipient row pointing at that SMS. A department
without a contact is a recipient row without a number: the list of who got it shows whom the
desk must phone.

**How.** One ``notice`` SMS per number through the SMS outbox, due at the window's start less
the lead time (``lead``: ``[notices] lead_hours``; at once when that has passed), so the
modems send them at their pace like any SMS, and delivery reports mark them delivered or
failed. Cancelling a notice cancels its SMS still queued and tells the contacts who already
had it (``notice_cancelled``). Each notice and cancellation is one transaction with its audit
row (entity ``outage_notice``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table

from ticketing.audit import audit
from ticketing.commands.base import CommandContext, TicketError, TicketNotFound
from ticketing.model import Base
from ticketing.tx import Tx

NOTICE: Table = Base.metadata.tables["outage_notice"]
RECIPIENT: Table = Base.metadata.tables["notice_recipient"]
SMS_OUT: Table = Base.metadata.tables["sms_outbox"]
KINDS = ("water", "power", "gas", "network", "other")
CONTACT_ROLES = ("ward_head", "manager", "clerk", "lead")
TEXT_LIMIT = 60  # the notice's own words: with the rest, two SMS parts at most


class NoticeError(TicketError):
    """A notice refused for a reason the user can fix; the message names the field."""


class NoticeNotFound(NoticeError, TicketNotFound):
    """No notice of that number."""


@dataclass(frozen=True)
class NoticeIn:
    kind: str
    starts_at: datetime
    ends_at: datetime
    text: str = ""
    buildings: tuple[str, ...] = ()  # building names as the locations have them (住院部A)
    floors: tuple[tuple[str, str], ...] = ()  # (building, floor)
    departments: tuple[str, ...] = ()  # org unit codes

    def scope(self) -> dict[str, Any]:
        return {"buildings": list(self.buildings),
                "floors": [{"building": b, "floor": f} for b, f in self.floors],
                "departments": list(self.departments)}


@dataclass
class Contact:
    org_code: str
    name: str
    number: str
    staff_code: str = ""


@dataclass
class Affected:
    departments: dict[str, str] = field(default_factory=dict)  # code → name, in order
    contacts: list[Contact] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"departments": [{"code": c, "name": n, "contacts": [
            {"name": x.name, "number": x.number, "staff_code": x.staff_code}
            for x in self.contacts if x.org_code == c]} for c, n in self.departments.items()]}


class Notices:
    """Outage notices over a ``CommandContext`` (the ticket service): its store, clock, SMS
    composer, language and time zone."""

    def __init__(self, ctx: CommandContext, lead: timedelta = timedelta(hours=24)) -> None:
        self.ctx, self.lead = ctx, lead

    def affected(self, notice: NoticeIn) -> Affected:
        """Who a notice would reach (the form's preview): nothing is written."""
        with self.ctx.tx() as tx:
            return self._affected(tx, self._checked(notice, tx.now))

    def create(self, actor: str, notice: NoticeIn) -> dict[str, Any]:
        """The notice, its recipients and one SMS per number, in one transaction."""
        with self.ctx.tx() as tx:
            notice = self._checked(notice, tx.now)
            who = self._affected(tx, notice)
            send_at = max(tx.now, notice.starts_at - self.lead)
            n = tx.create(NOTICE, {
                "kind": notice.kind, "text": notice.text, "starts_at": notice.starts_at,
                "ends_at": notice.ends_at, "send_at": send_at, "scope": notice.scope(),
                "status": "scheduled", "created_by": actor[:50], "created_at": tx.now,
                "cancelled_at": None, "cancel_reason": ""})
            texted: dict[str, int] = {}
            for c in who.contacts:
                if c.number not in texted:
                    texted[c.number] = self._queue(tx, "notice", c, send_at, self._data(
                        notice, who.departments[c.org_code]))
                tx.insert(RECIPIENT, {"notice_id": n.id, "org_code": c.org_code, "name": c.name[:50],
                                      "number": c.number, "staff_code": c.staff_code,
                                      "sms_id": texted[c.number]})
            reached = {c.org_code for c in who.contacts}
            for code in who.departments:
                if code not in reached:
                    tx.insert(RECIPIENT, {"notice_id": n.id, "org_code": code, "name": "", "number": "",
                                          "staff_code": "", "sms_id": None})
            audit(tx, tx.now, actor, "outage_notice", n.id, "create", None, {
                "kind": notice.kind, "starts_at": notice.starts_at.isoformat(),
                "ends_at": notice.ends_at.isoformat(), "send_at": send_at.isoformat(),
                "scope": notice.scope(), "text": notice.text, "departments": len(who.departments),
                "sms": len(texted)})
            return {"id": n.id, "send_at": send_at.isoformat(), "departments": len(who.departments),
                    "sms": len(texted), "without_contact": len(who.departments) - len(reached)}

    def cancel(self, actor: str, notice_id: int, reason: str = "") -> dict[str, Any]:
        """Cancel the notice: its queued SMS are not sent; whoever already had it is told."""
        if len(reason) > 200:
            raise NoticeError("reason: longer than 200 characters")
        with self.ctx.tx() as tx:
            n = tx.get(NOTICE, notice_id, lock=True)
            if n is None:
                raise NoticeNotFound(f"no notice {notice_id}")
            if n.status == "cancelled":
                raise NoticeError(f"notice {notice_id} is already cancelled")
            sms_ids = [r[0] for r in tx.all("SELECT DISTINCT sms_id FROM notice_recipient"
                                            " WHERE notice_id = ? AND sms_id IS NOT NULL", (n.id,))]
            held = _in(sms_ids)
            stopped = tx.run(f"UPDATE sms_outbox SET status = 'cancelled', lease_until = NULL"
                             f" WHERE id IN ({held}) AND status IN ('queued', 'retry')", sms_ids) if sms_ids else 0
            told = 0
            if sms_ids:
                gone = tx.all(f"SELECT DISTINCT number, staff_code FROM sms_outbox WHERE id IN ({held})"
                              " AND status IN ('sending', 'sent', 'delivered')", sms_ids)
                names = dict(tx.all("SELECT number, name FROM notice_recipient WHERE notice_id = ?", (n.id,)))
                for number, staff_code in gone:
                    self._queue(tx, "notice_cancelled", Contact("", names.get(number, ""), number, staff_code),
                                tx.now, self._data(n, "") | {"reason": reason})
                    told += 1
            n.status, n.cancelled_at, n.cancel_reason = "cancelled", tx.now, reason
            audit(tx, tx.now, actor, "outage_notice", n.id, "cancel", {"status": "scheduled"},
                  {"status": "cancelled", "note": reason, "sms_stopped": stopped, "told": told})
            return {"id": n.id, "sms_stopped": stopped, "told": told}

    def detail(self, notice_id: int) -> dict[str, Any] | None:
        """The notice and who got it: each recipient with its SMS's state (scheduled, queued,
        retry, sending, sent, delivered, failed, cancelled; no_contact without a number)."""
        now = self.ctx.clock.now()
        with self.ctx.tx() as tx:
            n = tx.get(NOTICE, notice_id)
            if n is None:
                return None
            rows = tx.all(
                "SELECT r.org_code, o.name, r.name, r.number, r.staff_code, r.sms_id, m.status, m.due_at,"
                " m.sent_at, m.delivered_at, m.error, m.attempts FROM notice_recipient r"
                " LEFT JOIN org_unit o ON o.code = r.org_code LEFT JOIN sms_outbox m ON m.id = r.sms_id"
                " WHERE r.notice_id = ? ORDER BY r.id", (n.id,))
            recipients = [{
                "org_code": org, "department": dept or org, "name": name, "number": number,
                "staff_code": staff, "sms_id": sms_id, "state": _state(status, _ts(tx, due), now),
                "sent_at": _iso(_ts(tx, sent)), "delivered_at": _iso(_ts(tx, delivered)),
                "error": error or "", "attempts": attempts or 0}
                for org, dept, name, number, staff, sms_id, status, due, sent, delivered, error, attempts in rows]
        counts: dict[str, int] = {}
        for r in recipients:
            counts[r["state"]] = counts.get(r["state"], 0) + 1
        return {"id": n.id, "kind": n.kind, "text": n.text, "starts_at": n.starts_at.isoformat(),
                "ends_at": n.ends_at.isoformat(), "send_at": n.send_at.isoformat(), "scope": n.scope,
                "status": n.status, "created_by": n.created_by, "created_at": n.created_at.isoformat(),
                "cancelled_at": _iso(n.cancelled_at), "cancel_reason": n.cancel_reason,
                "recipients": recipients, "counts": counts}

    # --- reading the scope ---------------------------------------------------------------

    def _checked(self, n: NoticeIn, now: datetime) -> NoticeIn:
        if n.kind not in KINDS:
            raise NoticeError(f"kind: {n.kind!r} is not one of {', '.join(KINDS)}")
        if n.starts_at.tzinfo is None or n.ends_at.tzinfo is None:
            raise NoticeError("starts_at: give the time with its zone")
        if n.ends_at <= n.starts_at:
            raise NoticeError("ends_at: the cut must end after it starts")
        if n.ends_at <= now:
            raise NoticeError("ends_at: the cut is over already")
        if n.ends_at - n.starts_at > timedelta(days=31):
            raise NoticeError("ends_at: a notice covers at most 31 days")
        text = " ".join(n.text.split())
        if len(text) > TEXT_LIMIT:
            raise NoticeError(f"text: at most {TEXT_LIMIT} characters (it goes by SMS)")
        if not (n.buildings or n.floors or n.departments):
            raise NoticeError("buildings: name the buildings, floors or departments affected")
        if len(n.buildings) + len(n.floors) + len(n.departments) > 200:
            raise NoticeError("departments: at most 200 buildings, floors and departments in all")
        return NoticeIn(n.kind, n.starts_at.astimezone(UTC), n.ends_at.astimezone(UTC), text, tuple(dict.fromkeys(b.strip() for b in n.buildings)),
                        tuple(dict.fromkeys((b.strip(), f.strip()) for b, f in n.floors)),
                        tuple(dict.fromkeys(d.strip() for d in n.departments)))

    def _affected(self, tx: Tx, n: NoticeIn) -> Affected:
        orgs: list[str] = []
        for building in n.buildings:
            if not _exists(tx, "SELECT 1 FROM location WHERE building = ? AND active = ?", (building, True)):
                raise NoticeError(f"buildings: no rooms in a building {building!r}")
            orgs += _column(tx, "SELECT DISTINCT org_code FROM location WHERE building = ? AND active = ?"
                            " ORDER BY org_code", (building, True))
        for building, floor in n.floors:
            if not _exists(tx, "SELECT 1 FROM location WHERE building = ? AND floor = ? AND active = ?",
                           (building, floor, True)):
                raise NoticeError(f"floors: no rooms on floor {floor!r} of {building!r}")
            orgs += _column(tx, "SELECT DISTINCT org_code FROM location WHERE building = ? AND floor = ?"
                            " AND active = ? ORDER BY org_code", (building, floor, True))
        for code in n.departments:
            if not _exists(tx, "SELECT 1 FROM org_unit WHERE code = ? AND active = ?", (code, True)):
                raise NoticeError(f"departments: unknown department code {code!r}")
            orgs.append(code)
        codes = [c for c in dict.fromkeys(orgs) if c]
        out = Affected()
        if not codes:
            return out
        marks = _in(codes)
        names = dict(tx.all(f"SELECT code, name FROM org_unit WHERE code IN ({marks})", codes))
        out.departments = {c: names.get(c, c) for c in codes}
        rank = {role: i for i, role in enumerate(CONTACT_ROLES)}
        staff = sorted(tx.all(f"SELECT org_code, name, phone, code, role FROM staff WHERE org_code IN ({marks})"
                              f" AND active = ? AND phone != '' AND role IN ({_in(CONTACT_ROLES)})",
                              (*codes, True, *CONTACT_ROLES)), key=lambda r: (rank[r[4]], r[3]))
        directory = tx.all(f"SELECT org_code, person, number FROM phone_entry WHERE org_code IN ({marks})"
                           " AND active = ? ORDER BY org_code, number", (*codes, True))
        seen: set[tuple[str, str]] = set()
        for org, name, phone, code, _role in staff:
            seen.add((org, phone))
            out.contacts.append(Contact(org, name, phone, code))
        for org, person, number in directory:
            if _mobile(number) and (org, number) not in seen:
                seen.add((org, number))
                out.contacts.append(Contact(org, person, number))
        order = {c: i for i, c in enumerate(codes)}
        out.contacts.sort(key=lambda c: order[c.org_code])
        return out

    # --- the SMS -------------------------------------------------------------------------

    def _data(self, n: Any, department: str) -> dict[str, Any]:
        """What the ``notice`` templates read."""
        tz = self.ctx.calendar.tz
        scope = n.scope() if isinstance(n, NoticeIn) else dict(n.scope or {})
        places = [*scope.get("buildings", []),
                  *(f"{f['building']} {f['floor']}F" for f in scope.get("floors", []))]
        return {"notice_kind": n.kind, "department": department, "places": "、".join(places),
                "starts_local": n.starts_at.astimezone(tz).strftime("%m-%d %H:%M"),
                "ends_local": n.ends_at.astimezone(tz).strftime("%m-%d %H:%M"),
                "text": n.text, "center_name": self.ctx.options.center_name}

    def _queue(self, tx: Tx, template: str, c: Contact, due: datetime, data: dict[str, Any]) -> int:
        text = self.ctx.composer.render(template, self.ctx.options.language,
                                        data | {"worker": c.name, "worker_code": c.staff_code})
        return tx.insert(SMS_OUT, {
            "ticket_id": None, "staff_code": c.staff_code, "number": c.number, "text": text,
            "kind": template[:20], "status": "queued", "attempts": 0, "due_at": due,
            "created_at": tx.now, "references": [], "parts": 0, "modem": "", "error": ""})


def _state(status: str | None, due: datetime | None, now: datetime) -> str:
    if status is None:
        return "no_contact"
    if status == "queued" and due is not None and due > now:
        return "scheduled"
    return status


def _ts(tx: Tx, value: Any) -> datetime | None:
    """A timestamp read by hand-written SQL as the store keeps it (naive UTC text on SQLite)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _in(values: Any) -> str:
    return ", ".join("?" * len(values))


def _column(tx: Tx, sql: str, params: tuple[Any, ...]) -> list[str]:
    return [r[0] for r in tx.all(sql, params)]


def _exists(tx: Tx, sql: str, params: tuple[Any, ...]) -> bool:
    return tx.one(sql + " LIMIT 1", params) is not None


def _mobile(number: str) -> bool:
    return len(number) == 11 and number.isdigit() and number.startswith("1")
