"""Two background loops in the app process: turns (inbound) and the outbox (outbound).

They are threads because their work is blocking I/O (the database, the engine, the twilio
client). Each wakes at once when poked and otherwise polls, so work left by a crash or a
restart is picked up. Tests drive `TurnProcessor` and `OutboxSender` directly instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Loop:
    """Runs `step` until stopped; `step` returns how much it did (0 means: wait)."""

    def __init__(self, name: str, step: Callable[[], int], poll_seconds: float) -> None:
        self.name = name
        self._step = step
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.last_tick: float | None = None  # time.time() a step last finished (health)

    def start(self) -> None:
        self.last_tick = time.time()  # a first step that never ends shows as stale
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.ident is not None:  # an app built without its loops never started it
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def running(self) -> bool:
        """Still inside a step (a stop that timed out): its work may not be finished."""
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                did = self._step()
            except Exception:  # a bad row must not kill the loop; the row stays queued
                log.exception("%s: step failed", self.name)
                did = 0
            self.last_tick = time.time()
            if did == 0:
                self._wake.wait(self._poll)
                self._wake.clear()
