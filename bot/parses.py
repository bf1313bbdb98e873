"""Each text is read by the engine's NLU once, not twice.

The safety lane asks the engine's NLU for a second opinion on a text (`/model/parse`, within
its budget) at about the time that text's turn asks the engine to answer it, which parses the
same text again: a tenth of the engine's CPU under a crowd (docs/deploy.md). The turn now
hands the engine the reading the second opinion got (actions/channel.py passes it to Rasa as
the message's parse data, which Rasa uses instead of parsing again). A reading is the NLU's
alone, the same for the same text whoever sent it, and it is used at most once. A turn whose
text is being read waits for that reading, at most until the reading's own deadline: its
request would otherwise queue behind it in the same engine. With several engine replicas
readings are not reused (bot/engine.py): the turn may run on another replica, with another
model.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import Counter

Reading = dict[str, Any]
KEPT = 1024  # readings waiting for their turn; beyond this the oldest is dropped
FRESH_SECONDS = 60.0  # older readings are not used (a turn long after: a model may have changed)


class Parses:
    """Readings between the second opinion that got them and the turn that uses them.
    Thread-safe: the lane's opinion threads fill it, the turn workers take from it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.counts: Counter | None = None  # the app hands in its /metrics counter
        self._lock = threading.Lock()
        self._read: OrderedDict[str, tuple[float, Reading]] = OrderedDict()
        self._reading: dict[str, tuple[threading.Event, float]] = {}
        self.reused = 0  # turns that used a reading (the benchmark prints these)
        self.parsed_again = 0

    def __len__(self) -> int:
        """Readings held, waiting for their turns."""
        with self._lock:
            return len(self._read)

    @contextmanager
    def reading(self, text: str, timeout: float) -> Iterator[Callable[[Reading], None]]:
        """While a reading of `text` is asked for; call what it yields with the answer."""
        key, done = text.strip(), threading.Event()
        with self._lock:
            self._reading[key] = (done, self._clock() + timeout)
        try:
            yield lambda reading: self._keep(key, reading)
        finally:
            with self._lock:
                if self._reading.get(key, (None, 0.0))[0] is done:
                    del self._reading[key]
            done.set()

    def take(self, text: str) -> Reading | None:
        """The reading of `text`, if one was got or is on its way; it is not given twice."""
        key = text.strip()
        with self._lock:
            pending = None if key in self._read else self._reading.get(key)
        if pending is not None:
            done, deadline = pending
            done.wait(max(0.0, deadline - self._clock()))
        with self._lock:
            at, reading = self._read.pop(key, (0.0, None))
            if reading is not None and self._clock() - at > FRESH_SECONDS:
                reading = None
            if reading is None:
                self.parsed_again += 1
            else:
                self.reused += 1
        if self.counts is not None:
            self.counts.labels("parsed_again" if reading is None else "reused").inc()
        return reading

    def _keep(self, key: str, reading: Reading) -> None:
        """Kept for its turn; readings no turn took (a STOP, a text to a case, a turn that
        ran first) go once stale, so no text stays in memory longer than a minute."""
        now = self._clock()
        with self._lock:
            self._read[key] = (now, reading)
            self._read.move_to_end(key)
            while len(self._read) > KEPT or self._oldest_age(now) > FRESH_SECONDS:
                self._read.popitem(last=False)

    def _oldest_age(self, now: float) -> float:
        return now - next(iter(self._read.values()))[0]
