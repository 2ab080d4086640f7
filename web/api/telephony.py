"""Telephony from the desk: click-to-call from a ticket, the calls placed for a ticket, the
recordings of its calls (played by leads and managers, every play audited).

``Telephony`` is the port the composition root hands in (``WebDeps.telephony``,
``onestop/telephony.py``): without it — no PBX — these routes answer 501 (503 while the PBX is unreachable). Numbers are checked
by ``ticketing.dialing`` before the PBX sees them; errors carry a ``code`` and their words
in the user's language.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ticketing.dialing import DialRefused, dialable
from ticketing.model import Assignment, Staff, User
from ticketing.model_calls import CallRecording, OutboundCall
from ticketing.operator_time import operator_time
from ticketing.recordings import locate, played, ticket_recordings
from ticketing.views import TicketView
from web.auth import CurrentUser
from web.deps import Dialer, Listener, Reader, TicketId, web_state
from web.i18n import translate
from web.security import mask_number

router = APIRouter(prefix="/api", tags=["telephony"])


class Telephony(Protocol):
    """What the desk asks of the PBX (implemented over AMI in ``onestop/telephony.py``)."""

    @property
    def ready(self) -> bool: ...

    def operator(self, login: str) -> Any:
        """The ``[[ami.operators]]`` entry of a desk log-in (interface, name, own_extension())."""

    def click_to_call(self, call_id: int, action_id: str, extension: str, number: str,
                      ticket_id: int) -> None:
        """Ring the operator's ``extension``, then dial ``number``; returns at once."""


def refuse(status: int, code: str, user: CurrentUser, extra: str = "") -> HTTPException:
    """An error the desk shows as it is: its words in the user's language, and a code."""
    return HTTPException(status, {"code": code, "message": translate(code, user.language) + extra})


class CallIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Literal["reporter", "worker"] = "reporter"
    staff_code: str = Field("", max_length=32)  # which worker (target worker)


@router.post("/tickets/{ticket_id}/call", status_code=202)
async def call(request: Request, ticket_id: TicketId, body: CallIn, user: Dialer) -> dict[str, Any]:
    """Click-to-call: the operator's own phone rings first, then the reporter's (or the
    worker's) number. The call is on the ticket's timeline and in its calls; 202 as soon as
    it is asked for — what happens next arrives on the ticket."""
    web = web_state(request)
    tel: Telephony | None = web.deps.telephony
    settings = web.deps.settings.telephony
    if tel is None or not settings.click_to_call:
        raise refuse(501, "tel.err.disabled", user)
    if not tel.ready:
        raise refuse(503, "tel.err.not_connected", user)
    op = tel.operator(user.username)
    extension = op.own_extension() if op is not None else ""
    if not extension:
        raise refuse(409, "tel.err.no_extension", user)
    view = await run_in_threadpool(web.deps.service.get, ticket_id)
    number, staff_code = await run_in_threadpool(_number_of, web, view, body, user)
    try:
        dial = dialable(number, allow_international=settings.allow_international,
                        allow_premium=settings.allow_premium, internal=settings.internal_pattern)
    except DialRefused as exc:
        raise refuse(422, f"tel.dial.{exc.why}", user) from None
    placed = await run_in_threadpool(web.deps.service.desk_call, user.username, ticket_id, body.target,
                                     dial.number, extension, staff_code)
    tel.click_to_call(placed["id"], placed["action_id"], extension, dial.number, ticket_id)
    return {"id": placed["id"], "status": placed["status"], "extension": extension,
            "number": mask_number(dial.number) if user.masked else dial.number, "kind": dial.kind}


def _number_of(web: Any, view: TicketView, body: CallIn, user: CurrentUser) -> tuple[str, str]:
    if body.target == "reporter":
        return view.reporter_phone, ""
    with web.deps.store.session() as s:
        on_ticket = s.scalar(select(Assignment.id).where(
            Assignment.ticket_id == view.id, Assignment.staff_code == body.staff_code))
        phone = s.scalar(select(Staff.phone).where(Staff.code == body.staff_code))
    if on_ticket is None or phone is None:
        raise refuse(422, "tel.err.not_on_ticket", user)
    return phone, body.staff_code


