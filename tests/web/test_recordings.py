"""Recordings on the desk: leads and managers only, HTTP ranges for the player, every play in
the audit log, a missing or deleted file said as such."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.web.conftest import Web
from ticketing.audit import history
from ticketing.calls import CallFacts, record_call
from ticketing.fakes import FixedClock
from ticketing.service import NewTicket, TicketService
from ticketing.store import Store

AUDIO = bytes(range(256)) * 4  # 1,024 bytes the test can check slices of


@pytest.fixture
def recorded(web: Web, service: TicketService, store: Store, clock: FixedClock, tmp_path: Path) -> int:
    folder = tmp_path / "monitor"
    folder.mkdir()
    web.deps.settings.recordings.dir = str(folder)
    (folder / "100.1.wav").write_bytes(AUDIO)
    t = service.accept("li", NewTicket(service_type="repair", location_code="10305", call_uniqueid="100.1"))
    for uid, when in (("100.1", clock.now()), ("100.2", clock.now() + timedelta(minutes=1))):
        service.link_call(t.id, uid)
        with store.session() as s:
            record_call(s, CallFacts(uniqueid=uid, started_at=when,
                                     extra={"recording": f"/var/spool/asterisk/monitor/{uid}.wav"}))
    return t.id


def plays(store: Store, uid: str) -> list[tuple[str, str]]:
    with store.session() as s:
        return [(a.actor, a.after["range"]) for a in history(s, "recording", uid) if a.action == "play"]


def test_a_lead_plays_and_seeks_every_play_audited(web: Web, recorded: int, store: Store) -> None:
    lead = web.login("lead")
    whole = lead.get("/api/recordings/100.1")
    assert whole.status_code == 200 and whole.content == AUDIO
    assert whole.headers["content-type"] == "audio/wav" and whole.headers["accept-ranges"] == "bytes"
    part = lead.get("/api/recordings/100.1", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == AUDIO[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(AUDIO)}"
    start = lead.get("/api/recordings/100.1", headers={"Range": "bytes=0-"})
    assert start.status_code == 206 and start.content == AUDIO
    beyond = lead.get("/api/recordings/100.1", headers={"Range": f"bytes={len(AUDIO)}-"})
    assert beyond.status_code == 416
    web.login("manager", client=web.new_client()).get("/api/recordings/100.1")
    # a play is a request from the start; a seek within it is not another play
    assert plays(store, "100.1") == [("lead", "all"), ("lead", "bytes=0-"), ("manager", "all")]


@pytest.mark.parametrize("role", ["operator", "dispatcher", "viewer", "admin"])
def test_nobody_else_may_listen(web: Web, recorded: int, store: Store, role: str) -> None:
    assert web.login(role).get("/api/recordings/100.1").status_code == 403
    assert plays(store, "100.1") == []


def test_missing_deleted_and_unknown_say_so(web: Web, recorded: int, store: Store, clock: FixedClock) -> None:
    lead = web.login("lead")
    r = lead.get("/api/recordings/100.2")  # linked, its file never arrived
    assert r.status_code == 404 and r.json()["detail"]["code"] == "tel.err.recording_missing"
    assert lead.get("/api/recordings/999.9").json()["detail"]["code"] == "tel.err.no_recording"
    assert lead.get("/api/recordings/..%2F..%2Fetc").status_code in (404, 422)
    from ticketing.recordings import sweep

    with store.session() as s:
        sweep(s, web.deps.settings.recordings.dir, 1, clock.now() + timedelta(days=2))
    r = lead.get("/api/recordings/100.1")
    assert r.status_code == 410 and r.json()["detail"]["code"] == "tel.rec.deleted"


def test_the_ticket_page_has_a_player_for_those_who_may_listen(web: Web, recorded: int) -> None:
    lead_page = web.login("lead").get(f"/desk/tickets/{recorded}").text
    assert '<audio controls preload="none" src="/api/recordings/100.1">' in lead_page
    assert "录音文件缺失" in lead_page  # 100.2's file is missing
    manager_api = web.login("manager", client=web.new_client()).get(f"/api/tickets/{recorded}").json()
    assert [(r["uniqueid"], r["state"]) for r in manager_api["recordings"]] == [("100.1", "present"),
                                                                                 ("100.2", "missing")]
    operator = web.login("operator", client=web.new_client())
    assert "<audio" not in operator.get(f"/desk/tickets/{recorded}").text
    assert "recordings" not in operator.get(f"/api/tickets/{recorded}").json()
