"""Turns: the conversation lane, what happens to a stored inbound text after Twilio has been
acknowledged and the safety lane has screened it (escalation/lane.py).

Order of checks, each able to end the turn:
  1 unknown number        -> one polite PHI-free reply a day (or, in a crisis, the case)
  2 compliance words      -> STOP / START / HELP, before any NLU
  3 opted out             -> recorded, never answered (a live case still sees it)
  4 a case has the bot standing aside -> the text joins the case thread for the peer
  5 pictures              -> "can't open pictures" (any text with them still goes on)
  6 the Rasa engine       -> replies into the outbox, in order; record writes applied
If the engine is down the turn stays pending and is retried with backoff; a turn that fails
for any other reason backs off too and, after TURN_MAX_ERRORS, is set aside: a support
case tells a peer the bot could not answer, and the person's later texts go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, Select, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased

from bot import payloads
from bot.engine import EngineReply, EngineUnavailable, RasaEngine
from bot.payloads import PayloadContext
from escalation.escalate import Escalator, Signal, live_case
from messaging import compliance
from messaging.compliance import Keyword
from messaging.outbox import enqueue, is_opted_out
from records.clock import Clock
from records.db import Database
from records.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseEvent,
    CaseLevel,
    Direction,
    Message,
    MessageKind,
    OptOut,
    Participant,
    TurnStatus,
)
from records.settings import Settings
from records.timings import Timings

log = logging.getLogger(__name__)

UNKNOWN_REPLY_EVERY = timedelta(hours=24)
LONGEST_RETRY = 300.0
SET_ASIDE_REASON = "bot_could_not_answer"


@dataclass
class TurnContext:
    """What one turn works with, inside one transaction."""

    session: Session
    message: Message
    participant: Participant | None
    now: datetime


class TurnProcessor:
    def __init__(
        self,
        db: Database,
        engine: RasaEngine,
        settings: Settings,
        clock: Clock,
        escalator: Escalator,
    ) -> None:
        self.db = db
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.escalator = escalator
        self.timings = Timings()  # the app hands in its own, which /metrics exposes

    def process_due(self, limit: int = 10) -> int:
        """Run due turns one after another (tests and tools; the app runs a TurnPool)."""
        return sum(self.process(message_id) for message_id, _phone in self.due(limit))

    def due(self, limit: int, busy: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
        """Turns ready to run, oldest first, at most one per phone: a person's texts keep
        their order, and nobody's text waits for another person's."""
        values = due_values(self.clock.now(), limit, busy)
        with self.db.session() as session:
            return [(row.id, row.phone) for row in session.execute(DUE, values)]

    def process(self, message_id: int) -> bool:
        """Run one turn in one transaction; False when it must be tried again later."""
        try:
            with self.db.session() as session:
                query = select(Message).where(Message.id == message_id)
                if self.db.is_postgres:
                    query = query.with_for_update(skip_locked=True)
                message = session.scalar(query)
                if message is None or message.turn_status != TurnStatus.PENDING:
                    return False
                if message.screened_at is None:
                    return False  # the safety lane reads every text first
                self._run(TurnContext(session, message, message.participant, self.clock.now()))
                message.turn_status = TurnStatus.DONE
                arrived = message.created_at
            took = (self.clock.now() - arrived).total_seconds()
            self.timings.turn.observe(max(took, 0.0))
            return True
        except EngineUnavailable as exc:
            self._engine_down(message_id, str(exc))
        except Exception as exc:  # any other failure: back off, never stall everyone else
            log.exception("turn %d failed", message_id)
            self._failed(message_id, type(exc).__name__)
        return False

    # --- routing ---------------------------------------------------------------------

    def _run(self, turn: TurnContext) -> None:
        opted_out = is_opted_out(turn.session, turn.message.phone)
        case = live_case(turn.session, turn.participant, turn.message.phone)
        if case is not None and (turn.participant is None or opted_out or case.pauses_bot):
            self._to_case(turn, case)  # a peer reads it; compliance words still apply below
        word = compliance.keyword(turn.message.body, opted_out)
        if word is not None:
            self._compliance(turn, word, opted_out)
        elif turn.participant is None:
            if case is None:
                self._unknown_sender(turn)
        elif opted_out:
            log.info("turn %d: participant opted out, not answered", turn.message.id)
        elif case is None or not case.pauses_bot:
            self._converse(turn, turn.participant)

    def _to_case(self, turn: TurnContext, case: Case) -> None:
        """The bot stands aside: the text joins the case thread and the console wakes."""
        if turn.participant is not None:
            turn.participant.awaiting_answer = None
        if turn.message.case_id is None:
            turn.message.case_id = case.id
        self.escalator.after_commit(turn.session, case.id)
        log.info("turn %d: in case %d's thread (%s)", turn.message.id, case.id, case.level)

    def _unknown_sender(self, turn: TurnContext) -> None:
        phone = turn.message.phone
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

    # --- the engine ------------------------------------------------------------------

    def _converse(self, turn: TurnContext, participant: Participant) -> None:
        """The engine is asked before anything is written, so a retry repeats nothing and no
        write lock is held while it thinks."""
        text = turn.message.body[: self.settings.max_inbound_chars].strip()
        replies: list[EngineReply] = []
        if text:
            metadata = self._metadata(turn.session, participant, turn.now)
            if handed_back_since_bot_spoke(turn.session, participant):
                # a clean start: no question from before the case is resumed
                replies = self.engine.trigger_intent(participant.public_id, HANDBACK_INTENT)
            replies += self.engine.message(participant.public_id, text, metadata)
            participant.awaiting_answer = None  # answered; a payload below may ask again
        if turn.message.num_media > 0:
            self._reply(turn, compliance.media_reply(), MessageKind.MEDIA_NOTICE)
        context = PayloadContext(
            turn.session, participant, turn.message.id, turn.now, self.escalator
        )
        for reply in replies:
            if reply.text:
                self._reply(turn, reply.text, MessageKind.REPLY)
            if reply.custom:
                payloads.apply(context, reply.custom)

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

    # --- when a turn cannot finish -----------------------------------------------------

    def _engine_down(self, message_id: int, why: str) -> None:
        now = self.clock.now()
        with self.db.session() as session:
            message = session.get(Message, message_id)
            if message is None or message.turn_status != TurnStatus.PENDING:
                return
            message.attempts += 1
            delay = min(self.settings.turn_retry_seconds * 2 ** (message.attempts - 1), 300.0)
            message.next_attempt_at = now + timedelta(seconds=delay)
        log.warning("turn %d: engine unavailable (%s), retry in %.0fs", message_id, why, delay)

    def _failed(self, message_id: int, error: str) -> None:
        """Back off (5 s doubling); after TURN_MAX_ERRORS set the turn aside and ask a peer."""
        now = self.clock.now()
        with self.db.session() as session:
            message = session.get(Message, message_id)
            if message is None or message.turn_status != TurnStatus.PENDING:
                return
            message.turn_errors += 1
            message.error_message = f"turn failed: {error}"[:255]
            if message.turn_errors < self.settings.turn_max_errors:
                delay = self.settings.turn_retry_seconds * 2 ** (message.turn_errors - 1)
                message.next_attempt_at = now + timedelta(seconds=min(delay, LONGEST_RETRY))
                return
            message.turn_status = TurnStatus.SET_ASIDE
            log.error("turn %d set aside after %d errors", message_id, message.turn_errors)
            participant = message.participant
            if participant is not None and not is_opted_out(session, message.phone):
                signal = Signal(CaseLevel.SUPPORT, (SET_ASIDE_REASON,), "turn_failed", message.id)
                self.escalator.escalate(
                    session, participant=participant, phone=message.phone, signal=signal, now=now
                )


def _due_statement() -> Select[int, str]:
    """Pending, screened turns whose person has no earlier turn pending and is not busy. The
    earlier-turn check reads only pending rows (a partial index), never a person's whole
    history."""
    earlier = aliased(Message)
    waiting_behind = exists().where(
        and_(
            earlier.phone == Message.phone,
            earlier.turn_status == TurnStatus.PENDING,
            earlier.direction == Direction.INBOUND,
            earlier.id < Message.id,
        )
    )
    return (
        select(Message.id, Message.phone)
        .where(
            Message.direction == Direction.INBOUND,
            Message.turn_status == TurnStatus.PENDING,
            Message.screened_at.is_not(None),
            Message.next_attempt_at <= bindparam("now"),
            Message.phone.not_in(bindparam("busy", expanding=True)),
            ~waiting_behind,
        )
        .order_by(Message.id)
        .limit(bindparam("limit", type_=Integer))
    )


# Built once, whole, at import; only its values are bound per look (as the outbox's claim:
# messaging/outbox.py says why).
DUE = _due_statement()


def due_values(now: datetime, limit: int, busy: frozenset[str]) -> dict[str, object]:
    return {"now": now, "limit": limit, "busy": sorted(busy)}


def due_query(now: datetime, limit: int, busy: frozenset[str]) -> Select[int, str]:
    """The due turns with their values in (query plans and tools; the loop binds them)."""
    return DUE.params(due_values(now, limit, busy))


UPCOMING = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)
HANDBACK_INTENT = "EXTERNAL_handback"
BOT_KINDS = (MessageKind.REPLY, MessageKind.NUDGE)


def handed_back_since_bot_spoke(session: Session, participant: Participant) -> bool:
    """A peer handed the conversation back after the bot's last text to this person: what
    the bot asked before the case is stale."""
    handed_back = session.scalar(
        select(func.max(CaseEvent.at))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.participant_id == participant.id, CaseEvent.kind == "handed_back")
    )
    if handed_back is None:
        return False
    spoke = session.scalar(
        select(func.max(Message.created_at)).where(
            Message.participant_id == participant.id,
            Message.direction == Direction.OUTBOUND,
            Message.kind.in_(BOT_KINDS),
        )
    )
    return spoke is None or spoke < handed_back


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
