"""One writer thread that commits, in one transaction, everything queued while the last
commit ran: the arriving texts (messaging/inbox.py) and the carrier's delivery statuses
(messaging/statuses.py).

Why: with a hundred people texting at once, a transaction per webhook queued each request
behind the others' commits (on PostgreSQL each commit is a WAL flush) and held the GIL in a
thread of the web server's pool while the event loop waited to acknowledge the next webhook.
Each webhook still waits for its own item's commit (the item carries a future), so nothing
is acknowledged before it is stored.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)
MAX_GROUP = 256


class Stored(Protocol):
    """Anything queued here: it carries the future its webhook waits on."""

    @property
    def stored(self) -> Future[Any]: ...


Item = TypeVar("Item", bound=Stored)


def settle(future: Future[Any], result: Any = None, error: BaseException | None = None) -> None:
    """Settle a webhook's future once; one its caller gave up on (cancelled) is left alone."""
    try:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
    except InvalidStateError:
        pass


class GroupWriter(Generic[Item]):
    """Queues items; one thread hands `store` each group as it forms. `store` settles every
    item's future; if it raises instead, the writer fails whatever it left unsettled and
    carries on, so one unexpected error never silences the webhook for good."""

    def __init__(self, name: str, store: Callable[[list[Item]], None]) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = threading.Lock()

    def put(self, item: Item) -> None:
        with self._started:
            if not self._thread.is_alive():
                self._thread.start()
        self._queue.put(item)

    def close(self) -> None:
        """Store what is queued, then stop."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this group
                    break
                group.append(more)
            self._store_safely(group)

    def _store_safely(self, group: list[Item]) -> None:
        try:
            self._store(group)
        except Exception as exc:  # no traceback: a database error quotes what it stored
            log.error(
                "%s: a group of %d failed: %s", self._thread.name, len(group), type(exc).__name__
            )
            for item in group:
                if not item.stored.done():
                    settle(item.stored, error=exc)
