"""An outage notice goes out through the real SMS outbox, gateway and an emulated modem: at
the modem's pace, in the notice's words, and each recipient's delivery report is on the
notice's list of who got it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from modem.emulator import ModemEmulator
from modem.gateway import ModemGateway
from modem.sender import SmsSender
from modem.templates import SmsComposer
from tests.modem.conftest import wait_for
from tests.ticketing.factories import small_hospital
from ticketing.calendar import BusinessCalendar
from ticketing.catalog import Catalog
from ticketing.model import Staff
from ticketing.notices import NoticeIn, Notices
from ticketing.outbox import Backoff, SmsOutbox
from ticketing.ports import SystemClock
from ticketing.service import TicketService
from ticketing.store import Store

Emu = Callable[..., ModemEmulator]
Gw = Callable[..., ModemGateway]
HEADS = {f"1360000000{i}": f"护士长{i}" for i in range(1, 5)}


def test_a_notice_goes_out_at_the_modems_pace_and_its_reports_are_tracked(
        store: Store, catalog: Catalog, calendar: BusinessCalendar, make_emulator: Emu,
        make_gateway: Gw, senders: list[SmsSender]) -> None:
    small_hospital(store)
    with store.session() as s:
        s.add_all([Staff(code=f"H{i}", name=name, org_code="D01", role="ward_head", phone=number)
                   for i, (number, name) in enumerate(HEADS.items())])
    clock = SystemClock()
    service = TicketService(store, clock, catalog, calendar, SmsComposer())
    notices = Notices(service, lead=timedelta(hours=24))
    start = clock.now() + timedelta(hours=2)  # within the lead time: the SMS are due now
    made = notices.create("lead", NoticeIn("water", start, start + timedelta(hours=3), "请提前储水",
                                           floors=(("1号楼", "3"),)))
    emu = make_emulator(auto_report=False)
    gw = make_gateway(emu)
    sender = SmsSender(SmsOutbox(store, clock, Backoff(base_s=0.01)), [gw], poll_s=0.05,
                       max_per_minute={gw.name: 120.0}).start()  # the modem's pace: one per 0.5 s
    senders.append(sender)
    assert wait_for(lambda: len(emu.sent) == 4, 10)
    # spaced by the rate limit (0.5 s), give or take the AT commands' round trips
    gaps = [b.at - a.at for a, b in zip(emu.sent, emu.sent[1:], strict=False)]
    assert all(g >= 0.4 for g in gaps), gaps
    texts = emu.delivered_texts()
    assert sorted(texts) == sorted(f"+86{n}" for n in HEADS)
    local = start.astimezone(calendar.tz)
    for [text] in texts.values():
        assert text.startswith("【停水通知】心内科：1号楼 3F，") and "请提前储水" in text
        assert f"{local:%m-%d %H:%M}至" in text

    def states() -> dict[str, str]:
        view = notices.detail(made["id"])
        assert view is not None
        return {r["number"]: r["state"] for r in view["recipients"]}

    assert wait_for(lambda: set(states().values()) == {"sent"})
    for sub in emu.sent:  # the network reports: the last head's phone is switched off
        ok = not sub.number.endswith("04")
        emu.status_report(sub.reference, sub.number, 0 if ok else 0x46)
    assert wait_for(lambda: sorted(states().values()) == ["delivered"] * 3 + ["failed"], 10)
    assert states()["13600000004"] == "failed"
