"""``ModemEmulator``: a GSM modem on a pseudo-terminal, assembled from its parts.

For tests, the bench and ``onestop demo``. One thread owns the pty master. The SIM storage
and the "network" (every SMS the modem submitted, decoded) outlive an unplug, as they do on
real hardware; the pty does not (see ``pty``).
"""

from __future__ import annotations

import os
import queue
import tempfile
import threading
from pathlib import Path

from modem.emulator.commands import AtCommands, Session
from modem.emulator.network import Network, Submitted, UnplugPlan
from modem.emulator.pty import PtyTransport
from modem.emulator.settings import Settings
from modem.emulator.storage import SimStorage, Stored


class ModemEmulator(AtCommands, SimStorage, Network, PtyTransport):
    """One emulated modem: ``start()`` it, point the host at ``path``, drive it from the test."""

    def __init__(self, link: str | os.PathLike[str] | None = None, settings: Settings | None = None,
                 name: str = "emu") -> None:
        self.settings = settings or Settings()
        self.name = name
        self._dir = None if link else tempfile.mkdtemp(prefix="onestop-modem-")
        self.link = Path(link) if link else Path(self._dir or ".") / "ttyMODEM"
        self.sent: list[Submitted] = []
        self.commands: list[str] = []
        self.rejected: list[str] = []  # garbled submissions (what interleaved writers produce)
        self.storage: dict[int, Stored] = {}  # "SM": received, written and (maybe) reports
        self.report_storage: dict[int, Stored] = {}  # "SR": status reports (``report_mode``)
        self.reports_lost = 0  # stored reports dropped because their memory was full
        self.plugged = False
        self._session = Session(pin_ok=not self.settings.pin)
        self._mr = 0
        self._in_ref = 0  # the 8-bit reference of the last concatenated SMS received
        self.in_network: list[str] = []  # received PDUs a full SIM could not take: the network holds them
        self._fail_codes: list[int] = []
        self._unplug: UnplugPlan | None = None
        self._lock = threading.RLock()
        self._master = self._slave = -1
        self._buf = bytearray()
        self._prompt: tuple[str, str] | None = None  # (command, argument) awaiting Ctrl-Z
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.unplugs = 0
        self._due_reports: queue.Queue[tuple[float, int, str, int]] = queue.Queue()
        self._reporter: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------

    @property
    def path(self) -> str:
        """The stable device path (a symlink to the current pty slave)."""
        return str(self.link)

    def start(self) -> ModemEmulator:
        self._open_pty()
        self._thread = threading.Thread(target=self._run, name=f"modem-emulator-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        self._close_pty()
        if self._dir:
            Path(self._dir).rmdir() if Path(self._dir).exists() and not any(Path(self._dir).iterdir()) else None

    def __enter__(self) -> ModemEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
