"""Log-ins on their own few threads, with a short queue.

A password check is argon2 (deliberately slow, tens of MiB each). Run in the shared thread
pool, a flood of log-in posts would take the threads that store arriving texts and webhooks;
here it takes at most `threads` threads (at a lower CPU priority), `queue` more wait, and
the rest are answered 429 at once, with Retry-After, instead of queueing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

RETRY_AFTER_SECONDS = 5
NICENESS = 5  # below the rest of the process: a text arriving wins the CPU, log-ins still run


def _yield_the_cpu() -> None:
    """Lowers this log-in thread's CPU priority (Linux sets it per thread, and argon2's own
    lane threads inherit it); elsewhere it stays as it is."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


class LaneFull(Exception):
    """Every log-in thread is busy and the queue is full."""


class LoginLane:
    def __init__(self, threads: int = 2, queue: int = 4) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="login", initializer=_yield_the_cpu
        )
        self._room = threads + queue
        self._taken = 0
        self._lock = threading.Lock()

    @property
    def full(self) -> bool:
        """No room now: answer 429 before even reading the posted form."""
        return self._taken >= self._room

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """Runs `work(*args)` on a log-in thread; raises LaneFull when there is no room."""
        with self._lock:
            if self._taken >= self._room:
                raise LaneFull
            self._taken += 1
        try:
            future: Future[T] = self._executor.submit(work, *args)
        except RuntimeError:
            self._give_back()
            raise
        # Room is given back when the work ends, even if the client went away meanwhile.
        future.add_done_callback(lambda _done: self._give_back())
        return await asyncio.wrap_future(future)

    def _give_back(self) -> None:
        with self._lock:
            self._taken -= 1

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
