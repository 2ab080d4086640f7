"""What a ticket offers the person looking at it: exactly the steps its state allows — asked of
the lifecycle (``ticketing.lifecycle.allowed_actions``), never repeated in a template —, that
the person's role may take, and that the ticket's own facts permit (a meal order waiting for
the ward head is not dispatched; a slip is reprinted only once there is one).

How to use it (shared by every page that shows a ticket): ``offered(view, user, ...)`` gives
the action names in the order the buttons go; ``web.api.tickets.ticket_detail`` puts them in
the ticket's JSON as ``actions``, and the desk's and the ticket page's action bar draws a
button for each and nothing else (its words are the catalog's ``act:<name>``). Each name is
the path of its API call: ``POST /api/tickets/{id}/<name>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ticketing.lifecycle import OPEN, Action, allowed_actions

# action name (= its API path) → the lifecycle step it takes (None: not a status change)
STEPS: dict[str, Action | None] = {
    "dispatch": Action.DISPATCH,
    "approve": None,
    "reject": None,
    "complete": Action.COMPLETE,
    "callback": Action.CALLBACK,
    "assess": Action.ASSESS,
    "escalate": Action.ESCALATE,
    "merge": Action.MERGE,
    "reprint": None,
    "resend": None,
    "cancel": Action.CANCEL,
    "reopen": Action.REOPEN,
}
SUPERVISED = frozenset({"assess"})  # the rest need "write"


def offered(view: Any, can: Any, has_slip: bool, active_workers: Iterable[str] = ()) -> list[str]:
    """The actions ``view`` (a ``TicketView`` or its dict) offers a user for whom
    ``can(permission)`` is true, in button order. ``has_slip``: a work slip was printed;
    ``active_workers``: workers still on it (offered or accepted)."""
    get = view.get if isinstance(view, dict) else lambda k, d=None: getattr(view, k, d)
    if not can("write"):
        return []
    allowed = allowed_actions(get("status") or "")
    details = get("details") or {}
    approval = (details.get("approval") or {}).get("state", "")
    waiting = approval in ("pending", "rejected")
    no_dishes = get("service_type") == "meals" and not details.get("meal")
    out = []
    for name, step in STEPS.items():
        if step is not None and step not in allowed:
            continue
        if name in SUPERVISED and not can("supervise"):
            continue
        if name == "dispatch" and (waiting or no_dishes):
            continue
        if name in ("approve", "reject") and not (approval == "pending" and get("status") == "accepted"):
            continue
        if name == "reprint" and not has_slip:
            continue
        if name == "resend" and not (list(active_workers) and get("status") in OPEN):
            continue  # resend: only while the ticket is open and someone is on it
        out.append(name)
    return out
