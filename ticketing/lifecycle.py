"""The ticket lifecycle as a table of allowed transitions.

受理 accepted → 派发 dispatched → 承办 in_progress → 办结 done → 回访 called_back → 考核 assessed,
plus cancelled and merged (closed without work). Reopen sends a finished ticket back to
accepted; escalate raises the escalation level without changing the status; a worker who
cannot do the job releases it back to accepted for another dispatch.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CALLED_BACK = "called_back"
    ASSESSED = "assessed"
    CANCELLED = "cancelled"
    MERGED = "merged"


class Action(StrEnum):
    DISPATCH = "dispatch"
    WORKER_ACCEPT = "worker_accept"
    START = "start"
    COMPLETE = "complete"
    RELEASE = "release"
    CALLBACK = "callback"
    ASSESS = "assess"
    CANCEL = "cancel"
    REOPEN = "reopen"
    MERGE = "merge"
    ESCALATE = "escalate"
    EDIT = "edit"


S = Status
OPEN = frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS})
CLOSED = frozenset({S.DONE, S.CALLED_BACK, S.ASSESSED, S.CANCELLED, S.MERGED})

# action → {from status: to status}
TRANSITIONS: dict[Action, dict[Status, Status]] = {
    Action.DISPATCH: {S.ACCEPTED: S.DISPATCHED, S.DISPATCHED: S.DISPATCHED},
    Action.WORKER_ACCEPT: {S.DISPATCHED: S.DISPATCHED, S.IN_PROGRESS: S.IN_PROGRESS},
    Action.START: {S.DISPATCHED: S.IN_PROGRESS},
    # Solved on the phone (advice, complaints answered) goes straight from accepted to done.
    Action.COMPLETE: {S.ACCEPTED: S.DONE, S.DISPATCHED: S.DONE, S.IN_PROGRESS: S.DONE},
    Action.RELEASE: {S.DISPATCHED: S.ACCEPTED, S.IN_PROGRESS: S.ACCEPTED},
    Action.CALLBACK: {S.DONE: S.CALLED_BACK},
    Action.ASSESS: {S.CALLED_BACK: S.ASSESSED},
    Action.CANCEL: {s: S.CANCELLED for s in OPEN},
    Action.REOPEN: {S.DONE: S.ACCEPTED, S.CALLED_BACK: S.ACCEPTED, S.CANCELLED: S.ACCEPTED},
    Action.MERGE: {S.ACCEPTED: S.MERGED, S.DISPATCHED: S.MERGED},
    Action.ESCALATE: {s: s for s in OPEN},
    Action.EDIT: {s: s for s in OPEN},
}

LABELS: dict[Status, dict[str, str]] = {
    S.ACCEPTED: {"zh-CN": "受理", "en": "Accepted"},
    S.DISPATCHED: {"zh-CN": "派发", "en": "Dispatched"},
    S.IN_PROGRESS: {"zh-CN": "承办", "en": "In progress"},
    S.DONE: {"zh-CN": "办结", "en": "Done"},
    S.CALLED_BACK: {"zh-CN": "回访", "en": "Called back"},
    S.ASSESSED: {"zh-CN": "考核", "en": "Assessed"},
    S.CANCELLED: {"zh-CN": "已取消", "en": "Cancelled"},
    S.MERGED: {"zh-CN": "已合并", "en": "Merged"},
}


def allowed_actions(status: Status | str) -> frozenset[Action]:
    """The actions the table allows from ``status`` (what a page may offer on such a ticket)."""
    current = Status(status)
    return frozenset(a for a, table in TRANSITIONS.items() if current in table)


class IllegalTransition(Exception):
    """The action is not allowed from the ticket's current status."""

    def __init__(self, ticket_id: int, action: Action, status: Status) -> None:
        allowed = sorted(a.value for a in allowed_actions(status))
        super().__init__(
            f"ticket {ticket_id}: cannot {action.value} a ticket that is {status.value}"
            f" (allowed: {', '.join(allowed) or 'nothing'})"
        )
        self.ticket_id = ticket_id
        self.action = action
        self.status = status


def next_status(ticket_id: int, status: Status | str, action: Action) -> Status:
    """The status after ``action``, or :class:`IllegalTransition`."""
    current = Status(status)
    try:
        return TRANSITIONS[action][current]
    except KeyError:
        raise IllegalTransition(ticket_id, action, current) from None


def label(status: Status | str, language: str = "zh-CN") -> str:
    return LABELS[Status(status)].get(language, LABELS[Status(status)]["en"])
