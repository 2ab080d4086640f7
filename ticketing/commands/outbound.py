"""What a command queues for the world outside the store, and the ticket data it carries.

SMS to staff (``sms_outbox``: rendered by the injected ``Composer``), print jobs
(``print_job``, with the frozen slip snapshot of docs/CONTRACTS.md), and the ticket's data as
the SMS templates and the slip read it (``message_data``: location, department, due times in
the center's time zone, a meal order's dishes). The rows are written in the command's
transaction; the senders in ``ticketing/outbox.py`` take them from there.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ticketing.calendar import BusinessCalendar
from ticketing.commands.base import (
    ACTIVE,
    LOCATION,
    PRINT_JOB,
    SMS_OUT,
    STAFF,
    CommandContext,
    TicketError,
)
from ticketing.commands.rows import org_by_code
from ticketing.tokens import EPOCH, Purpose
from ticketing.tx import Record, Tx

# --- the outbox rows -----------------------------------------------------------------------


def notify_staff(ctx: CommandContext, tx: Tx, t: Record | None, staff_code: str, template: str,
                 extra: dict[str, Any]) -> int:
    staff = tx.record(STAFF, "code = ?", (staff_code,))
    if staff is None or not staff.phone:
        raise TicketError(f"worker {staff_code} has no mobile number to send to")
    return queue_sms(ctx, tx, t, staff, template, extra)


def explain(ctx: CommandContext, tx: Tx, staff: Record, t: Record | None, why: str,
            detail: str) -> None:
    """Tell a sender why their SMS was not acted on."""
    queue_sms(ctx, tx, t, staff, "explain", {"why": why, "detail": detail})


def queue_sms(ctx: CommandContext, tx: Tx, t: Record | None, staff: Any, template: str,
              extra: dict[str, Any], ticket_data: dict[str, Any] | None = None) -> int:
    """The SMS row (``staff``: a staff record or model; ``ticket_data``: the ticket's
    ``message_data`` if the caller has it); returns its id."""
    data = (dict(ticket_data) if ticket_data is not None
            else message_data(ctx, tx, t) if t is not None else {})
    data.update(extra, worker=staff.name, worker_code=staff.code)
    text = ctx.composer.render(template, ctx.options.language, data)
    now = tx.now
    return tx.insert(SMS_OUT, {
        "ticket_id": t.id if t else None, "staff_code": staff.code, "number": staff.phone,
        "text": text, "kind": template, "status": "queued", "attempts": 0, "due_at": now,
        "created_at": now, "references": [], "parts": 0, "modem": "", "error": ""})


def queue_print(ctx: CommandContext, tx: Tx, t: Record, printer: str,
                workers: list[Any] | None = None, data: dict[str, Any] | None = None,
                reprint: bool = False) -> int:
    """``workers``: the ticket's workers, ``data``: its ``message_data``, when the command
    has them (else read). ``reprint``: a copy asked for at the desk (补打), printed with the
    same mark as a slip printed again after a crash, so nobody does the job twice."""
    kind = "kitchen" if t.service_type == "meals" else "slip"
    now = tx.now
    snapshot = slip_snapshot(ctx, tx, t, kind, workers, data)
    if reprint:
        snapshot = {**snapshot, "reprint": True}
    return tx.insert(PRINT_JOB, {
        "ticket_id": t.id, "printer": printer, "kind": kind, "language": ctx.options.language,
        "snapshot": snapshot, "status": "queued",
        "attempts": 0, "due_at": now, "created_at": now, "error": ""})


def order_link(ctx: CommandContext, tx: Tx, assignment_id: int) -> dict[str, str]:
    """``{"link": url}`` of a work order's page for the worker it is offered to (one per
    assignment: it ends when the assignment does), or ``{}`` where the center hands out no
    links. The work-order templates print it last, so the phone's linkifier ends it."""
    if ctx.links is None:
        return {}
    return {"link": link_url(ctx, tx, Purpose.WORK, assignment_id)}


