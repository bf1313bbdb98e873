"""When to stop asking a busy engine for second opinions.

The engine's second opinion (escalation/lane.py) is worth asking only if it can come back
within its budget (`SAFETY_ENGINE_BUDGET_SECONDS`). A saturated engine answers after the
budget, when the answer is dropped, yet it still does the work: under a crowd that was a
third of the engine's CPU spent on answers nobody read, slowing every turn. The lane then
pauses its asks, and the engine-free screen (which already decided) and the turn's own
NLU (which escalates through its payload) carry on. A pause doubles while the engine stays
late and ends at the first answer in time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

LATE_IN_A_ROW = 2  # one late answer can be a hiccup
PAUSES = (10.0, 20.0, 40.0, 60.0)  # seconds without asking, growing while it stays late


class LateEngine:
    """Counts late answers; says whether to ask the next time."""

    def __init__(self, budget: float, now: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self._now = now
        self._lock = threading.Lock()
        self._late = 0
        self._pauses = 0
        self._paused_until = 0.0
        self.skipped = 0  # asks not made while paused (for tests and the log)

    def may_ask(self) -> bool:
        with self._lock:
            if self._now() < self._paused_until:
                self.skipped += 1
                return False
            return True

    def answered(self, seconds: float, refused: bool = False) -> None:
        """One ask finished after `seconds` (answered, refused or timed out). A quick refusal
        (the engine's breaker open) says nothing of lateness and is not counted."""
        in_time = seconds < self.budget * 0.9
        if refused and in_time:
            return
        with self._lock:
            if in_time:
                if self._pauses:
                    log.info("screen: the engine answers in time again; second opinions resume")
                self._late = self._pauses = 0
                return
            self._late += 1
            if self._late >= LATE_IN_A_ROW or self._pauses:
                pause = PAUSES[min(self._pauses, len(PAUSES) - 1)]
                self._paused_until = self._now() + pause
                self._pauses += 1
                self._late = 0
                log.warning(
                    "screen: the engine answers later than %.1fs; no second opinions for %.0fs",
                    self.budget,
                    pause,
                )
