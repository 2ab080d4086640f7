"""A sender in a process of its own, for tests that kill it with SIGKILL while it holds leases.

``python -m tests.ticketing.dying_sender DB_URL KIND NOW_ISO LEASE_S SEND_FIRST [--in-claim]``
claims every due row of outbox KIND (``tests/ticketing/test_outbox_leases.py``'s ``OUTBOXES``)
at time NOW with a lease of LEASE_S seconds, sends the first SEND_FIRST of them (records them
sent, printed or answered — an acknowledgement call dialled, answered and accepted, a webhook
delivery answered 204 —, as a healthy sender does), prints one JSON line
``{"claimed": [...], "sent": [...]}`` and then waits for its stdin, which never comes: the test
kills it there. With ``--in-claim`` it stops inside the claim's transaction instead (rows
updated, not committed; SMS only), printing ``{"claimed": [...]}``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ticketing.campaigns import CampaignCalls
from ticketing.fakes import FixedClock
from ticketing.outbox import PrintQueue, SmsOutbox, SurveyQueue
from ticketing.outcalls import AckCallQueue
from ticketing.store import Store
from ticketing.webhooks import Webhooks


def main(argv: list[str]) -> None:
    url, kind, now_iso, lease_s, send_first = argv[:5]
    in_claim = "--in-claim" in argv[5:]
    store = Store(url)
    clock = FixedClock(datetime.fromisoformat(now_iso))
    lease = timedelta(seconds=float(lease_s))
    if in_claim:
        outbox = SmsOutbox(store, clock, lease=lease)
        with store.tx() as tx:
            rows = outbox._claim(tx, "dying", 1000, clock.now())
            _say({"claimed": [r.id for r in rows]})
            sys.stdin.read()  # killed here, the transaction open
        return
    if kind == "sms":
        sms = SmsOutbox(store, clock, lease=lease)
        ids = [r.id for r in sms.claim("dying", 1000)]
        for i in ids[:int(send_first)]:
            sms.mark_sent(i, [i % 256], 1)
    elif kind == "print":
        jobs = PrintQueue(store, clock, lease=lease)
        ids = [r.id for r in jobs.claim("desk", 1000)]
        for i in ids[:int(send_first)]:
            jobs.mark_printed(i)
    elif kind == "survey":
        calls = SurveyQueue(store, clock, lease=lease)
        ids = [r.id for r in calls.claim_due(1000)]
        for i in ids[:int(send_first)]:
            calls.mark_result(i, 5, "answered")
    elif kind == "ack":
        from tests.ticketing.test_outbox_leases import ack_send, ticket_service

        service = ticket_service(store, clock)
        ids = [r.id for r in AckCallQueue(service, lease=lease).claim_due(1000)]
        for i in ids[:int(send_first)]:
            ack_send(service, i)
    elif kind == "campaign":
        targets = CampaignCalls(store, clock, ZoneInfo("Asia/Shanghai"), lease=lease)
        ids = [c.id for c in targets.claim_due(1000)]
        for i in ids[:int(send_first)]:
            targets.mark_result(i, 5, "answered")
    elif kind == "webhook":
        from tests.ticketing.test_outbox_leases import webhook_send

        hooks = Webhooks(store, clock, lease=lease)
        ids = [d.id for d in hooks.claim("dying", 1000)]
        for i in ids[:int(send_first)]:
            webhook_send(store, clock, i)
    else:
        raise SystemExit(f"unknown outbox {kind!r}")
    _say({"claimed": ids, "sent": ids[:int(send_first)]})
    sys.stdin.read()  # killed here, holding the leases of the rest


def _say(what: dict[str, list[int]]) -> None:
    sys.stdout.write(json.dumps(what) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
