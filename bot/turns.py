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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from bot import compliance, payloads
from bot.compliance import Keyword
from bot.engine import EngineReply, EngineUnavailable, RasaEngine, parse_intent
from bot.payloads import PayloadContext
from escalation import cases, triage, wording
from messaging.outbox import enqueue, is_opted_out
from records.clock import Clock
from records.db import Database
from records.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseLevel,
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
    changed_cases: list[int] = field(default_factory=list)


def policy_from(settings: Settings) -> cases.Policy:
    return cases.Policy(
        program_name=settings.program_name,
        repage_emergency_after=timedelta(minutes=settings.repage_emergency_minutes),
        repage_urgent_after=timedelta(minutes=settings.repage_urgent_minutes),
        max_active_cases_per_peer=settings.max_active_cases_per_peer,
        on_call_number=settings.on_call_number,
        max_segments=settings.max_segments,
        emergency_reply=settings.safety_emergency_reply or wording.EMERGENCY_REPLY,
        urgent_reply=(settings.safety_urgent_reply or wording.URGENT_REPLY).replace(
            "{minutes}", str(settings.urgent_response_minutes)
        ),
    )


class TurnProcessor:
    def __init__(
        self,
        db: Database,
        engine: RasaEngine,
        settings: Settings,
        clock: Clock,
        on_case_change: Callable[[int], None] | None = None,
    ) -> None:
        self.db = db
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.policy = policy_from(settings)
        self.on_case_change = on_case_change

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
        for case_id in turn.changed_cases:  # after commit, so the console reads the change
            if self.on_case_change is not None:
                self.on_case_change(case_id)
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
        """Safety first: assess the text, then the case thread or the engine.

        The engine is asked before anything is written, so a retry repeats nothing.
        """
        text = turn.message.body[: self.settings.max_inbound_chars].strip()
        last_question = triage.awaiting(
            participant.awaiting_answer, participant.awaiting_since, turn.now
        )
        assessment = triage.assess(text, last_question, self._nlu)
        level = assessment.case_level
        paused_by = cases.pausing_case(turn.session, participant.id)
        if level in cases.PAUSING or paused_by is not None:
            self._to_case(turn, participant, assessment, paused_by)
            return
        replies: list[EngineReply] = []
        if text:
            metadata = self._metadata(turn.session, participant, turn.now)
            replies = self.engine.message(participant.public_id, text, metadata)
            participant.awaiting_answer = None  # answered; a payload below may ask again
        if level is not None:  # support: a peer request, the bot carries on
            self._open_case(turn, participant, assessment)
        if turn.message.num_media > 0:
            self._reply(turn, compliance.media_reply(), MessageKind.MEDIA_NOTICE)
        for reply in replies:
            if reply.text:
                self._reply(turn, reply.text, MessageKind.REPLY)
            if reply.custom:
                self._apply(turn, reply)

    def _nlu(self, text: str) -> tuple[str, float] | None:
        return parse_intent(self.engine, text)

    def _to_case(
        self,
        turn: TurnContext,
        participant: Participant,
        assessment: triage.Assessment,
        paused_by: Case | None,
    ) -> None:
        """The bot stands aside: the text joins the case thread; risk raises the case."""
        participant.awaiting_answer = None
        case = paused_by
        if assessment.case_level in cases.PAUSING:
            case = self._open_case(turn, participant, assessment)
        assert case is not None
        turn.message.case_id = case.id
        if case.id not in turn.changed_cases:
            turn.changed_cases.append(case.id)
        log.info("turn %d: in case %d's thread (%s)", turn.message.id, case.id, case.level)

    def _open_case(
        self, turn: TurnContext, participant: Participant, assessment: triage.Assessment
    ) -> Case:
        level = assessment.case_level
        assert level is not None
        live = cases.active_case(turn.session, participant.id)
        before = live.level if live is not None else None
        case, needs_page = cases.open_or_raise(
            turn.session, participant, level, assessment.reason_codes, turn.message.id, turn.now
        )
        turn.changed_cases.append(case.id)
        became_riskier = before is None or cases.PRIORITY[case.level] < cases.PRIORITY[before]
        if level in cases.PAUSING and (needs_page or became_riskier):
            self._safety_reply(turn, case)
        if needs_page:
            paged = cases.page(turn.session, case, self.policy, turn.now)
            log.info("turn %d: case %d %s, %d paged", turn.message.id, case.id, case.level, paged)
        return case

    def _safety_reply(self, turn: TurnContext, case: Case) -> None:
        text = (
            self.policy.emergency_reply
            if case.level == CaseLevel.EMERGENCY
            else self.policy.urgent_reply
        )
        self._reply(turn, text, MessageKind.SAFETY, case_id=case.id)
        if not cases.on_shift_peers(turn.session):
            self._reply(turn, wording.NOBODY_ON_SHIFT_REPLY, MessageKind.SAFETY, case_id=case.id)

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

    def _reply(
        self, turn: TurnContext, body: str, kind: MessageKind, case_id: int | None = None
    ) -> None:
        message = enqueue(
            turn.session,
            phone=turn.message.phone,
            body=body,
            kind=kind,
            now=turn.now,
            max_segments=self.settings.max_segments,
            participant_id=turn.participant.id if turn.participant else None,
            reply_to_id=turn.message.id,
        )
        message.case_id = case_id

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
