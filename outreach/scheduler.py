"""The outreach scheduler: plans outreach (bot/planner.py) and sends what is due.

Each due row is handled in its own transaction: still wanted? -> the politeness rules ->
Rasa's trigger_intent -> the replies into the outbox -> the row marked sent. The outbox
texts and the "sent" mark commit together, so a crash anywhere leaves either nothing sent
(the row is tried again) or the row sent and its texts queued: never both twice.

Several schedulers may run. On PostgreSQL each takes rows with FOR UPDATE SKIP LOCKED, so
no two ever hold the same row. SQLite has no row locks: a lease row lets exactly one
scheduler work at a time, and another takes over once the holder stops renewing it.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bot import payloads
from bot.engine import EngineReply, EngineUnavailable, RasaEngine
from bot.payloads import PayloadContext
from escalation.escalate import Escalator, Signal, policy_from
from messaging.outbox import enqueue
from outreach import planner
from outreach.politeness import Action, Rules, decide, gather, quiet_starts_after, rules_from
from records.clock import Clock
from records.db import Database
from records.models import (
    Appointment,
    AppointmentStatus,
    CaseLevel,
    Direction,
    Message,
    MessageKind,
    Outreach,
    OutreachKind,
    OutreachSchedule,
    OutreachStatus,
    Participant,
    SchedulerLease,
)
from records.schedules import routine_of
from records.settings import Settings

log = logging.getLogger(__name__)

INTENTS = {
    OutreachKind.CHECKIN: "EXTERNAL_checkin",
    OutreachKind.APPOINTMENT_NUDGE: "EXTERNAL_appointment_nudge",
    OutreachKind.MISSED_APPOINTMENT: "EXTERNAL_missed_appointment",
    OutreachKind.MEDICATION_NUDGE: "EXTERNAL_medication_nudge",
    OutreachKind.REENGAGE: "EXTERNAL_reengage",
}
WAITING = (OutreachStatus.PLANNED, OutreachStatus.HELD)
LEASE = "outreach"
LEASE_TTL = timedelta(seconds=60)
MAX_RETRY = timedelta(minutes=10)
# What a reminder may call each appointment kind when the program opts in to naming it.
NAMED_KIND = {
    "intake": "intake appointment",
    "prescriber visit": "prescriber visit",
    "dosing": "dosing visit",
    "counselling": "counselling session",
    "group": "group session",
}
MAX_ERRORS = 5  # a row that keeps failing is dropped, with the error as its reason
ERROR_DELAY = timedelta(minutes=10)
SILENT_REASON = "silent_after_reengage"


@dataclass(frozen=True)
class Outcome:
    """What happened to one row: sent, held, dropped or retry (engine unavailable)."""

    status: str
    reason: str | None = None


class Scheduler:
    def __init__(
        self,
        db: Database,
        engine: RasaEngine,
        settings: Settings,
        clock: Clock,
        escalator: Escalator | None = None,
        name: str | None = None,
    ) -> None:
        self.db = db
        self.engine = engine
        self.settings = settings
        self.clock = clock
        self.rules: Rules = rules_from(settings)
        self.holder = name or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.escalator = escalator or Escalator(policy_from(settings))
        self._planned_at: datetime | None = None

    # --- the loop's step ----------------------------------------------------------------

    def step(self) -> int:
        """Plan when it is time, then send what is due; returns how many rows were sent."""
        if not self.holds_lease():
            return 0
        now = self.clock.now()
        every = timedelta(minutes=self.settings.outreach_plan_minutes)
        if self._planned_at is None or now - self._planned_at >= every:
            try:
                self.plan()
            except Exception:  # planning trouble must not stop what is already due
                log.exception("outreach: planning failed; sending what is due anyway")
            self._planned_at = now
        return self.dispatch_due()

    def plan(self) -> int:
        with self.db.session() as session:
            added = planner.plan(session, self.settings, self.clock.now())
        if added:
            log.info("outreach: %d new row(s) planned", added)
        return added

    # --- the SQLite lease ---------------------------------------------------------------

    def holds_lease(self) -> bool:
        """PostgreSQL shares work by row locks; on SQLite one scheduler holds a lease."""
        if self.db.is_postgres:
            return True
        now = self.clock.now()
        mine_or_lapsed = (SchedulerLease.holder == self.holder) | (SchedulerLease.expires_at <= now)
        try:
            with self.db.session() as session:
                # one conditional UPDATE: of two schedulers taking a lapsed lease, one wins
                taken = session.execute(
                    update(SchedulerLease)
                    .where(SchedulerLease.name == LEASE, mine_or_lapsed)
                    .values(holder=self.holder, expires_at=now + LEASE_TTL)
                ).rowcount  # type: ignore[attr-defined]
                if taken:
                    return True
                if session.get(SchedulerLease, LEASE) is not None:
                    return False
                session.add(
                    SchedulerLease(name=LEASE, holder=self.holder, expires_at=now + LEASE_TTL)
                )
        except IntegrityError:  # another scheduler created the lease this instant
            return False
        return True

    def release(self) -> None:
        """On a clean stop, let another scheduler take over at once."""
        if self.db.is_postgres:
            return
        with self.db.session() as session:
            lease = session.get(SchedulerLease, LEASE)
            if lease is not None and lease.holder == self.holder:
                lease.expires_at = self.clock.now()

    # --- dispatching --------------------------------------------------------------------

    def dispatch_due(self, limit: int = 100) -> int:
        """Handle due rows one transaction each; stops early when the engine is down."""
        sent = 0
        for _ in range(limit):
            if not self.holds_lease():  # renewed per row: a long batch never outlives it
                break
            outcome = self.dispatch_next()
            if outcome is None or outcome.status == "retry":
                break
            sent += outcome.status == "sent"
        return sent

    def dispatch_next(self) -> Outcome | None:
        """Take the most overdue waiting row (skipping rows another scheduler holds)."""
        now = self.clock.now()
        row_id: int | None = None
        try:
            with self.db.session() as session:
                query = (
                    select(Outreach)
                    .where(Outreach.status.in_(WAITING), Outreach.due_at <= now)
                    .order_by(Outreach.due_at, Outreach.id)
                    .limit(1)
                )
                if self.db.is_postgres:
                    query = query.with_for_update(skip_locked=True)
                row = session.scalar(query)
                if row is None:
                    return None
                row_id = row.id
                outcome = self._handle(session, row, now)
        except StaleDataError:  # another scheduler handled it first; nothing of ours stays
            log.info("outreach %s: handled elsewhere meanwhile, left as it is", row_id)
            return Outcome("skipped", "handled_elsewhere")
        except Exception as exc:  # one bad row must not stop everyone else's outreach
            if row_id is None:
                raise
            log.exception("outreach %d: failed, set aside", row_id)
            return self._set_aside(row_id, type(exc).__name__, now)
        log.info("outreach %d: %s %s", row_id, outcome.status, outcome.reason)
        return outcome

    def _set_aside(self, row_id: int, error: str, now: datetime) -> Outcome:
        """Retry a failing row later (10, 20, 30... minutes), dropping it after a few tries."""
        with self.db.session() as session:
            row = session.get(Outreach, row_id)
            if row is None or row.status not in WAITING:
                return Outcome("skipped", "handled_elsewhere")
            row.attempts += 1
            row.reason = f"error:{error}"[:60]
            if row.attempts >= MAX_ERRORS:
                row.status = OutreachStatus.DROPPED
                return Outcome("dropped", row.reason)
            row.due_at = now + ERROR_DELAY * row.attempts
        return Outcome("error", f"error:{error}")

    def _handle(self, session: Session, row: Outreach, now: datetime) -> Outcome:
        # On PostgreSQL, lock the person: two schedulers sending two of their rows at once
        # would each count today's texts before the other's commit and both pass the cap.
        participant = session.get_one(
            Participant, row.participant_id, with_for_update=self.db.is_postgres or None
        )
        zone = ZoneInfo(participant.timezone)
        gone = "expired" if now >= row.expires_at else self._no_longer_wanted(session, row, zone)
        if gone is not None:
            return _drop(row, gone)
        facts = gather(session, participant, now, zone, self.rules)
        verdict = decide(row.kind, now, row.expires_at, zone, facts, self.rules)
        if verdict.action == Action.DROP:
            return _drop(row, verdict.reason or "rules")
        if verdict.action == Action.HOLD:
            assert verdict.until is not None
            row.status, row.reason, row.due_at = OutreachStatus.HELD, verdict.reason, verdict.until
            return Outcome("held", verdict.reason)
        if row.kind == OutreachKind.PEER_REQUEST:
            return self._peer_request(session, row, participant, now)
        return self._send(session, row, participant, zone, now)

    def _no_longer_wanted(self, session: Session, row: Outreach, zone: ZoneInfo) -> str | None:
        """Things change after planning: an appointment moves, a person answers."""
        if row.appointment_id is not None:
            appointment = session.get_one(Appointment, row.appointment_id)
            if row.kind == OutreachKind.MISSED_APPOINTMENT:
                missed = appointment.status == AppointmentStatus.MISSED
                return None if missed else f"appointment_{appointment.status}"
            if appointment.status not in planner.NUDGEABLE:
                return f"appointment_{appointment.status}"
            lead = timedelta(minutes=row.lead_minutes or 0)
            if appointment.starts_at - lead != row.target_at:
                return "appointment_moved"
        if row.kind in (OutreachKind.REENGAGE, OutreachKind.PEER_REQUEST):
            answered = session.scalar(
                select(func.count())
                .select_from(Message)
                .where(
                    Message.participant_id == row.participant_id,
                    Message.direction == Direction.INBOUND,
                    Message.created_at > row.target_at,
                )
            )
            return "participant_replied" if answered else None
        if row.kind in (OutreachKind.CHECKIN, OutreachKind.MEDICATION_NUDGE):
            return self._schedule_changed(session, row, zone)
        return None

    def _schedule_changed(self, session: Session, row: Outreach, zone: ZoneInfo) -> str | None:
        routine = routine_of(session.get(OutreachSchedule, row.participant_id), self.settings)
        if row.kind == OutreachKind.MEDICATION_NUDGE:
            return None if routine.medication_every_days > 0 else "schedule_changed"
        weekday = row.target_at.astimezone(zone).weekday()
        return None if weekday in routine.checkin_days else "schedule_changed"

    def _peer_request(
        self, session: Session, row: Outreach, participant: Participant, now: datetime
    ) -> Outcome:
        """Still silent after the gentle text: a support-level case for a peer to follow up,
        through the one escalation path (paged, re-paged, shown live)."""
        signal = Signal(CaseLevel.SUPPORT, (SILENT_REASON,), "reengagement")
        outcome = self.escalator.escalate(
            session, participant=participant, phone=participant.phone, signal=signal, now=now
        )
        row.case_id = outcome.case_id
        return _sent(row, now)

    def _send(
        self,
        session: Session,
        row: Outreach,
        participant: Participant,
        zone: ZoneInfo,
        now: datetime,
    ) -> Outcome:
        try:
            replies = self.engine.trigger_intent(
                participant.public_id, INTENTS[row.kind], self._entities(session, row, zone)
            )
        except EngineUnavailable as exc:
            return self._retry_later(row, now, str(exc))
        texts = [reply for reply in replies if reply.text]
        if not texts:
            return _drop(row, "engine_silent")
        send_before = self._send_before(row, zone, now)
        first: Message | None = None
        for reply in texts:
            message = self._enqueue(session, participant, reply, now)
            message.send_before = send_before
            first = first or message
        assert first is not None
        row.message_id = first.id
        context = PayloadContext(session, participant, first.id, now, self.escalator, inbound=False)
        for reply in replies:
            if reply.custom:
                payloads.apply(context, reply.custom)
        if row.appointment_id is not None and row.kind == OutreachKind.APPOINTMENT_NUDGE:
            session.get_one(Appointment, row.appointment_id).nudged_at = now
        return _sent(row, now)

    def _send_before(self, row: Outreach, zone: ZoneInfo, now: datetime) -> datetime:
        """Delivery retries and pacing must not carry a nudge into quiet hours (or past the
        appointment): the outbox suppresses it after this moment."""
        quiet = quiet_starts_after(now, zone, self.rules.quiet)
        return min(quiet, row.expires_at) if quiet is not None else row.expires_at

    def _enqueue(
        self, session: Session, participant: Participant, reply: EngineReply, now: datetime
    ) -> Message:
        assert reply.text is not None
        return enqueue(
            session,
            phone=participant.phone,
            body=reply.text,
            kind=MessageKind.NUDGE,
            now=now,
            max_segments=self.settings.max_segments,
            participant_id=participant.id,
        )

    def _entities(self, session: Session, row: Outreach, zone: ZoneInfo) -> dict[str, str]:
        """The appointment's local time and what to call it. A reminder lands on a lock
        screen anyone may read, so it says "appointment" unless the program opted in to
        naming the kind (`OUTREACH_NAMED_TEMPLATES=appointment_nudge`)."""
        if row.kind != OutreachKind.APPOINTMENT_NUDGE or row.appointment_id is None:
            return {}
        appointment = session.get_one(Appointment, row.appointment_id)
        local = appointment.starts_at.astimezone(zone)
        named = "appointment_nudge" in self.settings.outreach_named_templates.split(",")
        kind = NAMED_KIND.get(appointment.kind, appointment.kind) if named else "appointment"
        return {"appointment_time": local.isoformat(), "appointment_kind": kind}

    def _retry_later(self, row: Outreach, now: datetime, why: str) -> Outcome:
        row.attempts += 1
        delay = timedelta(seconds=self.settings.outreach_retry_seconds * 2 ** (row.attempts - 1))
        row.due_at = now + min(delay, MAX_RETRY)
        row.reason = "engine_unavailable"
        log.warning("outreach %d: engine unavailable (%s), retry at %s", row.id, why, row.due_at)
        return Outcome("retry", "engine_unavailable")


def _sent(row: Outreach, now: datetime) -> Outcome:
    row.status, row.sent_at, row.reason = OutreachStatus.SENT, now, None
    return Outcome("sent")


def _drop(row: Outreach, reason: str) -> Outcome:
    row.status, row.reason = OutreachStatus.DROPPED, reason[:60]
    return Outcome("dropped", reason)
