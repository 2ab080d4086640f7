"""The links' side of the store: whom a link names, whether it still opens, and the worker's
steps taken from the work order's page.

A link (``ticketing.tokens``) carries ids; here they are checked against the rows: a room's
code opens while the room is there and active and the code's version is the room's current
one (``link_grant``: ``revoke`` raises it, so a leaked or misprinted label stops working); a
work order's link while its assignment is open (offered or accepted); a worker's list while
its version is the worker's current one; a work order's or a reporter's link unless it was
withdrawn (``cut``: those links carry no version, so they are cut by their last day).
``worker_step`` takes the same steps as the worker's
SMS reply (``dispatch.worker_accept``, ``start``, ``complete`` with the parts used,
``release``), audited as ``web:<staff code>`` with an audit row of the link's use (``via``:
web link, the client's address). ``worker_round`` fills in an inspection round's checklist
from the same page (``ticketing.rounds``: each item ok or not, a note, a repair raised for one
that is not; completing it needs every item checked and closes the ticket), and a round's
ticket is done from the page only that way: a plain 完成 is refused while items are unchecked.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ticketing import rounds
from ticketing.audit import audit
from ticketing.commands.base import ASSIGNMENT, LOCATION, STAFF, CommandContext, TicketError
from ticketing.commands.dispatch import complete, release, start, worker_accept
from ticketing.commands.outbound import CUT_KINDS, cut_day
from ticketing.commands.rows import load
from ticketing.lifecycle import OPEN, Status
from ticketing.model import Base
from ticketing.tokens import EPOCH, Claim, Purpose
from ticketing.tx import Record, Tx

GRANT = Base.metadata.tables["link_grant"]
KINDS = ("room", "worker")
STEPS = ("accept", "arrived", "done", "cannot")


class LinkRefused(TicketError):
    """A link that names something it may no longer act on, or a step it may not take.
    ``reason``: revoked | room_removed | unknown | ended | closed | rate_limited | service_type
    | phone | code | step (the catalog of the pages has a sentence for each); no_links |
    no_mobile (a ticket's links asked for at a center without links, a reporter without a
    mobile number)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


# --- versions: revoking every link of a room or of a worker's list -----------------------------


def grant_version(tx: Tx, kind: str, subject: str) -> int:
    row = tx.one("SELECT version FROM link_grant WHERE kind = ? AND subject = ?", (kind, subject))
    return int(row[0]) if row else 1


def revoke(ctx: CommandContext, tx: Tx, actor: str, kind: str, subject: str) -> int:
    """Raise the version of ``subject``'s links (a room's codes, a worker's list): every link
    issued before stops opening. Returns the new version."""
    if kind not in KINDS:
        raise TicketError(f"kind must be one of {', '.join(KINDS)}")
    if kind == "room":
        if tx.record(LOCATION, "code = ?", (subject,)) is None:
            raise TicketError(f"unknown location code {subject!r}")
    elif tx.record(STAFF, "code = ?", (subject,)) is None:
        raise TicketError(f"unknown worker {subject!r}")
    row = tx.record(GRANT, "kind = ? AND subject = ?", (kind, subject), lock=True)
    before = row.version if row else 1
    if row is None:
        tx.insert(GRANT, {"kind": kind, "subject": subject, "version": 2, "changed_at": tx.now,
                          "changed_by": actor[:50]})
    else:
        row.version, row.changed_at, row.changed_by = before + 1, tx.now, actor[:50]
    audit(tx, tx.now, actor, "link_grant", f"{kind}:{subject}", "revoke",
          {"version": before}, {"version": before + 1})
    return before + 1


# --- a work order's or a reporter's links, withdrawn by their last day -------------------------


def cut(ctx: CommandContext, tx: Tx, actor: str, purpose: Purpose, subject_id: int) -> date:
    """Withdraw every link of the assignment or ticket sent so far: each ends at the latest
    on the day it was sent plus its days, or one day past an earlier cut (``Links.token``).
    Returns the new cut day; the links sent from now on end after it."""
    links = ctx.links
    if links is None:
        raise LinkRefused("no_links", "this center hands out no links")
    kind, subject = CUT_KINDS[purpose], str(subject_id)
    before = cut_day(tx, purpose, subject_id)
    latest = links.last_day(purpose, tx.now.date()) or tx.now.date()
    if before is not None and before >= latest:
        latest = before + timedelta(days=1)
    day = (latest - EPOCH).days
    # written at once: the links this command sends next read it (``outbound.link_url``)
    if not tx.run("UPDATE link_grant SET version = ?, changed_at = ?, changed_by = ?"
                  " WHERE kind = ? AND subject = ?", (day, tx.at(tx.now), actor[:50], kind, subject)):
        tx.insert(GRANT, {"kind": kind, "subject": subject, "version": day, "changed_at": tx.now,
                          "changed_by": actor[:50]})
    audit(tx, tx.now, actor, "link_grant", f"{kind}:{subject}", "revoke",
          {"until": before.isoformat() if before else None}, {"until": latest.isoformat()})
    return latest


