"""The core speaks English to programs (errors, import problems, timeline notes); this puts what
it says into the user's language for the pages.

How to use it (shared by every page and the API's error answers):

- ``message(text, words)``: an error's ``detail`` → the user's words (the API answers carry
  both: ``detail`` for programs, ``message`` for people; ``OneStop.api`` shows ``message``).
- ``reasons(text, words)``: an import row's reasons (``; ``-separated) → the user's words.
- ``note(step, text, words, names)`` and ``actor(who, words, names)``: a timeline step's note
  and who took it, with workers' and users' names instead of codes.

Each known sentence is a pattern below with a catalog entry (``err:…``, ``why:…``,
``note:…``, in ``web/i18n/errors.py``); its captured parts are put into the entry's
``{placeholders}``, codes among them named first (``status``, ``step``, ``field``…). A sentence
no pattern knows is shown as it came (a person can still read it) — a new core message gets
its pattern here and its words in the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from web import labels

Words = Mapping[str, str]

# placeholder name → how its captured text is named before it goes into the sentence
_NAMED: dict[str, Callable[[str, Words], str]] = {
    "status": lambda v, w: labels.label("status", v, w),
    "step": lambda v, w: labels.label("step", v, w),
    "field": lambda v, w: labels.label("field", v, w),
    "fields": lambda v, w: w.get("list_sep", ", ").join(
        labels.label("field", f.strip(), w) for f in v.split(",") if f.strip()),
    "state": lambda v, w: labels.label("approval", v, w),
    "svc": lambda v, w: labels.label("svc", v, w),
    "role": lambda v, w: labels.label("role", v, w),
    "kind": lambda v, w: w.get(f"kind:{v}", v),
    "source": lambda v, w: labels.label("source", v, w),
    "via": lambda v, w: labels.label("via", v, w),
}


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern + r"\Z", re.S)


# (pattern, catalog key): errors of the ticket commands, the web's own checks, master data
ERRORS: list[tuple[re.Pattern[str], str]] = [
    (_p(r"ticket (?P<id>\d+): cannot (?P<step>\w+) a ticket that is (?P<status>\w+) \(allowed: .*\)"),
     "err:illegal"),
    (_p(r"no ticket (?P<id>\d+)"), "err:no_ticket"),
    (_p(r"satisfaction score must be 1\.\.5, got (?P<v>.*)"), "err:score"),
    (_p(r"a ticket cannot be merged into itself"), "err:merge_self"),
    (_p(r"ticket (?P<id>\d+) is (?P<status>\w+); merge into an open ticket"), "err:merge_closed"),
    (_p(r"cannot edit (?P<fields>[\w, ]+) of (?P<kind>\w+)"), "err:cannot_edit"),
    (_p(r"cannot edit (?P<fields>[\w, ]+)"), "err:cannot_edit"),
    (_p(r"priority must be one of .*"), "err:priority"),
    (_p(r"unknown department code '(?P<v>.*)'"), "err:unknown_org"),
    (_p(r"ticket (?P<id>\d+) is (?P<status>\w+): the kitchen has the order; .*"), "err:kitchen_has_it"),
    (_p(r"ticket (?P<id>\d+) needs no approval"), "err:no_approval"),
    (_p(r"ticket (?P<id>\d+) was already (?P<state>\w+) by (?P<by>.*)"), "err:decided"),
    (_p(r"ticket (?P<id>\d+) is (?P<status>\w+); only an accepted order can be decided"), "err:decide_late"),
    (_p(r"choose at least one worker to dispatch to"), "err:no_worker"),
    (_p(r"ticket (?P<id>\d+): add the dishes before dispatching the meal order"), "err:no_dishes"),
    (_p(r"ticket (?P<id>\d+) was rejected by (?P<by>.*)"), "err:rejected"),
    (_p(r"ticket (?P<id>\d+) waits for the ward head's approval"), "err:waits_approval"),
    (_p(r"unknown spare part '(?P<v>.*)'"), "err:unknown_part"),
    (_p(r"unknown location code '(?P<v>.*)'"), "err:unknown_location"),
    (_p(r"unknown or inactive worker '(?P<v>.*)'"), "err:unknown_worker"),
    (_p(r"ticket (?P<id>\d+) is not assigned to (?P<v>.*)"), "err:not_assigned"),
    (_p(r"worker (?P<v>\S+) has no mobile number to send to"), "err:no_mobile"),
    (_p(r"unknown service type '(?P<v>[^']*)'.*"), "err:unknown_service"),
    (_p(r"a meal order needs at least one dish"), "err:no_dishes_given"),
    (_p(r"not on any current menu: (?P<v>.*)"), "err:not_on_menu"),
    (_p(r"one order takes dishes of one meal on one day; .*"), "err:one_meal"),
    (_p(r"orders for (?P<v>.+) on (?P<day>[\d-]+) closed at (?P<at>[\d:]+).*"), "err:order_closed"),
    (_p(r"delivery time (?P<v>.+) has passed"), "err:delivery_passed"),
    (_p(r"deliver on the menu's day, (?P<day>[\d-]+)"), "err:delivery_day"),
    (_p(r"terminal disinfection needs the area .*"), "err:disinfection_area"),
    (_p(r"nothing to change"), "err:nothing_to_change"),
    (_p(r"first must not be after last"), "err:period_order"),
    (_p(r"at most three years at a time"), "err:period_long"),
    (_p(r"file larger than 20 MiB"), "err:file_large"),
    (_p(r"user (?P<v>.+) exists"), "err:user_exists"),
    (_p(r"log in first"), "err:login_first"),
    (_p(r"role (?P<role>\w+) may not use this \((?P<v>\w+)\)"), "err:forbidden"),
    (_p(r"role (?P<role>\w+) may not open this page"), "err:forbidden_page"),
    (_p(r"CSRF token missing or wrong.*"), "err:csrf"),
    (_p(r"unknown kind"), "err:not_found"),
    (_p(r"Not Found"), "err:not_found"),
    (_p(r"Method Not Allowed"), "err:method"),
    (_p(r"ticket (?P<id>\d+) has no slip yet"), "err:no_slip"),
    (_p(r"slip preview is not available.*"), "err:no_preview"),
    (_p(r"(?P<field>\w+): '(?P<v>.*)' is not a valid value"), "err:bad_value"),
    (_p(r"(?P<field>\w+): longer than (?P<n>\d+) characters"), "err:too_long"),
    (_p(r"role must be one of .*"), "err:role"),
    (_p(r"no (?P<kind>\w+) '(?P<v>.*)'"), "err:no_record"),
    (_p(r"language must be one of .*"), "err:language"),
    (_p(r"you cannot (?P<v>\w+) your own account"), "err:own_account"),
    (_p(r"an administrator cannot disable or demote their own account"), "err:own_account"),
    (_p(r"the first request with this key was carried out but .*"), "err:done_unanswered"),
    (_p(r"password: (?P<v>.*)"), "err:password"),
]

# the reasons an import gives for a bad row (ticketing.imports, ticketing.masterdata)
REASONS: list[tuple[re.Pattern[str], str]] = [
    (_p(r"unknown column '(?P<v>.*)' \(column (?P<n>\d+)\)"), "why:unknown_column"),
    (_p(r"column '(?P<v>.*)' repeats the (?P<field>\w+) column"), "why:repeated_column"),
    (_p(r"missing column '(?P<field>\w+)' \(.*\)"), "why:missing_column"),
    (_p(r"expected columns: (?P<v>.*)"), "why:expected_columns"),
    (_p(r"(?P<n>\d+) cells but the header has (?P<w>\d+) columns"), "why:too_many_cells"),
    (_p(r"only (?P<n>\d+) cells, the header has (?P<w>\d+) columns"), "why:too_few_cells"),
    (_p(r"(?P<field>\w+) is empty"), "why:empty"),
    (_p(r"duplicate (?P<field>\w+) '(?P<v>.*)' \(first on line (?P<n>\d+)\)"), "why:duplicate"),
    (_p(r"(?P<v>department|location|staff|supplier) name '(?P<name>.*)' is ambiguous.*"), "why:ambiguous"),
    (_p(r"unknown (?P<v>department|location|staff|supplier) code '(?P<code>.*)'"), "why:unknown_ref"),
    (_p(r"phone (?P<v>\S+) already belongs to staff (?P<code>\S+)"), "why:phone_taken"),
    (_p(r"(?P<field>\w+): longer than (?P<n>\d+) characters"), "why:too_long"),
    (_p(r"(?P<field>\w+): code '(?P<v>.*)' may hold only .*"), "why:bad_code"),
    (_p(r"(?P<field>\w+): location code '(?P<v>.*)' must be digits.*"), "why:location_digits"),
    (_p(r"(?P<field>\w+): '(?P<v>.*)' is not a whole number"), "why:not_integer"),
    (_p(r"(?P<field>\w+): '(?P<v>.*)' is not a number"), "why:not_number"),
    (_p(r"(?P<field>\w+): price '(?P<v>.*)' .*"), "why:bad_price"),
    (_p(r"(?P<field>\w+): '(?P<v>.*)' is not yes/no.*"), "why:not_bool"),
    (_p(r"(?P<field>\w+): '(?P<v>.*)' is not one of .*"), "why:not_choice"),
    (_p(r"(?P<field>\w+): phone '(?P<v>.*)' is not .*"), "why:bad_phone"),
    (_p(r"(?P<field>\w+): number '(?P<v>.*)' is not .*"), "why:bad_phone"),
    (_p(r"(?P<field>\w+): unknown skill '(?P<v>.*)'; .*"), "why:unknown_skill"),
    (_p(r"(?P<field>\w+): date '(?P<v>.*)' is not YYYY-MM-DD"), "why:bad_date"),
    (_p(r"(?P<field>\w+): time '(?P<v>.*)' is not HH:MM"), "why:bad_time"),
    (_p(r"(?P<field>\w+): (?P<v>.*)"), "why:bad_field"),
    (_p(r"the file is not .*|cannot read .*|.* is not a CSV or Excel .*|.*not valid (UTF-8|GBK).*"),
     "why:unreadable_file"),
]

# timeline notes the core writes in English (anything else is a person's own words)
NOTES: list[tuple[str, re.Pattern[str], str]] = [
    ("callback", _p(r"score (?P<n>\d) via (?P<via>\w+)"), "note:score"),
    ("merge", _p(r"duplicate of (?P<id>\d+)"), "note:duplicate_of"),
    ("merged_in", _p(r"ticket (?P<id>\d+) merged in"), "note:merged_in"),
    ("resend", _p(r"(?P<n>\d+) SMS"), "note:sms_count"),
    ("cancel", _p(r"rejected by (?P<by>[^:]*): (?P<v>.*)"), "note:rejected_by_because"),
    ("cancel", _p(r"rejected by (?P<by>.*)"), "note:rejected_by"),
    ("cancel", _p(r"cancelled"), "note:cancelled"),
    ("reopen", _p(r"reopened"), "note:reopened"),
    ("escalate", _p(r"by desk"), "note:by_desk"),
    ("escalate", _p(r"response time limit passed"), "note:response_late"),
    ("escalate", _p(r"completion time limit passed"), "note:completion_late"),
    ("escalate", _p(r"not accepted and nobody else on duty"), "note:nobody_else"),
    ("escalate", _p(r"not accepted in time: order sent again"), "note:sent_again"),
    ("escalate", _p(r"not accepted in time: offered to (?P<code>\S+)"), "note:offered_to"),
    ("complete", _p(r"answered on the phone"), "note:on_the_phone"),
    ("approval_requested", _p(r"no ward head on file: .*"), "note:no_ward_head"),
]


def _fill(key: str, groups: dict[str, str], words: Words, names: Mapping[str, str]) -> str:
    values = {k: (_NAMED[k](v, words) if k in _NAMED else names.get(v, v) if k == "code" else v)
              for k, v in groups.items()}
    template = words.get(key, key)
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


def _match(text: str, table: list[tuple[re.Pattern[str], str]], words: Words,
           names: Mapping[str, str] | None = None) -> str | None:
    for pattern, key in table:
        m = pattern.match(text.strip())
        if m:
            return _fill(key, m.groupdict(), words, names or {})
    return None


def message(text: Any, words: Words) -> str:
    """An error's text in the user's words (as it came when no pattern knows it)."""
    if not isinstance(text, str):
        return words.get("err:invalid", "") if text else ""
    return _match(text, ERRORS, words) or text


def reasons(text: str, words: Words) -> str:
    """An import row's reasons (``; ``-separated, an ``expected columns`` list last)."""
    out = []
    for part in text.split("; "):
        out.append(_match(part, REASONS, words) or part)
    return words.get("sentence_sep", "; ").join(out)


