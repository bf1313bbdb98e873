"""Turns run concurrently across people, one at a time per person.

A hung or slow engine call holds up the one person whose turn it is, not the program: the
pool hands each due turn to a worker thread, never gives a person a second turn while their
first is in flight, and keeps looking for other people's turns meanwhile. (The engine's
breaker, bot/engine.py, stops a dead engine from tying up every worker for long.)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.turns import TurnProcessor

log = logging.getLogger(__name__)


class TurnPool:
    def __init__(
        self,
        turns: TurnProcessor,
        workers: int,
        on_done: Callable[[], None] = lambda: None,
    ) -> None:
        self.turns = turns
        self.workers = workers
        self.on_done = on_done
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="turn")
        self._busy: set[str] = set()  # phones with a turn in flight
        self._lock = threading.Lock()
        self._closed = False

    @property
    def in_flight(self) -> int:
        with self._lock:
            return len(self._busy)

    def step(self) -> int:
        """Start every due turn a free worker can take; returns how many started."""
        with self._lock:
            free = self.workers - len(self._busy)
            busy = frozenset(self._busy)
        if free <= 0 or self._closed:
            return 0
        started = 0
        for message_id, phone in self.turns.due(free, busy):
            with self._lock:
                if phone in self._busy or self._closed:
                    continue
                self._busy.add(phone)
            self._executor.submit(self._run, message_id, phone)
            started += 1
        return started

    def _run(self, message_id: int, phone: str) -> None:
        try:
            self.turns.process(message_id)
        except Exception:  # process() handles its own failures; this is a last guard
            log.exception("turn %d: worker failed", message_id)
        finally:
            with self._lock:
                self._busy.discard(phone)
            self.on_done()

    def close(self, timeout: float = 15.0) -> None:
        """Start nothing new and give turns in flight up to `timeout` to finish their one
        transaction; a turn cut off later rolls back and runs again after a restart."""
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
