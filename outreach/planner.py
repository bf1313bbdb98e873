"""Planning outreach: what each participant is owed over the next hours, as durable rows.

The planner reads a few things in bulk (participants, schedules, appointments, the last text
each person sent), works out in memory what is owed, and inserts it with ON CONFLICT DO
NOTHING on the idempotency key (participant, kind, target time). So planning is safe to run
as often as we like, from any number of processes, across restarts: an outreach row exists
at most once, and the dispatcher (outreach/scheduler.py) sends each row at most once.

What is owed, in the participant's own time zone (zoneinfo, so daylight saving is handled):
- a check-in on each check-in day, at the person's fixed minute inside their window;
- a refill reminder every N days (per participant; off by default);
- appointment nudges N hours before the start (default 24 and 2), never for a moment
  before the appointment was booked;
- a kind follow-up after an appointment marked missed;
- re-engagement: silent for N days, or N check-ins unanswered, gets one gentle text per
  silence; still silent after that, a support-level peer request.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from records.models import (
    Appointment,
    AppointmentStatus,
    Direction,
    Message,
    OptOut,
    Outreach,
    OutreachKind,
    OutreachSchedule,
    OutreachStatus,
    Participant,
    ParticipantStatus,
    UTCDateTime,
)
from records.schedules import Routine, routine_of
from records.settings import Settings

log = logging.getLogger(__name__)

HORIZON = timedelta(hours=36)  # how far ahead each planning pass looks
LOOKBACK = timedelta(hours=6)  # targets this recent are still planned (a late or restarted pass)
CHECKIN_TTL = timedelta(hours=12)  # a check-in that can't go out the same day is dropped
MEDICATION_TTL = timedelta(hours=36)
FOLLOWUP_TTL = timedelta(days=3)
PEER_REQUEST_TTL = timedelta(days=14)
MISSED_LOOKBACK = timedelta(days=7)
BATCH = 2000
NUDGEABLE = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED)


@dataclass(frozen=True)
class Program:
    """The program-wide outreach knobs (from Settings)."""

    leads: tuple[timedelta, ...]
    missed_after: timedelta
    reengage_after: timedelta
    reengage_after_checkins: int
    reengage_peer_after: timedelta

    @property
    def longest_lead(self) -> timedelta:
        return max(self.leads, default=timedelta(0))


def program_from(settings: Settings) -> Program:
    hours = [float(h) for h in settings.appointment_nudge_hours.split(",") if h.strip()]
    return Program(
        leads=tuple(timedelta(hours=h) for h in sorted(set(hours), reverse=True)),
        missed_after=timedelta(hours=settings.missed_followup_hours),
        reengage_after=timedelta(days=settings.reengage_after_days),
        reengage_after_checkins=settings.reengage_after_checkins,
        reengage_peer_after=timedelta(days=settings.reengage_peer_after_days),
    )


@dataclass(frozen=True)
class Booking:
    id: int
    starts_at: datetime
    status: AppointmentStatus
    created_at: datetime


@dataclass
class Person:
    """What the planner knows about one participant."""

    id: int
    public_id: str
    zone: ZoneInfo
    since: datetime  # consent: nothing is owed for a moment before it
    routine: Routine
    last_inbound: datetime | None = None
    checkins_sent: list[datetime] = field(default_factory=list)  # recent, sent
    reengaged: dict[datetime, datetime] = field(default_factory=dict)  # silence -> sent_at
    bookings: list[Booking] = field(default_factory=list)

    @property
    def silent_since(self) -> datetime:
        """The start of the current silence: the last text from them, or consent."""
        return max(self.last_inbound or self.since, self.since)


@dataclass(frozen=True)
class Owed:
    """One outreach a participant is owed; (participant_id, kind, target_at) is its key."""

    participant_id: int
    kind: OutreachKind
    target_at: datetime
    due_at: datetime
    expires_at: datetime
    appointment_id: int | None = None
    lead_minutes: int | None = None


# --- where in the day -------------------------------------------------------------------


def slot(person: Person, day: date) -> datetime:
    """The person's sending moment on a local day: a fixed minute inside their window, so a
    program's check-ins don't all leave at 10:00 sharp, and each person's stay regular."""
    window = person.routine.window
    offset = zlib.crc32(person.public_id.encode()) % max(window.minutes(), 1)
    return _wall_clock(person.zone, day, window.start, offset)


