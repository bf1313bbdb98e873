"""Live updates across app processes: PostgreSQL LISTEN/NOTIFY.

The console's event streams (console/sse.py) are woken in the process where a case changed;
a peer whose browser is connected to another process behind the load balancer would wait
for a reload. On PostgreSQL every process LISTENs on one channel and NOTIFYs it on each
change, so every open console hears of it. The payload is empty, like the events
themselves: a page refetches through its own access checks. Publishing happens on this
module's own thread, so the safety lane never waits on it; a lost database connection is
re-made with a short backoff. SQLite runs one process, so the in-process path suffices.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

log = logging.getLogger(__name__)
CHANNEL = "peerline_live"
RECONNECT_SECONDS = (0.5, 1.0, 2.0, 5.0)


class PostgresFanout:
    """Relays local changes to the other processes and theirs to `wake_local`, with the
    topic each was published under (the console publishes none; the work processes'
    relay says which loops have work)."""

    def __init__(
        self, conninfo: str, wake_local: Callable[[str], None], channel: str = CHANNEL
    ) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.wake_local = wake_local
        self._topics: set[str] = set()
        self._topics_lock = threading.Lock()
        self._pending = threading.Event()
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._own_pids: set[int] = set()
        self._threads = [
            threading.Thread(target=self._listen, name="live-listen", daemon=True),
            threading.Thread(target=self._publish, name="live-publish", daemon=True),
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._pending.set()
        for thread in self._threads:
            thread.join(5)

    def publish(self, topic: str = "") -> None:
        """Announce a change (non-blocking; a burst is coalesced into one NOTIFY a topic)."""
        with self._topics_lock:
            self._topics.add(topic)
        self._pending.set()

    def wait_listening(self, timeout: float) -> bool:
        return self._listening.wait(timeout)

    def _publish(self) -> None:
        self._forever(self._publish_on)

    def _publish_on(self, conn: psycopg.Connection) -> None:
        self._own_pids.add(conn.info.backend_pid)
        while not self._stop.is_set():
            self._pending.wait()
            self._pending.clear()
            if self._stop.is_set():
                return
            with self._topics_lock:
                topics, self._topics = self._topics, set()
            try:
                for topic in sorted(topics):
                    conn.execute("SELECT pg_notify(%s, %s)", (self.channel, topic))
            except psycopg.Error:  # sent again once reconnected
                with self._topics_lock:
                    self._topics |= topics
                self._pending.set()
                raise

    def _listen(self) -> None:
        self._forever(self._listen_on)

    def _listen_on(self, conn: psycopg.Connection) -> None:
        conn.execute(f"LISTEN {self.channel}")
        self._listening.set()
        while not self._stop.is_set():
            for notice in conn.notifies(timeout=1.0):
                if notice.pid not in self._own_pids:  # our own changes woke us already
                    self.wake_local(notice.payload)

    def _forever(self, work: Callable[[psycopg.Connection], None]) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    failures = 0
                    work(conn)
            except psycopg.Error as exc:
                self._listening.clear()
                pause = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning("live updates: %s; reconnecting in %.1fs", type(exc).__name__, pause)
                self._stop.wait(pause)
