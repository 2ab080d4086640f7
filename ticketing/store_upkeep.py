"""The store's upkeep threads on SQLite: the WAL's checkpoints and the search index's catch-up,
started with the center (``Store.start_checkpointer``)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ticketing.store import Store

log = logging.getLogger(__name__)


class Checkpointer:
    """A thread that checkpoints an SQLite WAL every ``interval`` seconds (PASSIVE: it never
    waits for, nor blocks, the writers), so no command pays for copying pages back and for the
    fsyncs. Started by the center (``build_core``); a one-off CLI command leaves it to SQLite's
    own auto-checkpoint."""

    def __init__(self, path: str, interval: float = 0.05) -> None:
        self.path, self.interval = path, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)
        self.checkpoints = 0
        self._thread.start()

    def _run(self) -> None:
        con = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while not self._stop.wait(self.interval):
                try:
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.checkpoints += 1
                except sqlite3.Error as exc:  # a locked or vanished file: try again next time
                    log.warning("WAL checkpoint of %s failed: %s", self.path, exc)
        finally:
            con.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class SearchIndexer:
    """A thread that moves the pieces of ticket text the commands listed into SQLite's search
    index (``ticketing.search.catch_up``) every ``interval`` seconds, a batch per transaction,
    so that no command writes the index itself. Started with the checkpointer.

    Its transactions hold the store's write lock, and a command waits for the one in progress:
    with a backlog (an import, a restore) each is kept near ``budget_s`` (the batch shrinks or
    grows towards it, at most ``batch``), and between two the thread pauses ``pause_s`` so a
    command waiting for the lock takes it (threads waiting for a lock are not served in turn:
    the releasing thread, going straight back, would win it again and again)."""

    def __init__(self, store: Store, interval: float = 0.1, batch: int = 500,
                 budget_s: float | None = 0.01, pause_s: float = 0.002) -> None:
        self.store, self.interval, self.batch = store, interval, batch
        self.budget_s, self.pause_s = budget_s, pause_s
        self.moved = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from ticketing.search import catch_up

        size = min(self.batch, 50) if self.budget_s else self.batch
        while not self._stop.wait(self.interval):
            try:
                while not self._stop.is_set():
                    started = time.perf_counter()
                    with self.store.tx() as tx:
                        n = catch_up(tx, size)
                    self.moved += n
                    if n < size:
                        break
                    if self.budget_s:
                        took = max(time.perf_counter() - started, 1e-4)
                        size = max(10, min(self.batch, int(size * self.budget_s / took)))
                    if self.pause_s:
                        self._stop.wait(self.pause_s)
            except Exception as exc:  # a locked or changing store: try again next time
                log.warning("search index catch-up failed: %s", exc)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