@lru_cache(maxsize=65536)
def _wall_clock(zone: ZoneInfo, day: date, start: time, offset_minutes: int) -> datetime:
    """A local wall-clock moment as UTC. Cached: a program's people share a few zones,
    windows and minutes, and this is most of a planning pass's arithmetic."""
    local = datetime.combine(day, start) + timedelta(minutes=offset_minutes)
    return local.replace(tzinfo=zone).astimezone(UTC)


def next_slot(person: Person, moment: datetime) -> datetime:
    """The person's first sending moment at or after `moment`."""
    day = moment.astimezone(person.zone).date()
    for ahead in range(3):
        candidate = slot(person, day + timedelta(days=ahead))
        if candidate >= moment:
            return candidate
    return moment  # unreachable for a window inside one day; sending then is still polite


def _local_days(person: Person, start: datetime, end: datetime) -> Iterable[date]:
    day, last = start.astimezone(person.zone).date(), end.astimezone(person.zone).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- what is owed -------------------------------------------------------------------------


def owed(person: Person, program: Program, now: datetime, until: datetime) -> list[Owed]:
    """Everything owed to one person with a target in [now - LOOKBACK, until)."""
    start = max(now - LOOKBACK, person.since)
    return [
        *_checkins(person, start, until),
        *_medication(person, start, until),
        *_appointment_nudges(person, program, start, until),
        *_missed_followups(person, program, until),
        *_reengagement(person, program, now, until),
    ]


def _checkins(person: Person, start: datetime, until: datetime) -> Iterable[Owed]:
    for day in _local_days(person, start, until):
        if day.weekday() in person.routine.checkin_days:
            at = slot(person, day)
            if start <= at < until:
                yield Owed(person.id, OutreachKind.CHECKIN, at, at, at + CHECKIN_TTL)


def _medication(person: Person, start: datetime, until: datetime) -> Iterable[Owed]:
    every = person.routine.medication_every_days
    if every <= 0:
        return
    first = person.routine.medication_from or person.since.astimezone(person.zone).date()
    for day in _local_days(person, start, until):
        if day >= first and (day - first).days % every == 0:
            at = slot(person, day)
            if start <= at < until:
                yield Owed(person.id, OutreachKind.MEDICATION_NUDGE, at, at, at + MEDICATION_TTL)


