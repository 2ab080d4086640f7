"""Recordings in the store: linked from the call log, looked up only inside the recordings
folder, swept after the retention period with an audit row each."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from cti.tracker import CallFinished, CallTracker
from tests.cti.helpers import OPERATORS, messages, trace_dir
from ticketing.audit import history
from ticketing.calls import CallFacts, record_call
from ticketing.model_calls import CallRecording
from ticketing.recordings import file_name, locate, sweep, ticket_recordings
from ticketing.store import Store

T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_the_recorded_call_lands_with_its_recording(store: Store) -> None:
    tracker = CallTracker("from-pstn", ["6001"], OPERATORS)
    (record,) = [ev.record for m in messages("recorded_call") for ev in tracker.handle(m, T0.timestamp())
                 if isinstance(ev, CallFinished)]
    with store.session() as s:
        record_call(s, CallFacts(**record.facts()))
        record_call(s, CallFacts(**record.facts()))  # stored again: still one recording
    path = json.loads((trace_dir("recorded_call") / "scenario.json").read_text())["recording"]["path_in_asterisk"]
    with store.session() as s:
        (rec,) = s.scalars(select(CallRecording))
        assert (rec.uniqueid, rec.file, rec.path) == (record.uniqueid, path.rsplit("/", 1)[1], path)


def test_names_that_could_reach_outside_the_folder_are_never_linked(store: Store, tmp_path: Path) -> None:
    # only the last part of what the PBX said is kept, and only a plain file name
    assert file_name("/var/spool/asterisk/monitor/1796444406.92.wav") == "1796444406.92.wav"
    assert file_name("../../etc/passwd") == "passwd"
    for bad in ("..", "", "/var/spool/asterisk/monitor/", "a b.wav", "x;rm.wav", ".hidden", "é.wav"):
        assert file_name(bad) == "", bad
    outside = tmp_path / "secret.wav"
    outside.write_bytes(b"x")
    folder = tmp_path / "monitor"
    folder.mkdir()
    os.symlink(outside, folder / "link.wav")
    assert locate(folder, "link.wav") is None  # a link out of the folder is not followed
    assert locate(folder, "../secret.wav") is None
    assert locate(folder, "secret.wav") is None
    with store.session() as s:
        record_call(s, CallFacts(uniqueid="9.9", started_at=T0, extra={"recording": "../../etc/passwd"}))
        record_call(s, CallFacts(uniqueid="9.8", started_at=T0, extra={"recording": "/x/a b.wav"}))
        assert [(r.uniqueid, r.file) for r in s.scalars(select(CallRecording))] == [("9.9", "passwd")]


def test_the_sweep_deletes_past_the_retention_and_audits_each(store: Store, tmp_path: Path) -> None:
    for n, age_days in ((1, 200), (2, 181), (3, 179), (4, 10)):
        (tmp_path / f"{n}.1.wav").write_bytes(b"RIFF" + b"\0" * n)
        with store.session() as s:
            record_call(s, CallFacts(uniqueid=f"{n}.1", started_at=T0 - timedelta(days=age_days),
                                     extra={"recording": f"/var/spool/asterisk/monitor/{n}.1.wav"}))
    (tmp_path / "2.1.wav").unlink()  # gone already (deleted by hand on the PBX)
    with store.session() as s:
        assert sweep(s, tmp_path, 180, T0, dry_run=True) == ["1.1", "2.1"]
    assert (tmp_path / "1.1.wav").exists()
    with store.session() as s:
        assert sweep(s, tmp_path, 180, T0) == ["1.1", "2.1"]
    assert sorted(p.name for p in tmp_path.glob("*.wav")) == ["3.1.wav", "4.1.wav"]
    with store.session() as s:
        audit1, audit2 = history(s, "recording", "1.1"), history(s, "recording", "2.1")
        assert [(a.action, a.after["file_was"], a.after["bytes"]) for a in audit1] == [("delete", "present", 5)]
        assert [(a.action, a.after["file_was"]) for a in audit2] == [("delete", "missing")]
        assert sweep(s, tmp_path, 180, T0) == []  # once


def test_a_tickets_recordings_with_their_state(store: Store, service: object, tmp_path: Path) -> None:
    from tests.ticketing.factories import small_hospital
    from ticketing.service import NewTicket

    small_hospital(store)
    t = service.accept("li", NewTicket(service_type="repair", location_code="10305",  # type: ignore[attr-defined]
                                       call_uniqueid="5.1"))
    service.link_call(t.id, "6.1")  # type: ignore[attr-defined]
    (tmp_path / "5.1.wav").write_bytes(b"RIFF1234")
    with store.session() as s:
        for uid in ("5.1", "6.1"):
            record_call(s, CallFacts(uniqueid=uid, started_at=T0, extra={"recording": f"{uid}.wav"}))
    with store.session() as s:
        got = [(r.uniqueid, r.state, r.size) for r in ticket_recordings(s, t.id, tmp_path)]
    assert got == [("5.1", "present", 8), ("6.1", "missing", 0)]
