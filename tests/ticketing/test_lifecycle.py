from __future__ import annotations

import pytest

from ticketing.lifecycle import (
    OPEN,
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    label,
    next_status,
)

LEGAL = [(a, f, t) for a, table in TRANSITIONS.items() for f, t in table.items()]
ILLEGAL = [(a, f) for a in Action for f in Status if f not in TRANSITIONS[a]]


@pytest.mark.parametrize(("action", "start", "end"), LEGAL)
def test_every_legal_transition(action: Action, start: Status, end: Status) -> None:
    assert next_status(7, start, action) is end


@pytest.mark.parametrize(("action", "start"), ILLEGAL)
def test_every_illegal_transition_is_refused(action: Action, start: Status) -> None:
    with pytest.raises(IllegalTransition) as err:
        next_status(7, start, action)
    assert f"ticket 7: cannot {action.value}" in str(err.value)
    assert start.value in str(err.value)


def test_the_main_path_reads_as_the_center_says_it() -> None:
    path = [Action.DISPATCH, Action.START, Action.COMPLETE, Action.CALLBACK, Action.ASSESS]
    status = Status.ACCEPTED
    seen = [label(status)]
    for action in path:
        status = next_status(1, status, action)
        seen.append(label(status))
    assert seen == ["受理", "派发", "承办", "办结", "回访", "考核"]
    assert label(Status.DONE, "en") == "Done"


def test_closed_tickets_cannot_be_worked_on() -> None:
    for status in set(Status) - OPEN:
        for action in (Action.DISPATCH, Action.START, Action.ESCALATE, Action.EDIT):
            with pytest.raises(IllegalTransition):
                next_status(1, status, action)


def test_allowed_actions_are_those_the_written_rules_give_each_status() -> None:
    # README: accepted → dispatched → in progress → done → called back → assessed; cancel and
    # escalate while open; merge before work starts; reopen after done, call-back or cancel;
    # a worker's accept and release once dispatched; done straight from the phone.
    A = Action
    rules = {
        "accepted": {A.DISPATCH, A.COMPLETE, A.CANCEL, A.MERGE, A.ESCALATE, A.EDIT},
        "dispatched": {A.DISPATCH, A.WORKER_ACCEPT, A.START, A.COMPLETE, A.RELEASE, A.CANCEL,
                       A.MERGE, A.ESCALATE, A.EDIT},
        "in_progress": {A.WORKER_ACCEPT, A.COMPLETE, A.RELEASE, A.CANCEL, A.ESCALATE, A.EDIT},
        "done": {A.CALLBACK, A.REOPEN},
        "called_back": {A.ASSESS, A.REOPEN},
        "assessed": set(),
        "cancelled": {A.REOPEN},
        "merged": set(),
    }
    assert {s.value: set(allowed_actions(s)) for s in Status} == rules
    assert allowed_actions("in_progress") == allowed_actions(Status.IN_PROGRESS)
