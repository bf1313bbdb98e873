"""Live updates for open consoles, over Server-Sent Events.

An event carries no case data, only "something changed": the page then refetches its queue
or thread through the same access checks as any other read. `notify()` may be called from
any thread (the gateway's work loops, the console's own handlers).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator

KEEPALIVE_SECONDS = 15.0  # proxies drop idle connections; a comment line keeps this one up
STREAM_LIFETIME_SECONDS = 300.0  # then the browser reconnects; bounds a stream's life


class LiveQueue:
    """Wakes every open event stream when the queue changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self.version = 0
        # tells the other app processes (console/fanout.py on PostgreSQL); none on SQLite
        self.relay: Callable[[], None] = lambda: None

    def notify(self) -> None:
        """A change here: wake this process's streams and tell the other processes."""
        self.wake()
        self.relay()

    def wake(self) -> None:
        """Wake this process's streams (a change here, or one relayed from elsewhere)."""
        with self._lock:
            self.version += 1
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that loop has closed: nothing to wake
                loop.call_soon_threadsafe(event.set)

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[asyncio.Event]:
        """An event set on every notify, for as long as the block runs (call inside a loop)."""
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(waiter)
        try:
            yield waiter[1]
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._waiters)

    async def stream(
        self,
        keepalive: float = KEEPALIVE_SECONDS,
        lifetime: float = STREAM_LIFETIME_SECONDS,
    ) -> AsyncIterator[str]:
        """The text/event-stream body: a `ready` event, then `queue` on each change."""
        deadline = time.monotonic() + lifetime
        with self.subscribe() as changed:
            yield f"retry: 3000\nevent: ready\ndata: {self.version}\n\n"
            while time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(changed.wait(), keepalive)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                changed.clear()
                yield f"event: queue\ndata: {self.version}\n\n"
