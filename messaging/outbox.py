"""The durable outbox: every outbound text is a row first, then a send, retried with backoff.

A row is written in the same transaction as whatever caused it (a turn, a STOP), so a crash
never loses a reply. Rows carry a priority (records.models.Priority): safety replies and
pages, then a peer's texts, then the bot's replies, then outreach. Two lanes send them:

- the safety lane sends priority 0 at once, never waiting for pacing or for routine texts;
- the routine lane sends the rest, highest priority first, paced per sending number, and
  claims only what it can send in about half a second, so nothing it holds waits long.

Senders claim due rows (SKIP LOCKED on PostgreSQL, so two senders never take the same row),
keep each recipient's texts in order within a priority (a safety text may overtake a
routine one, never the reverse), and never text an opted-out number.

A claim is a lease: the batch's owner token and a time it lapses. Before each send the
sender renews the lease of every row it still holds (the heartbeat), unless the row was just
seen with nearly all its lease left; it sends only a row it still holds, and records an
outcome only while it holds it. Another sender reclaims a row only once its lease has
lapsed, that is, once its sender has died or stalled. A send gives up at the HTTP timeout
(10 s), well inside the lease (60 s, and 54 s after a skipped heartbeat), so a live
sender's text is never sent twice; a sender stalled past its lease may be overtaken, and
its late record never overwrites the new holder's.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Integer, Select, and_, bindparam, exists, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from messaging import segments
from messaging.pace import SendPace
from records.clock import Clock
from records.db import Database
from records.models import (
    PRIORITY_OF_KIND,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    OptOut,
    Priority,
)
from records.phones import mask
from records.settings import Settings
from records.timings import Timings

log = logging.getLogger(__name__)

# Twilio error codes that will never succeed on retry.
OPTED_OUT_CODE = 21610  # the recipient replied STOP to this sender
PERMANENT_CODES = {21211, 21214, 21408, 21604, 21606, 21612, 21614, 21617, OPTED_OUT_CODE}
UNSENT = (MessageStatus.PENDING, MessageStatus.SENDING)
FRESH_LEASE_SHARE = 0.9  # a lease with this share left is not renewed before a send
CLAIM_SECONDS = 0.5  # the routine lane claims what pacing lets it send in this long


def is_opted_out(session: Session, phone: str) -> bool:
    return session.get(OptOut, phone) is not None


def enqueue(
    session: Session,
    *,
    phone: str,
    body: str,
    kind: MessageKind,
    now: datetime,
    max_segments: int,
    participant_id: int | None = None,
    reply_to_id: int | None = None,
) -> Message:
    """Add a text to the outbox, cut to `max_segments` if the wording ran long."""
    text, cut = segments.fit(body, max_segments)
    if cut:
        log.warning("outbox: %s text cut to %d segments", kind, max_segments)
    message = Message(
        direction=Direction.OUTBOUND,
        kind=kind,
        phone=phone,
        body=text,
        participant_id=participant_id,
        reply_to_id=reply_to_id,
        status=MessageStatus.PENDING,
        segments=segments.count(text).segments,
        truncated=cut,
        priority=PRIORITY_OF_KIND.get(kind, Priority.REPLY),
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class SendOutcome:
    status: MessageStatus
    retry: bool = False
    error_code: int | None = None
    error_message: str | None = None
    sid: str | None = None


def classify(exc: Exception) -> SendOutcome:
    """Sort a failed send into retry-later and never-retry."""
    if isinstance(exc, TwilioRestException):
        status = int(exc.status or 0)
        code = int(exc.code) if exc.code else None
        retry = (status == 429 or status >= 500 or status == 0) and code not in PERMANENT_CODES
        return SendOutcome(MessageStatus.FAILED, retry, code, (exc.msg or "")[:255])
    return SendOutcome(MessageStatus.FAILED, True, None, type(exc).__name__)


class OutboxSender:
    """Sends due outbox rows through the real twilio Client."""

    def __init__(self, db: Database, client: Client, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.client = client
        self.settings = settings
        self.clock = clock
        self.pace = SendPace(settings.send_rate_per_second)
        self.lease = timedelta(seconds=settings.outbox_lease_seconds)
        self.timings = Timings()  # the app hands in its own, which /metrics exposes
        self._sending_number = next(iter(settings.sender.values()))
        # twilio loads its Messages API lazily (about 0.2 s): pay that at start, not on the
        # first safety text after a restart.
        _ = client.messages

    def send_due(self, limit: int = 20) -> int:
        """Both lanes once, safety first (tests and tools; the app runs each lane in a loop)."""
        return self.send_safety(limit) + self.send_routine(limit)

    def send_safety(self, limit: int = 20) -> int:
        """Safety replies and pages: sent at once, whatever routine texts are waiting."""
        token, claimed = self._claim(limit, safety=True)
        for message_id in claimed:
            self._send(message_id, token, paced=False)
        return len(claimed)

    def send_routine(self, limit: int = 20) -> int:
        """Everything else, by priority, paced. Claims only what pacing lets it send in about
        half a second, so a claimed row never sits long (or looks stuck to another sender)."""
        batch = max(1, min(limit, int(self.settings.send_rate_per_second * CLAIM_SECONDS)))
        token, claimed = self._claim(batch, safety=False)
        for message_id in claimed:
            self._send(message_id, token, paced=True)
        return len(claimed)

    def _claim(self, limit: int, safety: bool) -> tuple[str, list[int]]:
        """Lease due rows, and rows whose sender's lease lapsed, to a new batch token."""
        now, token = self.clock.now(), secrets.token_hex(16)
        claim = (CLAIM_LOCKED if self.db.is_postgres else CLAIM)[safety]
        with self.db.session() as session:
            rows = list(session.scalars(claim, claim_values(now, limit, self.lease)))
            for row in rows:
                row.status = MessageStatus.SENDING
                row.attempts += 1
                row.updated_at = now
                row.lease_owner, row.lease_until = token, now + self.lease
            return token, [row.id for row in rows]

    def _lease_fresh(self, held_until: datetime | None) -> bool:
        """The row was just seen held by this batch with nearly all its lease left, far more
        than a send's HTTP timeout, so no other sender can take it before the send is
        recorded: the heartbeat (two statements and a transaction per text) is skipped. A
        batch that has used a tenth of its lease renews it as before."""
        if held_until is None:
            return False
        return held_until - self.clock.now() >= self.lease * FRESH_LEASE_SHARE

    def _heartbeat(self, token: str, message_id: int) -> bool:
        """Renew the lease on every row this batch still holds; True if `message_id` is one."""
        now = self.clock.now()
        held = _held_by(token)
        with self.db.session() as session:
            session.execute(
                update(Message)
                .where(held)
                .values(lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            still = session.scalar(select(Message.id).where(held, Message.id == message_id))
        if still is None:
            log.warning("outbox: message %d: lease lost to another sender, not sent", message_id)
        return still is not None

    def _held(self, session: Session, message_id: int, token: str) -> Message | None:
        query = select(Message).where(Message.id == message_id, _held_by(token))
        if self.db.is_postgres:
            query = query.with_for_update()
        return session.scalar(query)

    def _send(self, message_id: int, token: str, paced: bool) -> None:
        with self.db.session() as session:
            message = self._held(session, message_id, token)
            if message is None:
                return  # reclaimed by another sender while this batch waited
            if self._suppressed(session, message):
                message.lease_owner = message.lease_until = None
                return
            to, body, queued_at = message.phone, message.body, message.created_at
            held_until = message.lease_until
        if paced:
            self.pace.wait(self._sending_number)
        else:
            self.pace.reserve(self._sending_number)  # counted, never waited for
        if not self._lease_fresh(held_until) and not self._heartbeat(token, message_id):
            return
        outcome = self._deliver(message_id, to, body)
        self._record(message_id, token, outcome)
        if outcome.sid:
            waited = (self.clock.now() - queued_at).total_seconds()
            self.timings.send.labels("routine" if paced else "safety").observe(max(waited, 0.0))

    def _suppressed(self, session: Session, message: Message) -> bool:
        """Never sent: an opted-out number (bar the one confirmation), or too late."""
        if is_opted_out(session, message.phone) and (
            message.kind != MessageKind.OPT_OUT_CONFIRMATION
        ):
            message.status = MessageStatus.SUPPRESSED
            log.info("outbox: message %d suppressed, recipient opted out", message.id)
            return True
        if message.send_before is not None and self.clock.now() >= message.send_before:
            message.status = MessageStatus.SUPPRESSED
            message.error_message = "too late to send politely"
            log.info("outbox: message %d suppressed, past its send-before time", message.id)
            return True
        return False

    def _deliver(self, message_id: int, to: str, body: str) -> SendOutcome:
        try:
            sent = self.client.messages.create(
                to=to,
                body=body,
                status_callback=f"{self.settings.public_base_url}/sms/status",
                **self.settings.sender,
            )
        except (TwilioException, OSError) as exc:
            outcome = classify(exc)
            log.warning(
                "outbox: message %d to %s failed (code %s, retry %s)",
                message_id,
                mask(to),
                outcome.error_code,
                outcome.retry,
            )
            return outcome
        log.info("outbox: message %d accepted as %s", message_id, sent.sid)
        return SendOutcome(MessageStatus.QUEUED, sid=sent.sid)

    def _record(self, message_id: int, token: str, outcome: SendOutcome) -> None:
        now = self.clock.now()
        if outcome.sid:
            self._record_accepted(message_id, token, outcome.sid, now)
            return
        with self.db.session() as session:
            message = self._held(session, message_id, token)
            if message is None:
                log.error(
                    "outbox: message %d: lease lost mid-send, outcome not recorded", message_id
                )
                return
            message.lease_owner = message.lease_until = None
            message.error_code = outcome.error_code
            message.error_message = outcome.error_message
            if outcome.retry and message.attempts < self.settings.outbox_max_attempts:
                message.status = MessageStatus.PENDING
                message.next_attempt_at = now + self._backoff(message.attempts)
            else:
                message.status = MessageStatus.FAILED
                if outcome.error_code == OPTED_OUT_CODE and not is_opted_out(
                    session, message.phone
                ):
                    session.add(OptOut(phone=message.phone, source="carrier", opted_out_at=now))

    def _record_accepted(self, message_id: int, token: str, sid: str, now: datetime) -> None:
        """The carrier took it: one UPDATE, only while this batch still holds the row (the
        common case, so it skips the read-then-write of the other outcomes)."""
        with self.db.session() as session:
            result = session.execute(
                update(Message)
                .where(Message.id == message_id, _held_by(token))
                .values(
                    status=MessageStatus.QUEUED,
                    twilio_sid=sid,
                    sent_at=now,
                    lease_owner=None,
                    lease_until=None,
                    error_code=None,
                    error_message=None,
                )
                .execution_options(synchronize_session=False)
            )
        if not cast("CursorResult[Any]", result).rowcount:
            log.error("outbox: message %d: lease lost mid-send, outcome not recorded", message_id)

    def _backoff(self, attempts: int) -> timedelta:
        base = self.settings.outbox_backoff_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(base, self.settings.outbox_backoff_max_seconds))


def _held_by(token: str) -> ColumnElement[bool]:
    """Rows a batch still holds: its lease token, still being sent. Every write after the
    claim is guarded by this, so a sender that lost its lease changes nothing."""
    return and_(Message.lease_owner == token, Message.status == MessageStatus.SENDING)


def _claim_statement(safety: bool) -> Select[Message]:
    """Due outbound texts of one lane (and texts whose sender's lease lapsed) whose recipient
    has no earlier text unsent. The earlier-text check reads only unsent rows (a partial
    index), never the whole history."""
    now: BindParameter[datetime] = bindparam("now")
    stale_before: BindParameter[datetime] = bindparam("stale_before")
    earlier = aliased(Message)
    blocked_by_earlier = exists().where(
        and_(
            earlier.phone == Message.phone,
            earlier.direction == Direction.OUTBOUND,
            earlier.status.in_(UNSENT),
            earlier.priority <= Message.priority,
            earlier.id < Message.id,
        )
    )
    lapsed = (Message.lease_until < now) | (  # no lease: claimed before leases existed
        Message.lease_until.is_(None) & (Message.updated_at < stale_before)
    )
    stuck = and_(Message.status == MessageStatus.SENDING, lapsed)
    due = and_(Message.status == MessageStatus.PENDING, Message.next_attempt_at <= now)
    lane = Message.priority == Priority.SAFETY if safety else Message.priority > Priority.SAFETY
    return (
        select(Message)
        .where(Message.direction == Direction.OUTBOUND, lane, due | stuck, ~blocked_by_earlier)
        .order_by(Message.priority, Message.id)
        .limit(bindparam("limit", type_=Integer))
    )


# Each lane's claim is built once, whole, at import, and only its values are bound per claim:
# building it anew (the self-join's aliased table, its cache key) was a sixth of the work
# process's time under load (docs/deploy.md). Built before any thread can touch it, because
# SQLAlchemy fills an alias's columns lazily, and two threads filling one at once is a race.
CLAIM = {safety: _claim_statement(safety) for safety in (True, False)}
CLAIM_LOCKED = {  # PostgreSQL: two senders never take the same row
    safety: statement.with_for_update(skip_locked=True, of=Message)
    for safety, statement in CLAIM.items()
}


def claim_values(now: datetime, limit: int, lease: timedelta) -> dict[str, object]:
    return {"now": now, "stale_before": now - lease, "limit": limit}


def claim_query(now: datetime, limit: int, safety: bool, lease: timedelta) -> Select[Message]:
    """One lane's claim with its values in (query plans and tools; senders bind at execution)."""
    return CLAIM[safety].params(claim_values(now, limit, lease))