def _appointment_nudges(
    person: Person, program: Program, start: datetime, until: datetime
) -> Iterable[Owed]:
    for booking in person.bookings:
        if booking.status not in NUDGEABLE:
            continue
        for lead in program.leads:
            at = booking.starts_at - lead
            if max(start, booking.created_at) <= at < until:
                yield Owed(
                    person.id,
                    OutreachKind.APPOINTMENT_NUDGE,
                    at,
                    at,
                    booking.starts_at,
                    appointment_id=booking.id,
                    lead_minutes=int(lead.total_seconds() // 60),
                )


def _missed_followups(person: Person, program: Program, until: datetime) -> Iterable[Owed]:
    for booking in person.bookings:
        at = booking.starts_at + program.missed_after
        if booking.status == AppointmentStatus.MISSED and person.since <= at < until:
            yield Owed(
                person.id,
                OutreachKind.MISSED_APPOINTMENT,
                at,
                at,
                at + FOLLOWUP_TTL,
                appointment_id=booking.id,
            )


def _reengagement(
    person: Person, program: Program, now: datetime, until: datetime
) -> Iterable[Owed]:
    """One gentle text per silence (keyed on when the silence began), then a peer request."""
    silence = person.silent_since
    sent_at = person.reengaged.get(silence)
    if sent_at is not None:
        ask_peer = sent_at + program.reengage_peer_after
        if ask_peer < until:
            yield Owed(
                person.id, OutreachKind.PEER_REQUEST, silence, ask_peer, ask_peer + PEER_REQUEST_TTL
            )
        return
    trigger = silence + program.reengage_after
    unanswered = sorted(at for at in person.checkins_sent if at > silence)
    if len(unanswered) >= program.reengage_after_checkins:
        trigger = min(trigger, unanswered[program.reengage_after_checkins - 1])
    if trigger < until:
        due = next_slot(person, max(trigger, now))
        yield Owed(person.id, OutreachKind.REENGAGE, silence, due, due + FOLLOWUP_TTL)


# --- reading in bulk ----------------------------------------------------------------------


def load_people(
    session: Session,
    settings: Settings,
    program: Program,
    now: datetime,
    participant_ids: Sequence[int] | None = None,
) -> list[Person]:
    """Everyone outreach may be planned for, with what the planner needs, in a few queries.

    Discharged, un-consented and opted-out people are not planned for at all; paused people
    are (their outreach is held and, if the pause outlasts it, dropped with a reason)."""
    query = (
        select(
            Participant.id, Participant.public_id, Participant.timezone, Participant.consented_at
        )
        .outerjoin(OptOut, OptOut.phone == Participant.phone)
        .where(
            Participant.status != ParticipantStatus.DISCHARGED,
            Participant.consented_at.is_not(None),
            OptOut.phone.is_(None),
        )
    )
    if participant_ids is not None:
        query = query.where(Participant.id.in_(participant_ids))
    schedules = _schedules(session, participant_ids)
    zones: dict[str, ZoneInfo] = {}
    default = routine_of(None, settings)
    people: dict[int, Person] = {}
    for pid, public_id, zone, consented_at in session.execute(query):
        assert consented_at is not None  # filtered in the query
        try:
            if zone not in zones:
                zones[zone] = ZoneInfo(zone)
            routine = routine_of(schedules[pid], settings) if pid in schedules else default
        except (KeyError, ValueError):  # a broken zone or routine: skip them, not everyone
            log.warning("outreach: participant %d has an unusable zone or routine", pid)
            continue
        people[pid] = Person(pid, public_id, zones[zone], consented_at, routine)
    _add_activity(session, people, program, now)
    _add_bookings(session, people, program, now)
    return list(people.values())


def _schedules(
    session: Session, participant_ids: Sequence[int] | None
) -> dict[int, OutreachSchedule]:
    """Participants' own routines (everyone else follows the program default)."""
    query = select(OutreachSchedule)
    if participant_ids is not None:
        query = query.where(OutreachSchedule.participant_id.in_(participant_ids))
    return {s.participant_id: s for s in session.scalars(query)}


def _add_activity(
    session: Session, people: dict[int, Person], program: Program, now: datetime
) -> None:
    last_inbound = (
        select(Message.participant_id, func.max(Message.created_at))
        .where(Message.direction == Direction.INBOUND, Message.participant_id.is_not(None))
        .group_by(Message.participant_id)
    )
    for pid, at in session.execute(last_inbound):
        if pid in people:
            people[pid].last_inbound = at
    recent = now - program.reengage_after - program.reengage_peer_after - timedelta(days=30)
    sent = select(
        Outreach.participant_id, Outreach.kind, Outreach.target_at, Outreach.sent_at
    ).where(
        Outreach.status == OutreachStatus.SENT,
        Outreach.kind.in_((OutreachKind.CHECKIN, OutreachKind.REENGAGE)),
        Outreach.sent_at >= recent,
    )
    for pid, kind, target_at, sent_at in session.execute(sent):
        person = people.get(pid)
        if person is None or sent_at is None:
            continue
        if kind == OutreachKind.CHECKIN:
            person.checkins_sent.append(sent_at)
        else:
            person.reengaged[target_at] = sent_at


def _add_bookings(
    session: Session, people: dict[int, Person], program: Program, now: datetime
) -> None:
    upcoming = (
        (Appointment.starts_at > now)
        & (Appointment.starts_at <= now + HORIZON + program.longest_lead)
        & Appointment.status.in_(NUDGEABLE)
    )
    missed = (Appointment.status == AppointmentStatus.MISSED) & (
        Appointment.starts_at >= now - MISSED_LOOKBACK
    )
    rows = select(
        Appointment.participant_id,
        Appointment.id,
        Appointment.starts_at,
        Appointment.status,
        Appointment.created_at,
    ).where(upcoming | missed)
    for pid, aid, starts_at, status, created_at in session.execute(rows):
        if pid in people:
            people[pid].bookings.append(Booking(aid, starts_at, status, created_at))


# --- writing --------------------------------------------------------------------------------


def plan(session: Session, settings: Settings, now: datetime, horizon: timedelta = HORIZON) -> int:
    """Make sure every outreach owed in the horizon has its row; returns how many were new."""
    program = program_from(settings)
    known = planned_keys(session, now)
    rows = [
        _row(item, now)
        for person in load_people(session, settings, program, now)
        for item in owed(person, program, now, now + horizon)
        if (item.participant_id, item.kind, item.target_at) not in known
    ]
    return insert_new(session, rows)


def planned_keys(session: Session, now: datetime) -> set[tuple[int, str, datetime]]:
    """Keys already planned that this pass could produce again: re-planning then only reads.

    (A key missed here is still safe: the insert skips it on conflict.)"""
    recent = Outreach.target_at >= now - LOOKBACK - timedelta(hours=1)
    silence = Outreach.kind.in_((OutreachKind.REENGAGE, OutreachKind.PEER_REQUEST)) & (
        Outreach.created_at >= now - timedelta(days=60)
    )
    query = select(Outreach.participant_id, Outreach.kind, Outreach.target_at).where(
        recent | silence
    )
    return {(pid, OutreachKind(kind), at) for pid, kind, at in session.execute(query)}


def _row(item: Owed, now: datetime) -> dict[str, Any]:
    return {
        "participant_id": item.participant_id,
        "kind": item.kind.value,
        "target_at": item.target_at,
        "due_at": item.due_at,
        "expires_at": item.expires_at,
        "appointment_id": item.appointment_id,
        "lead_minutes": item.lead_minutes,
        "status": OutreachStatus.PLANNED.value,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


COLUMNS = (
    "participant_id",
    "kind",
    "target_at",
    "due_at",
    "expires_at",
    "appointment_id",
    "lead_minutes",
    "status",
    "attempts",
    "created_at",
    "updated_at",
)
# One plain statement both databases speak. Executed as a batch it is the fastest path
# (psycopg pipelines it), and its rowcount is exact on both, unlike RETURNING batches.
INSERT_NEW = text(
    f"INSERT INTO outreach ({', '.join(COLUMNS)}) VALUES ({', '.join(':' + c for c in COLUMNS)})"
    " ON CONFLICT (participant_id, kind, target_at) DO NOTHING"
).bindparams(
    *(bindparam(c, type_=UTCDateTime()) for c in COLUMNS if c.endswith("_at")),
)


def insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert rows whose key is new; existing keys are left exactly as they are."""
    full = [{column: row.get(column) for column in COLUMNS} for row in rows]
    added = 0
    for start in range(0, len(full), BATCH):
        result = session.execute(INSERT_NEW, full[start : start + BATCH])
        added += max(result.rowcount, 0)  # type: ignore[attr-defined]
    return added
