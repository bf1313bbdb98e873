"""The safety lane: every stored inbound text is screened at arrival, apart from the
conversation, and a risky one reaches a human at once.

The webhook stores a text and wakes this lane. The lane screens every unscreened text with
the engine-free layers (the lexicon, what the bot just asked, the learned layer), from any
sender: enrolled, opted out or unknown. A text that needs a human is escalated in its own
transaction (`Escalator.escalate`): case, safety reply, pages, live update. Nothing here
waits for the Rasa engine, for the same person's earlier turns, for other people's turns or
for routine outbound texts; the conversation lane only starts a turn once its text has been
screened, so the case is open before the bot could answer.

Afterwards the engine's NLU may give a second opinion within a small time budget, on its own
threads: it can raise a case, never lower or delay one.

Screening is claimed per text with a compare-and-set on `screened_at` (and SKIP LOCKED on
PostgreSQL), so any number of app processes screen each text exactly once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from escalation import triage
from escalation.escalate import Escalator, Signal
from escalation.late_engine import LateEngine
from escalation.screen import Decision, Level, ScreenContext
from messaging import compliance
from messaging.inbox import record_engagement
from messaging.outbox import is_opted_out
from records.clock import Clock
from records.db import Database
from records.models import Direction, Message, Participant

log = logging.getLogger(__name__)

NOT_RISKY = Decision(Level.NONE, ())
BATCH = 64
SECOND_OPINION_BACKLOG = 32  # beyond this many waiting, the engine is skipped: never a queue


@dataclass(frozen=True)
class Arrival:
    """An unscreened inbound text and what the screen needs to read it."""

    id: int
    phone: str
    participant_id: int | None
    body: str
    last_question: str | None
    arrived_at: datetime


class SafetyLane:
    def __init__(
        self,
        db: Database,
        escalator: Escalator,
        clock: Clock,
        engine_nlu: triage.EngineNlu | None = None,
        max_chars: int = 1600,
        engine_budget: float = 2.0,
    ) -> None:
        self.db = db
        self.escalator = escalator
        self.clock = clock
        self.max_chars = max_chars
        self._nlu = engine_nlu
        self.late_engine = LateEngine(engine_budget)  # a saturated engine is not asked
        self._opinions = ThreadPoolExecutor(max_workers=2, thread_name_prefix="second-opinion")
        self._waiting = threading.BoundedSemaphore(SECOND_OPINION_BACKLOG)
        self.on_screened: Callable[[], None] = lambda: None  # wakes the conversation lane
        self._failures: dict[int, int] = {}  # text id -> failed settles (retried each step)
        self._asking = 0  # second opinions submitted and not yet finished
        self._asking_lock = threading.Lock()

    @property
    def opinions_pending(self) -> int:
        """Engine second opinions still to come (a test waits for them to settle)."""
        with self._asking_lock:
            return self._asking

    def _count_asking(self, change: int) -> None:
        with self._asking_lock:
            self._asking += change

    def warm(self) -> None:
        """Load the learned layer's encoder now, so the first crisis text does not wait ~1 s
        for it; a failure here only logs (the layer abstains and the lexicon decides)."""
        triage.decide("warming up the screen")

    def close(self) -> None:
        self._opinions.shutdown(wait=False, cancel_futures=True)

    # --- the loop's step -----------------------------------------------------------------

    def step(self) -> int:
        """Screen what has arrived; returns how many texts were screened."""
        arrivals = self._unscreened()
        if not arrivals:
            return 0
        now = self.clock.now()
        decided = [(a, self._decide(a, now)) for a in arrivals]
        decided.sort(key=lambda pair: -pair[1].level)  # the riskiest first
        quiet: list[int] = []
        for arrival, decision in decided:
            if decision.level == Level.NONE:
                quiet.append(arrival.id)
            else:
                self._settle(arrival, decision, now)
        self._mark_quiet(quiet, now)
        try:  # asked before the turns wake: a turn reuses the engine's reading of its text
            for arrival, decision in decided:  # (bot/parses.py)
                if decision.level < Level.EMERGENCY:
                    self._ask_engine(arrival, decision)
        finally:
            self.on_screened()
        self._engagement(arrivals)
        return len(arrivals)

    def _unscreened(self) -> list[Arrival]:
        query = (
            select(
                Message.id,
                Message.phone,
                Message.participant_id,
                Message.body,
                Participant.awaiting_answer,
                Participant.awaiting_since,
                Message.created_at,
            )
            .outerjoin(Participant, Participant.id == Message.participant_id)
            .where(Message.direction == Direction.INBOUND, Message.screened_at.is_(None))
            .order_by(Message.id)
            .limit(BATCH)
        )
        now = self.clock.now()
        with self.db.session() as session:
            rows = session.execute(query).all()
        return [
            Arrival(
                r.id,
                r.phone,
                r.participant_id,
                r.body or "",
                triage.awaiting(r[4], r[5], now),
                r.created_at,
            )
            for r in rows
        ]

    def _decide(self, arrival: Arrival, now: datetime) -> Decision:
        if compliance.keyword(arrival.body, opted_out=True) is not None:
            return NOT_RISKY  # STOP, START, HELP: carrier words, answered by the rules
        text = arrival.body[: self.max_chars]
        context = ScreenContext(last_question=arrival.last_question)
        return triage.decide(text, context)

    # --- settling one text ---------------------------------------------------------------

    def _settle(self, arrival: Arrival, decision: Decision, now: datetime) -> None:
        """Record the screen's reading and escalate, in one transaction. A clash with another
        lane opening the same person's case is retried at once; any other failure is
        retried on later steps, without holding up anyone else's text."""
        for attempt in (1, 2):
            try:
                self._escalate(arrival, decision, now, source="screen")
                self._failures.pop(arrival.id, None)
                return
            except (IntegrityError, OperationalError):
                if attempt == 1:
                    continue
                self._failed(arrival.id)
            except Exception:
                self._failed(arrival.id)
                return

    def _failed(self, message_id: int) -> None:
        count = self._failures.get(message_id, 0) + 1
        self._failures[message_id] = count
        log.exception(
            "screen: text %d not settled (try %d); tried again shortly", message_id, count
        )

    def _escalate(self, arrival: Arrival, decision: Decision, now: datetime, source: str) -> None:
        with self.db.session() as session:
            query = select(Message).where(Message.id == arrival.id)
            if self.db.is_postgres:
                # The screen skips a text another process is settling; the engine's opinion
                # waits for the lock instead (a turn may hold it for one engine call), so
                # a raise is never lost.
                query = query.with_for_update(skip_locked=source == "screen")
            message = session.scalar(query)
            if message is None:
                return  # another process holds it right now, and will settle it
            if message.screened_at is None:
                message.screened_at = now
            elif source == "screen" or _level(message.risk_level) >= decision.level:
                return  # screened elsewhere meanwhile, or already read at this level
            message.risk_level = decision.level.name.lower()
            participant = (
                session.get(Participant, arrival.participant_id)
                if arrival.participant_id is not None
                else None
            )
            level = triage.CASE_LEVEL.get(decision.level)
            if level is None or not _may_open(session, participant, arrival.phone, decision):
                return
            reasons = tuple(reason.code for reason in decision.reasons)
            signal = Signal(level, reasons, source, message_id=message.id)
            self.escalator.escalate(
                session, participant=participant, phone=arrival.phone, signal=signal, now=now
            )

    def _mark_quiet(self, ids: list[int], now: datetime) -> None:
        if not ids:
            return
        with self.db.session() as session:
            session.execute(
                update(Message)
                .where(Message.id.in_(ids), Message.screened_at.is_(None))
                .values(screened_at=now, risk_level=None)
                .execution_options(synchronize_session=False)
            )

    def _engagement(self, arrivals: list[Arrival]) -> None:
        """When each person last texted, for the coordinators; after the screen, never in
        its way. Derived data: a failure here is logged, and the next text records it."""
        by_time: dict[datetime, set[int]] = {}
        for a in arrivals:
            if a.participant_id is not None:
                by_time.setdefault(a.arrived_at, set()).add(a.participant_id)
        if not by_time:
            return
        try:
            with self.db.session() as session:
                for at, people in sorted(by_time.items()):
                    record_engagement(session, sorted(people), at)
        except Exception as exc:
            log.warning("screen: engagement not recorded (%s)", type(exc).__name__)

    # --- the engine's second opinion -----------------------------------------------------

    def _ask_engine(self, arrival: Arrival, decision: Decision) -> None:
        if self._nlu is None or not arrival.body.strip() or not self.late_engine.may_ask():
            return
        if not self._waiting.acquire(blocking=False):
            log.warning("screen: engine second opinion skipped for text %d (backlog)", arrival.id)
            return
        self._count_asking(+1)
        try:
            self._opinions.submit(self._second_opinion, arrival, decision)
        except RuntimeError:  # shut down
            self._count_asking(-1)
            self._waiting.release()

    def _second_opinion(self, arrival: Arrival, decision: Decision) -> None:
        try:
            assert self._nlu is not None
            if not self.late_engine.may_ask():  # it went late while this ask waited its turn
                return
            text = arrival.body[: self.max_chars]
            asked = time.monotonic()
            nlu = self._nlu(text)
            self.late_engine.answered(time.monotonic() - asked, refused=nlu is None)
            if nlu is None:
                return
            context = ScreenContext(arrival.last_question, nlu[0], nlu[1])
            raised = triage.decide(text, context)
            if raised.level > decision.level and raised.escalate:
                self._escalate(arrival, raised, self.clock.now(), source="engine")
        except Exception:
            log.exception("screen: engine second opinion failed for text %d", arrival.id)
        finally:
            self._count_asking(-1)
            self._waiting.release()


def _level(name: str | None) -> Level:
    return Level[(name or "none").upper()]


def _may_open(
    session: Session, participant: Participant | None, phone: str, decision: Decision
) -> bool:
    """Anyone in crisis gets a human, opted out or not enrolled; a support-level signal is
    for an enrolled person who still takes texts."""
    if decision.escalate:
        return True
    return participant is not None and not is_opted_out(session, phone)
