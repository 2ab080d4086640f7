"""The acknowledgement calls the AMI part places, as an outbox: due rows are *leased*.

``claim_due`` hands out the calls whose offer is still unanswered when they fall due (the
others are closed as not needed); ``mark_dialing`` records the ActionID before the Originate
goes out. A part that dies holding a lease: a call not yet dialled is due again; a call that
was dialling is closed as ``failed`` ("interrupted") and the ticket moves on as for any
unanswered call — a worker is never called twice for one offer. The call's fate and the
worker's key go through ``TicketService.ack_call_result`` / ``ack_call_answer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ticketing.commands.outcalls import OUTBOUND, ack_not_needed
from ticketing.tx import Record, Tx


@dataclass(frozen=True)
class AckCallView:
    """One due acknowledgement call."""

    id: int
    ticket_id: int
    staff_code: str
    number: str
    location_code: str
    attempts: int


class AckCallQueue:
    """``service``: the ``TicketService`` whose commands record what came of each call."""

    def __init__(self, service: Any, lease: timedelta = timedelta(minutes=2),
                 call_lease: timedelta = timedelta(minutes=10)) -> None:
        self.service = service
        self.store, self.clock = service.store, service.clock
        self.lease, self.call_lease = lease, call_lease

    def claim_due(self, limit: int = 5) -> list[AckCallView]:
        now = self.clock.now()
        interrupted: list[int] = []
        out: list[AckCallView] = []
        with self.service.tx() as tx:
            at = tx.at(now)
            for call in tx.records(OUTBOUND, "kind = 'ack' AND status IN ('claimed', 'dialing', 'answered')"
                                   " AND lease_until < ? ORDER BY id", (at,), lock=True, skip_locked=True):
                if call.status == "claimed":  # never dialled: due again
                    call.status, call.lease_until = "scheduled", None
                else:
                    interrupted.append(call.id)
            tx.flush()
            for call in tx.records(OUTBOUND, "kind = 'ack' AND status = 'scheduled' AND due_at <= ?"
                                   " ORDER BY due_at, id LIMIT ?", (at, limit), lock=True, skip_locked=True):
                why = ack_not_needed(tx, call)
                if why:
                    _close(tx, call, "not_needed", why)
                    continue
                call.status, call.lease_until, call.updated_at = "claimed", now + self.lease, now
                call.attempts += 1
                loc = tx.one("SELECT location_code FROM ticket WHERE id = ?", (call.ticket_id,))
                out.append(AckCallView(call.id, call.ticket_id, call.staff_code, call.number,
                                       loc[0] if loc else "", call.attempts))
        for call_id in interrupted:
            self.service.ack_call_result(call_id, "failed", "interrupted: no result before the lease ran out")
        return out

    def mark_dialing(self, call_id: int, action_id: str) -> None:
        now = self.clock.now()
        with self.service.tx() as tx:
            call = tx.get(OUTBOUND, call_id, lock=True)
            if call is not None and call.status == "claimed":
                call.status, call.action_id = "dialing", action_id[:40]
                call.lease_until, call.updated_at = now + self.call_lease, now

    def counts(self) -> dict[str, int]:
        with self.service.tx() as tx:
            return {s: n for s, n in tx.all("SELECT status, COUNT(*) FROM outbound_call"
                                            " WHERE kind = 'ack' GROUP BY status")}


def _close(tx: Tx, call: Record, outcome: str, reason: str) -> None:
    """The order was answered (or the ticket closed) before the call fell due: no call, and
    nothing on the timeline — the answer is there already."""
    call.status, call.outcome, call.reason = "cancelled", outcome, reason[:200]
    call.updated_at, call.lease_until = tx.now, None
