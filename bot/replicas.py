"""Several Rasa replicas behind one engine client: which replica a call goes to.

Each person has a home replica, chosen by rendezvous hashing of their sender id over the
replica URLs (stable across app processes and restarts, and only the people of a replica
that leaves move). While the home replica's breaker is open (it refused, failed or hung),
their turns go to the next replica in that person's own order, so a dead replica costs a
person one refused connection and a hung one at most one timed-out turn per probe.

Why a person's turns still arrive in order, one at a time: peerline never sends a person's
next turn before the last one finished (bot/turns.py: one pending turn per phone, its row
locked while the engine thinks; bot/turn_pool.py: one in flight per person), so two
replicas never hold the same conversation at once. Rasa's Redis lock store is a second
guard for trigger_intent racing a turn, not the one we rely on: its ticket issue is a
read-modify-write that two replicas can interleave (rasa issue #9213).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Sequence

import httpx


class Breaker:
    """Fails calls fast for a pause after a failure (1 s, doubling to 30 s); one success
    closes it. With `one_probe` (several replicas: the others can take the calls), after
    the pause one caller per pause probes and the rest go elsewhere, so a hung replica
    holds up one turn per pause, not every worker. Thread-safe."""

    def __init__(self, first: float = 1.0, longest: float = 30.0, one_probe: bool = False) -> None:
        self._first, self._longest = first, longest
        self._one_probe = one_probe
        self._pause = 0.0
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = time.monotonic()
            if now < self._open_until:
                return False
            if self._pause and self._one_probe:  # this caller probes, the others go elsewhere
                self._open_until = now + self._pause
            return True

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._pause == 0.0

    def failed(self) -> None:
        with self._lock:
            self._pause = min(self._longest, self._pause * 2 if self._pause else self._first)
            self._open_until = time.monotonic() + self._pause

    def succeeded(self) -> None:
        with self._lock:
            self._pause, self._open_until = 0.0, 0.0


class Replica:
    """One Rasa process: its URL, a connection pool, and its own view of its health."""

    def __init__(self, url: str, timeout: float, one_probe: bool) -> None:
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=timeout)
        self.breaker = Breaker(one_probe=one_probe)

    def __repr__(self) -> str:
        return f"Replica({self.url})"


class Replicas:
    """The replicas in the order a given person (or an NLU call) should try them."""

    def __init__(self, urls: Sequence[str], timeout: float) -> None:
        if not urls:
            raise ValueError("at least one engine URL")
        self.all = [Replica(url, timeout, one_probe=len(urls) > 1) for url in urls]
        self._turn = itertools.count()

    def for_sender(self, sender: str) -> list[Replica]:
        """Home replica first, then the rest, each person in their own stable order."""
        return sorted(self.all, key=lambda replica: _weight(replica.url, sender), reverse=True)

    def round_robin(self) -> list[Replica]:
        """Calls that touch no conversation (NLU only) spread evenly."""
        start = next(self._turn) % len(self.all)
        return self.all[start:] + self.all[:start]

    def close(self) -> None:
        for replica in self.all:
            replica.client.close()


def _weight(url: str, sender: str) -> int:
    digest = hashlib.sha256(f"{url}\n{sender}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
