"""Who needs attention across the program, and why: the rules in one place.

Peers catch people before they drop out (two thirds of patients in primary-care
buprenorphine treatment leave within six months), so the list looks for the signs:
cravings rising, appointments or doses missed, use reported, silence, and a request for a
peer that nobody took. Each reason names the records behind it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.summaries.summary import MISSED_MEDICATION, NO_USE, RISE, Source
from escalation.escalate import Policy
from records.models import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseStatus,
    CheckIn,
    Participant,
    ParticipantStatus,
)

LOOKBACK = timedelta(days=14)
HIGH_CRAVING = 8


@dataclass(frozen=True)
class Reason:
    code: str  # cravings | missed_appointment | missed_doses | use | silence | untaken_request
    text: str
    sources: tuple[Source, ...] = ()


@dataclass
class Attention:
    participant: Participant
    reasons: list[Reason] = field(default_factory=list)


class _Found:
    """Reasons gathered per participant id; only the people on the list are loaded after."""

    def __init__(self, eligible: set[int]) -> None:
        self.eligible = eligible
        self.reasons: dict[int, list[Reason]] = {}

    def add(self, participant_id: int | None, reason: Reason) -> None:
        if participant_id is not None and participant_id in self.eligible:
            self.reasons.setdefault(participant_id, []).append(reason)


def needs_attention(
    session: Session,
    now: datetime,
    policy: Policy,
    silent_after: timedelta,
    peer_id: int | None = None,
) -> list[Attention]:
    """Everyone with at least one reason, most reasons first. Reads ids and a few columns
    (a program of 10,000 people is one quick pass), then loads only the people listed."""
    query = select(Participant.id).where(Participant.status != ParticipantStatus.DISCHARGED)
    if peer_id is not None:
        query = query.where(Participant.assigned_peer_id == peer_id)
    found = _Found(set(session.scalars(query)))
    since = now - LOOKBACK
    _from_checkins(session, since, found)
    _missed_appointments(session, since, now, found)
    _silence(session, now, silent_after, found)
    _untaken_requests(session, now, policy, found)
    people = session.scalars(select(Participant).where(Participant.id.in_(list(found.reasons))))
    listed = [Attention(p, found.reasons[p.id]) for p in people]
    return sorted(listed, key=lambda a: (-len(a.reasons), a.participant.alias))


def _sources(kind: str, ids: list[int]) -> tuple[Source, ...]:
    return tuple(Source(kind, i) for i in ids)


def _from_checkins(session: Session, since: datetime, found: _Found) -> None:
    rows = session.execute(
        select(CheckIn.participant_id, CheckIn.id, CheckIn.craving, CheckIn.use, CheckIn.medication)
        .where(CheckIn.created_at >= since)
        .order_by(CheckIn.created_at)
    )
    by_person: dict[int, list[Answer]] = defaultdict(list)
    for participant_id, checkin_id, craving, use, medication in rows:
        by_person[participant_id].append(Answer(checkin_id, craving, use, medication))
    for participant_id, answers in by_person.items():
        for reason in _checkin_reasons(answers):
            found.add(participant_id, reason)


@dataclass(frozen=True)
class Answer:
    """What the rules read of one check-in."""

    id: int
    craving: int | None
    use: str | None
    medication: str | None


def _checkin_reasons(checkins: list[Answer]) -> list[Reason]:
    reasons = []
    cravings = [c for c in checkins if c.craving is not None]
    if cravings:
        first, last = int(cravings[0].craving or 0), int(cravings[-1].craving or 0)
        if last - first >= RISE or last >= HIGH_CRAVING:
            text = f"cravings at {last}/10" + (f", up from {first}" if last > first else "")
            reasons.append(Reason("cravings", text, _sources("checkin", [c.id for c in cravings])))
    used = [c.id for c in checkins if c.use and c.use.strip().lower() not in NO_USE]
    if used:
        reasons.append(Reason("use", "use reported", _sources("checkin", used)))
    missed = [c.id for c in checkins if c.medication in MISSED_MEDICATION]
    if missed:
        reasons.append(Reason("missed_doses", "doses missed", _sources("checkin", missed)))
    return reasons


def _missed_appointments(session: Session, since: datetime, now: datetime, found: _Found) -> None:
    rows = session.execute(
        select(Appointment.participant_id, Appointment.id).where(
            Appointment.status == AppointmentStatus.MISSED,
            Appointment.starts_at >= since,
            Appointment.starts_at < now,
        )
    )
    by_person: dict[int, list[int]] = defaultdict(list)
    for participant_id, appointment_id in rows:
        by_person[participant_id].append(appointment_id)
    for participant_id, missed in by_person.items():
        text = f"missed {len(missed)} appointment{'s' if len(missed) > 1 else ''}"
        reason = Reason("missed_appointment", text, _sources("appointment", missed))
        found.add(participant_id, reason)


def _silence(session: Session, now: datetime, silent_after: timedelta, found: _Found) -> None:
    last = func.coalesce(Participant.last_inbound_at, Participant.created_at)
    rows = session.execute(
        select(Participant.id, last).where(
            Participant.status == ParticipantStatus.ACTIVE, last <= now - silent_after
        )
    )
    for participant_id, since in rows:
        days = (now - since).days
        found.add(participant_id, Reason("silence", f"silent {days} days"))


def _untaken_requests(session: Session, now: datetime, policy: Policy, found: _Found) -> None:
    waiting = session.scalars(
        select(Case).where(Case.status == CaseStatus.OPEN, Case.participant_id.is_not(None))
    )
    for case in waiting:
        if now - case.opened_at < policy.repage_after(case.level):
            continue
        minutes = int((now - case.opened_at).total_seconds() // 60)
        text = f"{case.level} request waiting {minutes} min, nobody took it"
        found.add(case.participant_id, Reason("untaken_request", text, _sources("case", [case.id])))
