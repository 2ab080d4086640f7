"""The lifecycle against the rules as written (docs/CONTRACTS.md, "Lifecycle"), not against
``TRANSITIONS``: the table below is typed out from the document. A change to the allowed steps
must be made here and in ``ticketing/lifecycle.py``, on purpose."""

from __future__ import annotations

import pytest

from ticketing.lifecycle import (
    Action,
    IllegalTransition,
    Status,
    allowed_actions,
    label,
    next_status,
)

# status × action → next status; "·" = refused. Columns in the order of ACTIONS.
ACTIONS = ("dispatch", "worker_accept", "start", "complete", "release", "callback", "assess",
           "cancel", "reopen", "merge", "escalate", "edit")
RULES = """
status       dispatch    worker_accept start       complete release  callback    assess   cancel    reopen   merge  escalate    edit
accepted     dispatched  ·             ·           done     ·        ·           ·        cancelled ·        merged accepted    accepted
dispatched   dispatched  dispatched    in_progress done     accepted ·           ·        cancelled ·        merged dispatched  dispatched
in_progress  ·           in_progress   ·           done     accepted ·           ·        cancelled ·        ·      in_progress in_progress
done         ·           ·             ·           ·        ·        called_back ·        ·         accepted ·      ·           ·
called_back  ·           ·             ·           ·        ·        ·           assessed ·         accepted ·      ·           ·
assessed     ·           ·             ·           ·        ·        ·           ·        ·         ·        ·      ·           ·
cancelled    ·           ·             ·           ·        ·        ·           ·        ·         accepted ·      ·           ·
merged       ·           ·             ·           ·        ·        ·           ·        ·         ·        ·      ·           ·
"""
STATUSES = ("accepted", "dispatched", "in_progress", "done", "called_back", "assessed", "cancelled",
            "merged")


def _table() -> dict[tuple[str, str], str | None]:
    lines = [line.split() for line in RULES.strip().splitlines()]
    assert tuple(lines[0][1:]) == ACTIONS
    table: dict[tuple[str, str], str | None] = {}
    for status, *cells in lines[1:]:
        assert len(cells) == len(ACTIONS), status
        for action, cell in zip(ACTIONS, cells, strict=True):
            table[(status, action)] = None if cell == "·" else cell
    assert [line[0] for line in lines[1:]] == list(STATUSES)
    return table


EXPECTED = _table()
LEGAL = sorted((s, a, to) for (s, a), to in EXPECTED.items() if to is not None)
ILLEGAL = sorted((s, a) for (s, a), to in EXPECTED.items() if to is None)


def test_the_code_knows_exactly_the_documented_statuses_and_actions() -> None:
    assert sorted(s.value for s in Status) == sorted(STATUSES)
    assert sorted(a.value for a in Action) == sorted(ACTIONS)


@pytest.mark.parametrize(("start", "action", "end"), LEGAL)
def test_every_documented_step_is_allowed(start: str, action: str, end: str) -> None:
    assert next_status(7, start, Action(action)) == Status(end)


@pytest.mark.parametrize(("start", "action"), ILLEGAL)
def test_every_step_the_rules_do_not_name_is_refused(start: str, action: str) -> None:
    with pytest.raises(IllegalTransition) as err:
        next_status(7, start, Action(action))
    assert err.value.ticket_id == 7 and err.value.action == action and err.value.status == start
    # the message names the step and what the ticket's status does allow, from the rules above
    allowed = sorted(a for (s, a), to in EXPECTED.items() if s == start and to is not None)
    assert str(err.value) == (f"ticket 7: cannot {action} a ticket that is {start}"
                              f" (allowed: {', '.join(allowed) or 'nothing'})")


def test_the_finished_loop_is_final() -> None:
    # an assessed ticket is the end of the loop: a new problem is a new ticket, never a reopen
    for action in Action:
        with pytest.raises(IllegalTransition, match="allowed: nothing"):
            next_status(1, "assessed", action)


def test_the_main_path_reads_as_the_center_says_it() -> None:
    path = [Action.DISPATCH, Action.START, Action.COMPLETE, Action.CALLBACK, Action.ASSESS]
    status = Status.ACCEPTED
    seen = [label(status)]
    for action in path:
        status = next_status(1, status, action)
        seen.append(label(status))
    assert seen == ["受理", "派发", "承办", "办结", "回访", "考核"]
    assert [label(s, "en") for s in ("done", "cancelled", "merged")] == ["Done", "Cancelled", "Merged"]
    assert label("in_progress", "fr") == "In progress", "an unknown language falls back to English"


def test_an_unknown_status_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'reopened'"):
        next_status(1, "reopened", Action.DISPATCH)


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
    # … and agrees with the status × action table above, read the other way
    for status in STATUSES:
        assert {a.value for a in allowed_actions(status)} == {
            a for (s, a), to in EXPECTED.items() if s == status and to is not None}, status
    assert allowed_actions("in_progress") == allowed_actions(Status.IN_PROGRESS)
