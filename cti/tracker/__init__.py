"""Call tracking: AMI events in, one record per inbound hotline call out. Pure, no I/O.

A *hotline call* is the channel that enters the dialplan at the hotline's context and
extension (``from-pstn``/``6001`` by default) as the first channel of its call
(``Uniqueid == Linkedid``). Every other channel (the Local legs of the queue members, the
agent's side, any other call on the PBX) is either tied to a hotline call by its ``Linkedid``
or ignored.

``CallTracker.handle(msg, now)`` returns typed events: ``CallStarted``, ``Pop`` (an operator
is rung / has answered), ``CallFinished`` (the record for the call log) and
``CountersChanged`` (for the wallboard). Handling is idempotent: a duplicated event changes
nothing and emits nothing twice; events of a call that has already finished are ignored;
events that arrive out of order still build the call (any event of the inbound channel
creates it).

After a reconnect, ``begin_reconcile``/``end_reconcile`` repair the picture from the answers
to ``CoreShowChannels`` and ``QueueStatus`` (see ``Snapshot``).

The parts, in reading order:

- ``calls``: the state of a live call (``Call``), its call-log record (``CallRecord``),
  ``Operator``.
- ``events``: what the tracker emits.
- ``calltracker``: ``CallTracker`` — which call an event belongs to, starting and finishing calls.
- ``channels``: the inbound channel's own events — caller ID, IVR variables, hold, transfer, hangup.
- ``queues``: queue and agent events, and the pops.
- ``operators``: operators' states and the wallboard counters.
- ``reconcile``: repairing the picture after a reconnect (``Snapshot``).
"""

from cti.tracker.calls import DEFAULT_VARIABLES, Call, CallRecord, Operator, Outcome
from cti.tracker.calltracker import CallTracker
from cti.tracker.events import CallFinished, CallStarted, CountersChanged, Pop, TrackerEvent
from cti.tracker.operators import DEVICE_STATES
from cti.tracker.reconcile import Snapshot

__all__ = ["DEFAULT_VARIABLES", "DEVICE_STATES", "Call", "CallFinished", "CallRecord",
           "CallStarted", "CallTracker", "CountersChanged", "Operator", "Outcome", "Pop",
           "Snapshot", "TrackerEvent"]
