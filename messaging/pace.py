"""Pacing texts per sending number: carriers filter bursts from one long code, and Twilio
queues (then fails) what a number sends faster than its rate. A morning batch of thousands
of check-ins must flow at that pace instead."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SendPace:
    """At most `per_second` texts per second from each sender. `reserve` books the next free
    slot and says how long to wait for it. Thread-safe, so all sender threads of one process
    share one pace. Real (monotonic) time on purpose: pacing is about the carrier's clock,
    not the test clock that drives schedules."""

    def __init__(self, per_second: float, timer: Callable[[], float] = time.monotonic) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self._gap = 1.0 / per_second
        self._timer = timer
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, sender: str) -> float:
        """Seconds to wait before sending from `sender`; 0.0 when it may send at once."""
        with self._lock:
            now = self._timer()
            slot = max(now, self._next.get(sender, now))
            self._next[sender] = slot + self._gap
            return slot - now

    def wait(self, sender: str) -> None:
        delay = self.reserve(sender)
        if delay > 0:
            time.sleep(delay)