# a work order's and a reporter's links are withdrawn by their last day (link_grant.version:
# the day number up to which they no longer open; ticketing.commands.channels.cut)
CUT_KINDS = {Purpose.WORK: "work", Purpose.STATUS: "status"}


def cut_day(tx: Tx, purpose: Purpose, subject_id: int) -> date | None:
    """The day up to which the links of this assignment (``WORK``) or ticket (``STATUS``)
    no longer open: every link that ends on or before it was withdrawn. None: none were."""
    row = tx.one("SELECT version FROM link_grant WHERE kind = ? AND subject = ?",
                 (CUT_KINDS[purpose], str(subject_id)))
    return EPOCH + timedelta(days=int(row[0])) if row else None


def link_url(ctx: CommandContext, tx: Tx, purpose: Purpose, subject_id: int) -> str:
    """The link of an assignment's page or a ticket's progress, ending after any withdrawn."""
    assert ctx.links is not None
    return ctx.links.url(purpose, (subject_id,), tx.now.date(), cut_day(tx, purpose, subject_id))


# --- what they carry -----------------------------------------------------------------------


def place(tx: Tx, t: Record) -> tuple[Record | None, str]:
    """The ticket's location and its department's name: one read, once per command (the
    work orders and the slip print both)."""
    key = ("place", t.location_code, t.org_code)
    if key not in tx.memo:
        loc, department = None, None
        if t.location_code:
            loc, extra = tx.record_with(LOCATION, "(SELECT name FROM org_unit WHERE code = ?)",
                                        "code = ?", (t.org_code, t.location_code))
            department = extra[0] if extra else None
            tx.memo[("location", t.location_code)] = loc
        if loc is None and t.org_code:
            org = org_by_code(tx, t.org_code)
            department = org.name if org else None
        tx.memo[key] = (loc, department or "")
    return tx.memo[key]


def message_data(ctx: CommandContext, tx: Tx, t: Record) -> dict[str, Any]:
    """The ticket as the SMS templates read it (docs/CONTRACTS.md, "SMS templates")."""
    loc, department = place(tx, t)
    st = ctx.catalog.get(t.service_type)
    language, calendar = ctx.options.language, ctx.calendar
    return {
        "ticket_id": t.id, "service_type": t.service_type,
        "service_name": st.name(language), "priority": t.priority,
        "location": _location_dict(loc, t.location_code), "department": department,
        "description": t.description, "reporter_name": t.reporter_name,
        "reporter_phone": t.reporter_phone,
        "response_due": _iso(t.response_due), "completion_due": _iso(t.completion_due),
        "completion_due_local": _local_hm(t.completion_due, calendar),
        "response_due_local": _local_hm(t.response_due, calendar),
        **_meal_data(t.details or {}, language, calendar),
        **_escort_data(t.details or {}, calendar),
    }


