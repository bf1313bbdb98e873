"""Arriving texts are stored in groups: one transaction for everything that arrived while the
previous one committed (messaging/grouped.py says why).

Every text is still committed before its 200 (the caller waits on its future); a failed
group falls back to one transaction per text, so one bad row or a duplicate from another
process fails only itself. (SQLite's busy handler sleeps up to 100 ms between tries, so a
transaction per webhook was worse still there.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messaging.grouped import GroupWriter, settle
from records.clock import Clock
from records.db import Database
from records.models import (
    Direction,
    Message,
    MessageStatus,
    Outreach,
    OutreachStatus,
    Participant,
    TurnStatus,
)
from records.phones import mask

log = logging.getLogger(__name__)
ANSWERED_WITHIN = timedelta(days=1)  # a text this soon after outreach answers it
MESSAGES = Message.metadata.tables[Message.__tablename__]  # Core, not the ORM's bulk path


@dataclass(frozen=True)
class Arrival:
    """One inbound text as the webhook parsed it (phone already E.164 where possible)."""

    sid: str
    phone: str
    body: str
    num_media: int
    stored: Future[bool] = field(default_factory=Future, compare=False)


class Inbox:
    """The one writer of arriving texts in this process."""

    def __init__(self, db: Database, clock: Clock, on_stored: Callable[[], None]) -> None:
        self.db = db
        self.clock = clock
        self.on_stored = on_stored
        self._writer = GroupWriter("inbox", self._store)

    def submit(self, arrival: Arrival) -> Future[bool]:
        """Queue a text; its future says True once committed, False for a retry of one
        already stored, or raises (the webhook then answers 503 and Twilio retries)."""
        self._writer.put(arrival)
        return arrival.stored

    def close(self) -> None:
        self._writer.close()

    def _store(self, group: list[Arrival]) -> None:
        results: list[bool | BaseException]
        try:
            with self.db.session() as session:
                results = list(store_group(session, group, self.clock.now()))
        except IntegrityError:  # stored meanwhile by another process: settle one by one
            results = [self._store_one(arrival) for arrival in group]
        except Exception as exc:  # no traceback: a database error quotes what it stored
            log.error("inbox: %d texts not stored: %s", len(group), type(exc).__name__)
            for arrival in group:
                settle(arrival.stored, error=exc)
            return
        if any(result is True for result in results):
            self.on_stored()
        for arrival, result in zip(group, results, strict=True):
            if isinstance(result, BaseException):
                settle(arrival.stored, error=result)
            else:
                settle(arrival.stored, result)

    def _store_one(self, arrival: Arrival) -> bool | BaseException:
        try:
            with self.db.session() as session:
                return store_group(session, [arrival], self.clock.now())[0]
        except IntegrityError as exc:
            if not self._already_stored(arrival.sid):
                return exc  # not the retry race: a real failure to store
            log.info("inbound %s stored concurrently by another request", arrival.sid)
            return False
        except Exception as exc:
            log.error("inbox: inbound %s not stored: %s", arrival.sid, type(exc).__name__)
            return exc

    def _already_stored(self, sid: str) -> bool:
        with self.db.session() as session:
            query = select(Message.id).where(Message.twilio_sid == sid[:64])
            return session.scalar(query) is not None


def store_group(session: Session, group: list[Arrival], now: datetime) -> list[bool]:
    """Store each new text with its turn pending; False for a retry of one already stored."""
    sids = [arrival.sid[:64] for arrival in group]
    seen = set(session.scalars(select(Message.twilio_sid).where(Message.twilio_sid.in_(sids))))
    phones = {arrival.phone for arrival in group}
    query = select(Participant.phone, Participant.id).where(Participant.phone.in_(phones))
    people: dict[str, int] = {phone: pid for phone, pid in session.execute(query)}
    results: list[bool] = []
    rows: list[dict[str, object]] = []
    for arrival, sid in zip(group, sids, strict=True):
        if sid in seen:
            log.info("inbound %s is a retry, already stored", arrival.sid)
            results.append(False)
            continue
        seen.add(sid)
        rows.append(
            {
                "direction": Direction.INBOUND,
                "twilio_sid": sid,
                "phone": arrival.phone,
                "participant_id": people.get(arrival.phone),
                "body": arrival.body,
                "num_media": arrival.num_media,
                "status": MessageStatus.RECEIVED,
                "turn_status": TurnStatus.PENDING,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
        results.append(True)
        log.info("inbound %s from %s stored", arrival.sid, mask(arrival.phone))
    if rows:  # one multi-row INSERT on the table: the ORM's bulk path cost a burst CPU
        session.execute(insert(MESSAGES), rows)
    return results


def record_engagement(session: Session, participant_ids: list[int], now: datetime) -> None:
    """Engagement for the coordinators' pages: when each person last texted (`now`, the
    time their text arrived), and which outreach of the day before it answered. The safety
    lane records it as it screens, so the webhook's transaction, which Twilio waits for,
    holds one INSERT and nothing else."""
    session.execute(
        update(Participant)
        .where(Participant.id.in_(participant_ids))
        .values(last_inbound_at=now)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Outreach)
        .where(
            Outreach.participant_id.in_(participant_ids),
            Outreach.status == OutreachStatus.SENT,
            Outreach.answered_at.is_(None),
            Outreach.sent_at >= now - ANSWERED_WITHIN,
            Outreach.sent_at <= now,
        )
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    )