def ticket_calls(s: Session, ticket_id: int, masked: bool) -> list[dict[str, Any]]:
    """The calls placed for a ticket, newest last (the ticket page's "calls placed")."""
    rows = s.scalars(select(OutboundCall).where(OutboundCall.ticket_id == ticket_id)
                     .order_by(OutboundCall.id)).all()
    return [{"id": r.id, "kind": r.kind, "target": r.target, "staff_code": r.staff_code,
             "number": mask_number(r.number) if masked else r.number, "status": r.status,
             "outcome": r.outcome, "reason": r.reason, "requested_by": r.requested_by,
             "extension": r.extension, "talk_s": r.talk_s,
             "at": (r.answered_at or r.updated_at).isoformat(), "created_at": r.created_at.isoformat()}
            for r in rows]


def telephony_extras(s: Session, view: TicketView, user: CurrentUser, folder: str = "") -> dict[str, Any]:
    """What the ticket page shows of telephony: the calls placed, and for those who may play
    them the recordings of its calls (present, missing or deleted)."""
    out: dict[str, Any] = {"calls_out": ticket_calls(s, view.id, user.masked)}
    if user.can("recordings") and folder:
        out["recordings"] = [{"uniqueid": r.uniqueid, "file": r.file, "state": r.state, "size": r.size,
                              "call_started_at": r.call_started_at.isoformat()}
                             for r in ticket_recordings(s, view.id, folder)]
    return out


# --- recordings ----------------------------------------------------------------------------

AUDIO_TYPES = {".wav": "audio/wav", ".gsm": "audio/x-gsm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg"}
Uniqueid = Annotated[str, Path(max_length=64, pattern=r"^[0-9A-Za-z._-]+$", description="the call's uniqueid")]


@router.get("/recordings/{uniqueid}", responses={206: {"description": "part of the file (Range)"},
                                                  404: {"description": "no such recording, or its file is missing"},
                                                  410: {"description": "deleted after the retention period"}})
def recording(request: Request, uniqueid: Uniqueid, user: Listener) -> FileResponse:
    """A hotline call's recording, with HTTP range requests (206, ``Content-Range``) so the
    browser's player can seek. Each play is audited (a request from the file's start)."""
    web = web_state(request)
    settings = web.deps.settings.recordings
    with web.deps.store.session() as s:
        rec = s.scalar(select(CallRecording).where(CallRecording.uniqueid == uniqueid))
        if rec is None:
            raise refuse(404, "tel.err.no_recording", user)
        if rec.deleted_at is not None:
            raise refuse(410, "tel.rec.deleted", user)
        found = locate(settings.dir, rec.file)
        if found is None:
            raise refuse(404, "tel.err.recording_missing", user)
        span = request.headers.get("range", "")
        if not span or span.replace(" ", "").startswith("bytes=0-"):  # a play, not a seek within it
            played(s, uniqueid, user.username, web.deps.clock.now(),
                   {"file": rec.file, "range": span[:40] or "all"})
    return FileResponse(found, media_type=AUDIO_TYPES.get(found.suffix.lower(), "application/octet-stream"),
                        headers={"Cache-Control": "no-store"}, content_disposition_type="inline")


# --- the operator's queue controls ---------------------------------------------------------

class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field("", max_length=40)  # one of [telephony] pause_reasons


def _member(web: Any, user: CurrentUser) -> tuple[Any, Any]:
    tel = web.deps.telephony
    if tel is None:
        raise refuse(501, "tel.err.disabled", user)
    op = tel.operator(user.username)
    if op is None:
        raise refuse(409, "tel.err.not_member", user)
    return tel, op


@router.get("/queue/me")
def my_queue_state(request: Request, user: Dialer) -> dict[str, Any]:
    """The operator's own place in the queue: logged in or out, paused and why (as the AMI
    listener last saw it), and the pause reasons the desk offers."""
    web = web_state(request)
    tel, op = _member(web, user)
    ops = (web.deps.hub.last_cti.get("operators") or {})
    mine = ops.get(op.name or op.interface) or {}
    reasons = web.deps.settings.telephony.pause_reasons
    return {"member": op.name or op.interface, "connected": bool(tel.ready),
            "state": mine.get("state", "unknown"), "paused": bool(mine.get("paused")),
            "reason": mine.get("reason", ""),
            "reasons": [{"code": r, "name": translate(f"tel.pause.{r}", user.language)} for r in reasons]}