def note(step: str, text: str, words: Words, names: Mapping[str, str], actor_code: str = "") -> str:
    """A timeline note in the user's words: the core's own sentences translated, codes of
    workers named, a person's words left as they wrote them."""
    text = (text or "").strip()
    if not text:
        return ""
    if step == "accept":
        return labels.label("source", text, words)
    if step in ("worker_accept", "start") and actor_code and text == actor_code:
        return ""  # the worker's own reply: the note names who the step already names
    if step in ("dispatch", "worker_accept", "start", "approval_requested") and \
            re.fullmatch(r"[\w.-]+(, [\w.-]+)*", text):
        return words.get("list_sep", ", ").join(names.get(c, c) for c in text.split(", "))
    if step == "release" and ": " in text:
        code, reason = text.split(": ", 1)
        return f"{names.get(code, code)}: {reason}"
    if step == "edit" and re.fullmatch(r"[a-z_]+(, [a-z_]+)*", text):
        return _NAMED["fields"](text, words)
    for when, pattern, key in NOTES:
        if when == step:
            m = pattern.match(text)
            if m:
                return _fill(key, m.groupdict(), words, names)
    return text


ACTOR_VIA = {"sms:": "actor:by_sms", "web:": "actor:by_link"}  # a worker's reply by SMS, on the phone page


def actor_code(who: str) -> str:
    """The staff code in a worker's actor (``sms:W001``, ``web:W001``), else the actor as it is."""
    for prefix in ACTOR_VIA:
        if who.startswith(prefix):
            return who[len(prefix):]
    return who


def actor(who: str, words: Words, names: Mapping[str, str]) -> str:
    """Who took a step: a user's or worker's name (and how a worker answered: by SMS, on the
    work order's phone page), a room's code (a report from its QR label), the system and the
    IVR by their role."""
    for prefix, key in ACTOR_VIA.items():
        if who.startswith(prefix):
            code = who[len(prefix):]
            return words.get(key, "{name}").format(name=names.get(code, code))
    if who.startswith("qr:"):
        return words.get("actor:by_qr", "{room}").format(room=who[3:])
    if f"actor:{who}" in words:
        return words[f"actor:{who}"]
    return names.get(who, who)
