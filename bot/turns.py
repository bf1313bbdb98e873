"""Turns: what happens to a stored inbound text after Twilio has been acknowledged.

Order of checks, each able to end the turn:
  1 unknown number        -> one polite PHI-free reply a day, recorded for staff
  2 compliance words      -> STOP / START / HELP, before any NLU
  3 opted out             -> recorded, never answered
  4 pictures              -> "can't open pictures" (any text with them still goes on)
  5 the Rasa engine       -> replies into the outbox, in order; record writes applied
If the engine is down the turn stays pending and is retried with backoff: acknowledged,
stored, and answered once the engine is back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from bot import compliance, payloads
from bot.compliance import Keyword
from bot.engine import EngineReply, EngineUnavailable, RasaEngine
from bot.payloads import PayloadContext
from messaging.outbox import enqueue, is_opted_out
from records.clock import Clock
from records.db import Database
from records.models import (
    Appointment,
    AppointmentStatus,
    Direction,
    Message,
    MessageKind,
    OptOut,
    Participant,
    TurnStatus,
)
from records.settings import Settings

log = logging.getLogger(__name__)

UNKNOWN_REPLY_EVERY = timedelta(hours=24)


@dataclass
class TurnContext:
    """What one turn works with, inside one transaction."""

    session: Session
    message: Message
    participant: Participant | None
    now: datetime


class TurnProcessor:
    def __init__(self, db: Database, engine: RasaEngine, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.engine = engine
        self.settings = settings
        self.clock = clock

    def process_due(self, limit: int = 10) -> int:
        """Run the turns that are due; returns how many finished."""
        done = 0
        for message_id in self._due(limit):
            if self.process(message_id):
                done += 1
        return done

    def _due(self, limit: int) -> list[int]:
        # One turn per phone at a time, oldest first, so a person's texts keep their order.
        now = self.clock.now()
        earlier = aliased(Message)
        waiting_behind = exists().where(
            and_(
                earlier.phone == Message.phone,
                earlier.direction == Direction.INBOUND,
                earlier.turn_status == TurnStatus.PENDING,
                earlier.id < Message.id,
            )
        )
        query = (
            select(Message.id)
            .where(
                Message.direction == Direction.INBOUND,
                Message.turn_status == TurnStatus.PENDING,
                Message.next_attempt_at <= now,
                ~waiting_behind,
            )
            .order_by(Message.id)
            .limit(limit)
        )
        with self.db.session() as session:
            return list(session.scalars(query))

    def process(self, message_id: int) -> bool:
        """Run one turn in one transaction; False when it must be retried later."""
        with self.db.session() as session:
            query = select(Message).where(Message.id == message_id)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            message = session.scalar(query)
            if message is None or message.turn_status != TurnStatus.PENDING:
                return False
            turn = TurnContext(session, message, message.participant, self.clock.now())
            try:
                self._run(turn)
            except EngineUnavailable as exc:
                self._retry_later(turn, str(exc))
                return False
            message.turn_status = TurnStatus.DONE
            return True

    def _run(self, turn: TurnContext) -> None:
        if turn.participant is None:
            self._unknown_sender(turn)
            return
        opted_out = is_opted_out(turn.session, turn.message.phone)
        word = compliance.keyword(turn.message.body, opted_out)
        if word is not None:
            self._compliance(turn, word, opted_out)
            return
        if opted_out:
            log.info("turn %d: participant opted out, not answered", turn.message.id)
            return
        self._converse(turn, turn.participant)

    def _unknown_sender(self, turn: TurnContext) -> None:
        phone = turn.message.phone
        word = compliance.keyword(turn.message.body, is_opted_out(turn.session, phone))
        if word is not None:
            self._compliance(turn, word, is_opted_out(turn.session, phone))
            return
        recently = turn.session.scalar(
            select(Message.id).where(
                Message.phone == phone,
                Message.kind == MessageKind.UNKNOWN_SENDER,
                Message.created_at > turn.now - UNKNOWN_REPLY_EVERY,
            )
        )
        log.info("turn %d: text from an unknown number, recorded", turn.message.id)
        if recently is None and not is_opted_out(turn.session, phone):
            self._reply(
                turn, compliance.unknown_sender_reply(self.settings), MessageKind.UNKNOWN_SENDER
            )

    def _compliance(self, turn: TurnContext, word: Keyword, opted_out: bool) -> None:
        phone = turn.message.phone
        log.info("turn %d: compliance keyword %s", turn.message.id, word)
        if word is Keyword.OPT_OUT:
            if opted_out:
                return  # one confirmation only
            turn.session.add(OptOut(phone=phone, source="keyword", opted_out_at=turn.now))
            self._reply(
                turn, compliance.opt_out_reply(self.settings), MessageKind.OPT_OUT_CONFIRMATION
            )
        elif word is Keyword.OPT_IN:
            if opted_out:
                turn.session.delete(turn.session.get_one(OptOut, phone))
                turn.session.flush()
            self._reply(turn, compliance.opt_in_reply(self.settings), MessageKind.COMPLIANCE)
        elif not opted_out:
            self._reply(turn, compliance.help_reply(self.settings), MessageKind.COMPLIANCE)

    def _converse(self, turn: TurnContext, participant: Participant) -> None:
        # The engine is asked before anything is written, so a retry repeats nothing.
        text = turn.message.body[: self.settings.max_inbound_chars].strip()
        replies: list[EngineReply] = []
        if text:
            metadata = self._metadata(turn.session, participant, turn.now)
            replies = self.engine.message(participant.public_id, text, metadata)
            participant.awaiting_answer = None  # answered; a payload below may ask again
        if turn.message.num_media > 0:
            self._reply(turn, compliance.media_reply(), MessageKind.MEDIA_NOTICE)
        for reply in replies:
            if reply.text:
                self._reply(turn, reply.text, MessageKind.REPLY)
            if reply.custom:
                self._apply(turn, reply)

    def _apply(self, turn: TurnContext, reply: EngineReply) -> None:
        assert turn.participant is not None
        ctx = PayloadContext(turn.session, turn.participant, turn.message.id, turn.now)
        payloads.apply(ctx, reply.custom)

    def _metadata(
        self, session: Session, participant: Participant, now: datetime
    ) -> dict[str, Any]:
        """What the custom actions may read about this person (they never query the app)."""
        return {
            "peerline": {
                "participant": {
                    "id": participant.public_id,
                    "alias": participant.alias,
                    "timezone": participant.timezone,
                },
                "next_appointment": next_appointment(session, participant, now),
                "program": {
                    "name": self.settings.program_name,
                    "support_contact": self.settings.support_contact,
                },
                "resources": {
                    "naloxone": self.settings.naloxone_info,
                    "test_strips": self.settings.test_strips_info,
                },
            }
        }

    def _reply(self, turn: TurnContext, body: str, kind: MessageKind) -> None:
        enqueue(
            turn.session,
            phone=turn.message.phone,
            body=body,
            kind=kind,
            now=turn.now,
            max_segments=self.settings.max_segments,
            participant_id=turn.participant.id if turn.participant else None,
            reply_to_id=turn.message.id,
        )

    def _retry_later(self, turn: TurnContext, why: str) -> None:
        turn.message.attempts += 1
        delay = min(self.settings.turn_retry_seconds * 2 ** (turn.message.attempts - 1), 300.0)
        turn.message.next_attempt_at = turn.now + timedelta(seconds=delay)
        log.warning("turn %d: engine unavailable (%s), retry in %.0fs", turn.message.id, why, delay)


UPCOMING = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)


def next_appointment(
    session: Session, participant: Participant, now: datetime
) -> dict[str, str] | None:
    """The next appointment, in the participant's own time zone."""
    appointment = session.scalar(
        select(Appointment)
        .where(
            Appointment.participant_id == participant.id,
            Appointment.starts_at > now,
            Appointment.status.in_(UPCOMING),
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    if appointment is None:
        return None
    local = appointment.starts_at.astimezone(ZoneInfo(participant.timezone))
    return {"at": local.isoformat(), "kind": appointment.kind, "location": appointment.location}
