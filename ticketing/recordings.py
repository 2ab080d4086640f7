"""Hotline call recordings: linked to their call (and so to its tickets), played only by the
roles allowed to and each play audited, deleted after the retention period with an audit row.

Asterisk's MixMonitor writes ``<uniqueid>.wav`` into its monitor folder; OneStop reads that
folder (``[recordings] dir``, the PBX's own or a mount of it). A recording is looked up by its
*file name* in that folder, never by a path from the PBX, so no name can reach outside it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.audit import audit
from ticketing.model import TicketCall
from ticketing.model_calls import CallRecording

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


@dataclass(frozen=True)
class RecordingView:
    uniqueid: str
    file: str
    call_started_at: datetime
    state: str  # present | missing | deleted
    size: int = 0


def file_name(path: str) -> str:
    """The recording's name in the folder ("" if the PBX's name is not a plain file name)."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name if _SAFE_NAME.fullmatch(name) and name not in (".", "..") else ""


def link_recording(s: Session, uniqueid: str, path: str, call_started_at: datetime, now: datetime) -> bool:
    """Note a call's recording (once; a call stored again changes nothing). False when the
    name is not one OneStop will ever open."""
    name = file_name(path)
    if not name:
        return False
    if s.scalar(select(CallRecording.id).where(CallRecording.uniqueid == uniqueid)) is None:
        s.add(CallRecording(uniqueid=uniqueid, file=name, path=path[:255], call_started_at=call_started_at,
                            created_at=now, deleted_at=None))
    return True


def locate(folder: str | os.PathLike[str], name: str) -> Path | None:
    """The file ``name`` in ``folder`` if it is there (and is a file inside it)."""
    if not file_name(name):
        return None
    root = Path(folder).resolve()
    candidate = (root / name).resolve()
    if candidate.parent != root or not candidate.is_file():
        return None
    return candidate


def state_of(rec: CallRecording, folder: str | os.PathLike[str]) -> RecordingView:
    if rec.deleted_at is not None:
        return RecordingView(rec.uniqueid, rec.file, rec.call_started_at, "deleted")
    found = locate(folder, rec.file)
    if found is None:
        return RecordingView(rec.uniqueid, rec.file, rec.call_started_at, "missing")
    return RecordingView(rec.uniqueid, rec.file, rec.call_started_at, "present", found.stat().st_size)


def ticket_recordings(s: Session, ticket_id: int, folder: str | os.PathLike[str]) -> list[RecordingView]:
    """The recordings of the calls linked to a ticket, oldest first, each with its state."""
    rows = s.scalars(select(CallRecording).join(TicketCall, TicketCall.uniqueid == CallRecording.uniqueid)
                     .where(TicketCall.ticket_id == ticket_id).order_by(CallRecording.call_started_at))
    return [state_of(r, folder) for r in rows]


def played(s: Session, uniqueid: str, actor: str, now: datetime, detail: dict[str, Any]) -> None:
    """Audit one play of a recording (who listened, when)."""
    audit(s, now, actor, "recording", uniqueid, "play", None, detail)


def sweep(s: Session, folder: str | os.PathLike[str], retention_days: int, now: datetime,
          limit: int = 1000, dry_run: bool = False) -> list[str]:
    """Delete the files of recordings older than ``retention_days`` (by the call's start),
    each with an audit row; returns the uniqueids swept. A file already gone is marked
    deleted too (its audit row says it was missing)."""
    cutoff = now - timedelta(days=retention_days)
    rows = s.scalars(select(CallRecording).where(CallRecording.deleted_at.is_(None),
                                                 CallRecording.call_started_at < cutoff)
                     .order_by(CallRecording.call_started_at).limit(limit)).all()
    swept = []
    for rec in rows:
        found = locate(folder, rec.file)
        if dry_run:
            swept.append(rec.uniqueid)
            continue
        size = 0
        if found is not None:
            size = found.stat().st_size
            found.unlink()
        rec.deleted_at = now
        audit(s, now, "system", "recording", rec.uniqueid, "delete", {"file": rec.file},
              {"reason": f"retention {retention_days} days", "bytes": size,
               "file_was": "present" if found is not None else "missing"})
        swept.append(rec.uniqueid)
    return swept
