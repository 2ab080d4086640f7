"""A GSM modem on a pseudo-terminal, answering AT commands as 3GPP TS 27.005/27.007 modems do.

For tests, the bench and ``onestop demo``. One thread owns the pty master. The SIM storage
and the "network" (every SMS the modem submitted, decoded) outlive an unplug, as they do on
real hardware; the pty does not: ``unplug()`` closes it and removes the stable symlink,
``replug()`` makes a new pty and points the symlink at it.

The parts, in reading order:

- ``device``: ``ModemEmulator`` — its state, start and stop.
- ``settings``: ``Settings`` — identity, SIM, latency, storage sizes, how reports reach the host.
- ``commands``: the AT parser and dispatcher, the session (what ``ATZ`` resets), general commands.
- ``storage``: the ``SM`` and ``SR`` memories, ``+CPMS``/``+CMGR``/``+CMGL``/``+CMGD``/``+CMGW``,
  and SMS arriving from phones (``receive``, ``+CMTI``).
- ``network``: ``+CMGS``/``+CMSS`` submissions, status reports (``+CDS``/``+CDSI``), faults.
- ``pty``: the pseudo-terminal, unplugging, the reader thread and its framing.
"""

from modem.emulator.device import ModemEmulator
from modem.emulator.network import Submitted, UnplugPlan
from modem.emulator.pty import CTRL_Z, ESC
from modem.emulator.settings import Settings
from modem.emulator.storage import STAT_CODES, STAT_NAMES, Stored

__all__ = ["CTRL_Z", "ESC", "STAT_CODES", "STAT_NAMES", "ModemEmulator", "Settings", "Stored",
           "Submitted", "UnplugPlan"]
