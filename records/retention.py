"""Retention: texts and the engine's conversations are kept only as long as the program needs
them (`RETENTION_DAYS`; README, Retention).

Past the period, a text's body is blanked; the row stays, so counts, timelines, risk levels,
cases and the audit trail still add up. A text still waiting (a pending turn, an unsent
reply) keeps its body until it is handled. The engine's tracker store loses its events older
than the period. Purges run in batches so neither database holds a long write lock, and
under a lease (records/lease.py), so one process of several does it once per interval.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, create_engine, inspect, select, text, update

from records.clock import Clock
from records.db import Database, normalise_url
from records.lease import take_lapsed
from records.models import Message, MessageStatus, TurnStatus

log = logging.getLogger(__name__)
LEASE = "retention"
EVERY = timedelta(hours=1)
BATCH = 2000
WAITING = (MessageStatus.PENDING, MessageStatus.SENDING)


@dataclass(frozen=True)
class Purged:
    bodies: int
    tracker_events: int


def purge_bodies(db: Database, before: datetime, batch: int = BATCH) -> int:
    """Blank the bodies of handled texts created before `before`; returns how many."""
    handled = (Message.turn_status.is_(None) | (Message.turn_status != TurnStatus.PENDING)) & (
        Message.status.not_in(WAITING)
    )
    total = 0
    while True:
        with db.session() as session:
            ids = list(
                session.scalars(
                    select(Message.id)
                    .where(Message.created_at < before, Message.body != "", handled)
                    .limit(batch)
                )
            )
            if ids:
                session.execute(
                    update(Message)
                    .where(Message.id.in_(ids))
                    .values(body="")
                    .execution_options(synchronize_session=False)
                )
        total += len(ids)
        if len(ids) < batch:
            return total


def purge_tracker(url: str | None, before: datetime, batch: int = BATCH) -> int:
    """Delete the engine's tracker events older than `before` from its SQL tracker store
    (Rasa's `events` table, `timestamp` in epoch seconds); returns how many."""
    if not url:
        return 0
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return 0  # no engine has run here yet: nothing to purge, and no empty file made
    engine = create_engine(normalise_url(url))
    try:
        if not inspect(engine).has_table("events"):
            return 0
        cutoff = before.timestamp()
        total = 0
        while True:
            with engine.begin() as conn:
                ids = [
                    row[0]
                    for row in conn.execute(
                        text("SELECT id FROM events WHERE timestamp < :t LIMIT :n"),
                        {"t": cutoff, "n": batch},
                    )
                ]
                if ids:
                    delete = text("DELETE FROM events WHERE id IN :ids")
                    conn.execute(delete.bindparams(bindparam("ids", expanding=True)), {"ids": ids})
            total += len(ids)
            if len(ids) < batch:
                return total
    finally:
        engine.dispose()


class Retention:
    """The periodic purge, for a work loop: at most once per `EVERY` across processes."""

    def __init__(
        self, db: Database, clock: Clock, days: int, tracker_url: str | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.keep = timedelta(days=days)
        self.tracker_url = tracker_url
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]

    def step(self) -> int:
        now = self.clock.now()
        if not take_lapsed(self.db, LEASE, self.holder, now, EVERY):
            return 0
        self.purge(now)
        return 0  # retention is about time passing: always wait a poll interval

    def purge(self, now: datetime) -> Purged:
        before = now - self.keep
        purged = Purged(purge_bodies(self.db, before), purge_tracker(self.tracker_url, before))
        if purged.bodies or purged.tracker_events:
            log.info(
                "retention: %d text bodies and %d engine events older than %s purged",
                purged.bodies,
                purged.tracker_events,
                before.date(),
            )
        return purged