def slip_snapshot(ctx: CommandContext, tx: Tx, t: Record, kind: str = "slip",
                  workers: list[Any] | None = None,
                  data: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data a work slip prints, frozen when the job is queued (see CONTRACTS.md).
    ``workers``: the staff on the ticket in assignment order, ``data``: its
    ``message_data``, if the caller has them."""
    data = data if data is not None else message_data(ctx, tx, t)
    if workers is None:
        tx.flush()  # assignments this command changed
        on_ticket = [tuple(row) for row in tx.all(
            "SELECT staff.code, staff.name, staff.phone FROM assignment"
            " JOIN staff ON staff.code = assignment.staff_code"
            f" WHERE assignment.ticket_id = ? AND assignment.{ACTIVE} ORDER BY assignment.id", (t.id,))]
    else:
        on_ticket = [(w.code, w.name, w.phone) for w in workers]
    # parts are booked only when the work is done: a ticket never done has none to read
    parts = [] if t.done_at is None and not t.reopen_count else [
        {"code": code, "name": name or "", "spec": spec or "", "unit": unit or "", "qty": qty}
        for code, name, spec, unit, qty in tx.all(
            "SELECT ticket_part.part_code, spare_part.name, spare_part.spec, spare_part.unit,"
            " ticket_part.qty FROM ticket_part"
            " LEFT JOIN spare_part ON spare_part.code = ticket_part.part_code"
            " WHERE ticket_part.ticket_id = ? ORDER BY ticket_part.id", (t.id,))]
    return {
        "ticket_id": t.id, "kind": kind, "language": ctx.options.language,
        "center_name": ctx.options.center_name, "service_type": t.service_type,
        "service_name": data["service_name"], "priority": t.priority, "status": t.status,
        "created_at": _iso(t.created_at), "dispatched_at": _iso(t.dispatched_at),
        "accepted_at": _iso(t.worker_accepted_at), "response_due": data["response_due"],
        "completion_due": data["completion_due"], "location": data["location"],
        "reporter": {"name": t.reporter_name, "phone": t.reporter_phone,
                     "org": data["department"]},
        "description": t.description, "parts": parts,
        "workers": [{"code": code, "name": name, "phone": phone} for code, name, phone in on_ticket],
        "details": dict(t.details or {}), "operator": t.operator,
    }


# --- as the texts print them ---------------------------------------------------------------


def _location_dict(loc: Any, code: str) -> dict[str, str]:
    if loc is None:
        return {"code": code, "campus": "", "building": "", "floor": "", "room": "", "name": ""}
    return {"code": loc.code, "campus": loc.campus, "building": loc.building, "floor": loc.floor,
            "room": loc.room, "name": loc.name}


def _iso(when: datetime | None) -> str:
    return when.isoformat() if when else ""


def _local_hm(when: datetime | None, calendar: BusinessCalendar) -> str:
    """``MM-DD HH:MM`` in the center's time zone (as ``strftime("%m-%d %H:%M")``, in 2/3 of its time)."""
    if not when:
        return ""
    d = when.astimezone(calendar.tz)
    return f"{d.month:02d}-{d.day:02d} {d.hour:02d}:{d.minute:02d}"


def _meal_data(details: dict[str, Any], language: str, calendar: BusinessCalendar) -> dict[str, str]:
    """A meal order's dishes, total and delivery time as SMS texts print them."""
    meal = details.get("meal")
    if not isinstance(meal, dict):
        return {"dishes": "", "order_total": "", "delivery_local": ""}
    en = language.startswith("en")
    dishes = ("、" if not en else ", ").join(
        f"{(i.get('name_en') if en else '') or i.get('name', '')}×{i.get('qty', 1)}" for i in meal.get("items", []))
    delivery = meal.get("delivery_time")  # always ISO: normalise_meal wrote it
    return {"dishes": dishes, "order_total": str(meal.get("total", "")),
            "delivery_local": _local_hm(datetime.fromisoformat(delivery) if delivery else None, calendar)}


def _escort_data(details: dict[str, Any], calendar: BusinessCalendar) -> dict[str, Any]:
    """An escort's patient, places and times as SMS texts print them (nothing for others)."""
    e = details.get("escort")
    if not isinstance(e, dict):
        return {}

    def hm(value: str | None) -> str:
        return datetime.fromisoformat(value).astimezone(calendar.tz).strftime("%H:%M") if value else ""

    return {"patient": e.get("patient_name", ""), "bed": e.get("bed", ""), "escort_from": e.get("from") or {},
            "escort_to": e.get("to") or {}, "appointment_local": hm(e.get("appointment")),
            "pickup_local": hm(e.get("pickup_at")), "conveyance": e.get("conveyance", "walking"),
            "oxygen": bool(e.get("oxygen")), "isolation": e.get("isolation", ""), "exam": e.get("exam", "")}