@router.post("/queue/{action}")
async def queue_action(request: Request, action: Literal["login", "logout", "pause", "unpause"],
                       user: Dialer, body: PauseIn | None = None) -> dict[str, Any]:
    """Log in to the queue (QueueAdd), log out (QueueRemove), pause with a reason code or
    resume (QueuePause) — for the operator's own queue member. What Asterisk answers is
    said as it is (a refusal is 409 with its message); each is in the audit log."""
    web = web_state(request)
    tel, op = _member(web, user)
    reason = (body.reason if body else "") if action == "pause" else ""
    if action == "pause" and reason not in web.deps.settings.telephony.pause_reasons:
        raise refuse(422, "tel.err.bad_reason", user)
    if not tel.ready:
        raise refuse(503, "tel.err.not_connected", user)
    ok, message = await tel.queue_action(action, op, reason)
    await run_in_threadpool(_audit_queue, web, user, action, op, reason, ok, message)
    if not ok:
        raise refuse(409, "tel.err.refused", user, message)
    return {"action": action, "member": op.name or op.interface, "reason": reason, "message": message}


def _audit_queue(web: Any, user: CurrentUser, action: str, op: Any, reason: str, ok: bool, message: str) -> None:
    from ticketing.audit import audit

    with web.deps.store.session() as s:
        audit(s, web.deps.clock.now(), user.username, "operator", user.username, f"queue_{action}", None,
              {"member": op.name or op.interface, "reason": reason, "ok": ok, "message": message[:200]})


# --- the operators' time in the statistics --------------------------------------------------

@router.get("/stats/operators")
def operators_time(request: Request, user: Reader, first: date | None = None,
                   last: date | None = None) -> dict[str, Any]:
    """Per operator over the days asked for (default the last 30, the center's days): seconds
    of talk, wrap-up and pause (and pause per reason), calls talked — from the AMI events."""
    from web.api.stats import period_of

    web = web_state(request)
    first, last, period = period_of(web, first, last)
    with web.deps.store.session() as s:
        rows = operator_time(s, period.start, period.end)
        names = dict(s.execute(select(User.username, User.display_name)).all())
    for r in rows:
        r["name"] = names.get(r["login"]) or r["member"]
        r["pauses"] = [{"reason": k, "name": _pause_name(k, user.language), "seconds": v}
                       for k, v in sorted(r["pauses"].items())]
    return user.redact({"first": first.isoformat(), "last": last.isoformat(), "rows": rows})


def _pause_name(code: str, language: str) -> str:
    key = f"tel.pause.{code}"
    name = translate(key, language)
    return code if name == key else name


# --- the live queue figures ------------------------------------------------------------------

@router.get("/queue")
def queue_now(request: Request, user: Reader) -> dict[str, Any]:
    """The hotline queue now: callers waiting and the longest wait, today's answered,
    answered within the service level's threshold, abandoned, the service level and the
    abandon rate, members logged in and free, each operator's state (the wallboard's queue
    panel; the same keys arrive live in its ``wallboard`` events). Without the AMI listener in
    this process: its last published figures, today's counts from the call log."""
    web = web_state(request)
    tel = web.deps.telephony
    if tel is not None and getattr(tel, "seeded", False):
        out = tel.figures_now()
    else:
        out = {"calls_waiting": 0, "longest_wait_s": 0.0, **_day_from_the_log(web), **web.deps.hub.last_cti}
    out["operators"] = _operators(out.get("operators") or {}, user)
    return user.redact(out)  # a member named by its number (SIP/138…) is masked for viewers


def _day_from_the_log(web: Any) -> dict[str, Any]:
    from datetime import datetime, time, timedelta

    from ticketing.calls import queue_day

    sl = web.deps.settings.telephony.service_level_s
    day = web.deps.clock.now().astimezone(web.tz).date()
    start = datetime.combine(day, time(0), web.tz)
    with web.deps.store.session() as s:
        got = queue_day(s, start, start + timedelta(days=1), sl)
    done = got["answered"] + got["abandoned"]
    return {"offered_today": done, "answered_today": got["answered"], "answered_in_sl_today": got["in_sl"],
            "abandoned_today": got["abandoned"], "sl_threshold_s": sl,
            "service_level": round(got["in_sl"] / done, 3) if done else None,
            "abandon_rate": round(got["abandoned"] / done, 3) if done else None,
            "logged_in": None, "available": None}


def _operators(ops: dict[str, Any], user: CurrentUser) -> list[dict[str, Any]]:
    """Each member with its state and pause reason, in words, by name."""
    out = []
    for member, op in sorted(ops.items()):
        op = op if isinstance(op, dict) else {"state": str(op)}
        state = str(op.get("state") or "unknown")
        reason = str(op.get("reason") or "")
        out.append({"member": member, "login": op.get("login", ""), "state": state,
                    "state_name": translate(f"tel.state.{state}", user.language), "paused": bool(op.get("paused")),
                    "reason": reason, "reason_name": _pause_name(reason, user.language) if reason else ""})
    return out