def check_cut(tx: Tx, claim: Claim) -> None:
    """``LinkRefused("revoked")`` when a work order's or a reporter's link was withdrawn."""
    if claim.purpose not in CUT_KINDS or claim.expires is None:
        return
    until = cut_day(tx, claim.purpose, claim.ids[0])
    if until is not None and claim.expires <= until:
        raise LinkRefused("revoked")


def room_ids(tx: Tx, code: str) -> tuple[int, int]:
    """What a room's code carries: (location id, its current version)."""
    loc = tx.record(LOCATION, "code = ?", (code,))
    if loc is None or not loc.active:
        raise TicketError(f"unknown location code {code!r}")
    return loc.id, grant_version(tx, "room", code)


def worker_ids(tx: Tx, staff_code: str) -> tuple[int, int]:
    """What a worker's list link carries: (staff id, the current version)."""
    staff = tx.record(STAFF, "code = ?", (staff_code,))
    if staff is None or not staff.active:
        raise TicketError(f"unknown or inactive worker {staff_code!r}")
    return staff.id, grant_version(tx, "worker", staff_code)


# --- what a link names ------------------------------------------------------------------------


def room_of(tx: Tx, claim: Claim) -> Record:
    """The room a code opens, if it is still there and the code is its current one."""
    location_id, version = claim.ids
    loc = tx.get(LOCATION, location_id)
    if loc is None or not loc.active:
        raise LinkRefused("room_removed")
    if version != grant_version(tx, "room", loc.code):
        raise LinkRefused("revoked")
    return loc


def staff_of(tx: Tx, claim: Claim) -> Record:
    """The worker a list link opens for, if active and the link is their current one."""
    staff_id, version = claim.ids
    staff = tx.get(STAFF, staff_id)
    if staff is None or not staff.active:
        raise LinkRefused("unknown")
    if version != grant_version(tx, "worker", staff.code):
        raise LinkRefused("revoked")
    return staff


def assignment_of(tx: Tx, claim: Claim, lock: bool = False) -> Record:
    """The assignment a work order's link opens, whatever its state (the page says when it
    has ended)."""
    a = tx.get(ASSIGNMENT, claim.ids[0], lock=lock)
    if a is None:
        raise LinkRefused("unknown")
    return a


def is_open(a: Record) -> bool:
    return a.state in ("offered", "accepted")


# --- the worker's steps -----------------------------------------------------------------------


def worker_step(ctx: CommandContext, tx: Tx, claim: Claim, action: str,
                parts: list[tuple[str, int]], reason: str, peer: str) -> Record:
    """接单 accept, 到达 arrived, 完成 done (with the parts used), 无法 cannot (with the reason)
    from the work order's page: the SMS reply's steps, by the worker the link was sent to."""
    if action not in STEPS:
        raise LinkRefused("step", f"unknown step {action!r}")
    a, t = _open_order(tx, claim)
    actor = f"web:{a.staff_code}"
    match action:
        case "accept":
            worker_accept(ctx, tx, actor, t.id, a.staff_code)
        case "arrived":
            start(ctx, tx, actor, t.id, a.staff_code)
        case "done":
            complete(ctx, tx, actor, t.id, parts, "by web link")
        case "cannot":
            release(ctx, tx, actor, t.id, a.staff_code, reason.strip()[:500] or "cannot do")
    after: dict[str, Any] = {"via": "web link", "ticket_id": t.id, "peer": peer[:64]}
    if parts:
        after["parts"] = [list(p) for p in parts]
    audit(tx, tx.now, actor, "assignment", a.id, f"link_{action}", None, after)
    return t


def worker_round(ctx: CommandContext, tx: Tx, claim: Claim, results: list[rounds.ItemResult],
                 complete: bool, note: str, peer: str) -> Record:
    """An inspection round's checklist from the work order's page, by the worker the link was
    sent to (``ticketing.rounds.record_round``; ``complete`` closes the ticket)."""
    a, t = _open_order(tx, claim)
    actor = f"web:{a.staff_code}"
    rounds.record_round(ctx, tx, actor, t.id, results, complete, note.strip()[:500])
    audit(tx, tx.now, actor, "assignment", a.id, "link_round", None,
          {"via": "web link", "ticket_id": t.id, "peer": peer[:64], "complete": complete})
    return t


def _open_order(tx: Tx, claim: Claim) -> tuple[Record, Record]:
    """The open assignment a work order's link names and its open ticket (locked)."""
    check_cut(tx, claim)
    a = assignment_of(tx, claim, lock=True)
    if not is_open(a):
        raise LinkRefused("ended")
    t = load(tx, a.ticket_id)
    if Status(t.status) not in OPEN:
        raise LinkRefused("closed")
    return a, t
