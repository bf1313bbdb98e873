"""Each text is read by the engine's NLU once, not twice.

The safety lane asks the engine's NLU for a second opinion on a text (`/model/parse`, within
its budget) at about the time that text's turn asks the engine to answer it, which parses the
same text again: a tenth of the engine's CPU under a crowd (docs/deploy.md). The turn now
hands the engine the reading the second opinion got (actions/channel.py passes it to Rasa as
the message's parse data, which Rasa uses instead of parsing again). A reading is the NLU's
alone, the same for the same text whoever sent it, and each reading is used at most once:
when several people send the same text ("ok", "yes") at once, each second opinion is one use
for one of their turns. A turn whose text is being read waits for that reading, at most until
the reading's own deadline: its request would otherwise queue behind it in the same engine.
With several engine replicas readings are not reused (bot/engine.py): the turn may run on
another replica, with another model.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import Counter

Reading = dict[str, Any]
KEPT = 1024  # readings waiting for their turn; beyond this the oldest is dropped
FRESH_SECONDS = 60.0  # older readings are not used (a turn long after: a model may have changed)


class Parses:
    """Readings between the second opinions that got them and the turns that use them.
    Thread-safe: the lane's opinion threads fill it, the turn workers take from it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.counts: Counter | None = None  # the app hands in its /metrics counter
        self._lock = threading.Lock()
        # text -> its reading and when each still unused copy of it came back (oldest first)
        self._read: OrderedDict[str, tuple[Reading, deque[float]]] = OrderedDict()
        self._reading: dict[str, list[tuple[threading.Event, float]]] = {}
        self._held = 0  # unused copies, over all texts
        self.reused = 0  # turns that used a reading (the benchmark prints these)
        self.parsed_again = 0

    def __len__(self) -> int:
        """Readings held, waiting for their turns."""
        with self._lock:
            return self._held

    @contextmanager
    def reading(self, text: str, timeout: float) -> Iterator[Callable[[Reading], None]]:
        """While a reading of `text` is asked for; call what it yields with the answer."""
        key, done = text.strip(), threading.Event()
        asked = (done, self._clock() + timeout)
        with self._lock:
            self._reading.setdefault(key, []).append(asked)
        try:
            yield lambda reading: self._keep(key, reading)
        finally:
            with self._lock:
                waiting = self._reading.get(key, [])
                if asked in waiting:
                    waiting.remove(asked)
                if not waiting:
                    self._reading.pop(key, None)
            done.set()

    def take(self, text: str) -> Reading | None:
        """A reading of `text`, if one was got or is on its way; each is given once."""
        key = text.strip()
        reading = self._pop(key)
        if reading is None:
            for done, deadline in self._on_the_way(key):
                done.wait(max(0.0, deadline - self._clock()))
                reading = self._pop(key)
                if reading is not None:
                    break
        with self._lock:
            if reading is None:
                self.parsed_again += 1
            else:
                self.reused += 1
        if self.counts is not None:
            self.counts.labels("parsed_again" if reading is None else "reused").inc()
        return reading

    def _on_the_way(self, key: str) -> list[tuple[threading.Event, float]]:
        with self._lock:
            return sorted(self._reading.get(key, []), key=lambda asked: asked[1])

    def _pop(self, key: str) -> Reading | None:
        """One fresh, unused copy of the reading of `key`, if any."""
        with self._lock:
            held = self._read.get(key)
            if held is None:
                return None
            reading, times = held
            now = self._clock()
            while times and now - times[0] > FRESH_SECONDS:  # stale copies are not used
                times.popleft()
                self._held -= 1
            fresh = bool(times)
            if fresh:
                times.popleft()
                self._held -= 1
            if not times:
                del self._read[key]
            return reading if fresh else None

    def _keep(self, key: str, reading: Reading) -> None:
        """Kept for its turn; readings no turn took (a STOP, a text to a case, a turn that
        ran first) go once stale, so no text stays in memory longer than a minute."""
        now = self._clock()
        with self._lock:
            times = self._read[key][1] if key in self._read else deque()
            times.append(now)
            self._held += 1
            self._read[key] = (reading, times)
            self._read.move_to_end(key)  # texts in the order they were last read
            while self._read and (self._held > KEPT or self._stalest_text_age(now) > FRESH_SECONDS):
                self._drop_oldest()

    def _stalest_text_age(self, now: float) -> float:
        """How long ago the text read least recently was last read."""
        return now - next(iter(self._read.values()))[1][-1]

    def _drop_oldest(self) -> None:
        _, times = next(iter(self._read.values()))
        times.popleft()
        self._held -= 1
        if not times:
            self._read.popitem(last=False)
