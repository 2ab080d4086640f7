"""The core SMS outbox's batched calls the sender makes, on the real store: delivery reports in
one transaction (the newest sent message holding a reference wins: references wrap at 255), and
a send recorded with the next rows leased in the same transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ticketing.fakes import FixedClock
from ticketing.model import SmsOut
from ticketing.outbox import SmsOutbox
from ticketing.store import Store


def _sent(store: Store, clock: FixedClock, modem: str, refs: list[list[int]]) -> list[int]:
    ids = []
    with store.session() as s:
        for n, r in enumerate(refs):
            row = SmsOut(number="+8613800000001", text=f"n{n}", kind="order", status="sent", attempts=1,
                         due_at=clock.now(), created_at=clock.now(), sent_at=clock.now() + timedelta(seconds=n),
                         references=r, parts=len(r), modem=modem, error="")
            s.add(row)
            s.flush()
            ids.append(row.id)
    return ids


def test_batch_of_reports_newest_wins_failures_and_unknowns(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock)
    old, multi, new, other_modem = (_sent(store, clock, "m1", [[3], [7, 8], [3]])
                                    + _sent(store, clock, "m2", [[9]]))
    got = outbox.mark_delivered_many("m1", [(3, "", True), (8, "", False), (9, "", True), (3, "", True)])
    assert got == [new, multi, None, old]  # the second report for MR 3 goes to the older message
    with store.session() as s:
        rows = {r.id: r for r in s.scalars(select(SmsOut))}
        assert rows[new].status == "delivered" and rows[new].delivered_at is not None
        assert rows[old].status == "delivered"
        assert rows[multi].status == "failed" and "not delivered" in rows[multi].error
        assert rows[other_modem].status == "sent"  # same reference, other modem: untouched
    assert outbox.mark_delivered("m1", 3, "", True) is None  # nothing sent holds MR 3 any more


def test_sent_and_claim_records_the_send_and_leases_the_next_rows(store: Store) -> None:
    clock = FixedClock()
    outbox = SmsOutbox(store, clock)
    with store.session() as s:
        s.add_all(SmsOut(number=f"1380000000{n}", text=f"n{n}", kind="order", status="queued", attempts=0,
                         due_at=clock.now(), created_at=clock.now(), references=[], parts=0, modem="", error="")
                  for n in range(4))
    first = outbox.claim("m1", 1)[0]
    nxt = outbox.sent_and_claim(first.id, [5], 1, "m1", 2)
    assert [r.attempts for r in nxt] == [1, 1] and first.id not in {r.id for r in nxt}
    assert outbox.sent_and_claim(nxt[0].id, [6], 1, "m1", 0) == []
    with store.session() as s:
        rows = {r.id: r for r in s.scalars(select(SmsOut))}
    assert rows[first.id].status == "sent" and rows[first.id].references == [5]
    assert rows[nxt[0].id].status == "sent" and rows[nxt[1].id].status == "sending"
    assert outbox.counts() == {"sent": 2, "sending": 1, "queued": 1}
