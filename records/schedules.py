"""Writing a participant's outreach routine and appointments: the one place they are checked.

Times staff type are the participant's local wall-clock times; they are stored in UTC and
shown back in the participant's zone, so daylight saving never moves an appointment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    OutreachSchedule,
    Participant,
)
from records.settings import SPAN, WEEKDAYS, Settings


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class LocalSpan:
    """A span of local clock time, e.g. 21:00-08:00 (may cross midnight; start == end: none)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start < self.end:
            return self.start <= moment < self.end
        if self.start > self.end:
            return moment >= self.start or moment < self.end
        return False

    def minutes(self) -> int:
        """Length in minutes (check-ins are spread across a sending window)."""
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return (end - start) % (24 * 60)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Routine:
    """A participant's effective routine: their own schedule, or the program default."""

    checkin_days: frozenset[int]  # 0 = Monday
    window: LocalSpan
    medication_every_days: int
    medication_from: date | None


@lru_cache(maxsize=256)
def parse_days(text: str) -> frozenset[int]:
    """'mon,thu' -> {0, 3}; '' -> no check-in days."""
    days = [d.strip().lower()[:3] for d in text.split(",") if d.strip()]
    unknown = [d for d in days if d not in WEEKDAYS]
    if unknown:
        raise ScheduleError(f"unknown day(s) {', '.join(unknown)}: use mon,tue,wed,thu,fri,sat,sun")
    return frozenset(WEEKDAYS.index(d) for d in days)


@lru_cache(maxsize=256)
def parse_window(text: str) -> LocalSpan:
    """'10:00-12:00' -> LocalSpan(10:00, 12:00)."""
    if not SPAN.fullmatch(text.strip()):
        raise ScheduleError(f"{text!r} is not a time span like 10:00-12:00")
    start, end = text.strip().split("-")
    return LocalSpan(time.fromisoformat(start), time.fromisoformat(end))


def routine_of(schedule: OutreachSchedule | None, settings: Settings) -> Routine:
    days = schedule.checkin_days if schedule else settings.outreach_checkin_days
    window = schedule.send_window if schedule else settings.outreach_window
    every = schedule.medication_every_days if schedule else None
    return Routine(
        checkin_days=parse_days(days),
        window=parse_window(window),
        medication_every_days=settings.medication_every_days if every is None else every,
        medication_from=schedule.medication_from if schedule else None,
    )


def set_schedule(
    session: Session,
    participant: Participant,
    settings: Settings,
    *,
    checkin_days: str | None = None,
    window: str | None = None,
    medication_every_days: int | None = None,
    medication_from: date | None = None,
) -> OutreachSchedule:
    """Create or change a participant's own routine; unspecified parts keep their value."""
    schedule = session.get(OutreachSchedule, participant.id)
    if schedule is None:
        schedule = OutreachSchedule(
            participant_id=participant.id,
            checkin_days=settings.outreach_checkin_days,
            send_window=settings.outreach_window,
        )
        session.add(schedule)
    if checkin_days is not None:
        days = parse_days(checkin_days)
        schedule.checkin_days = ",".join(WEEKDAYS[d] for d in sorted(days))
    if window is not None:
        span = parse_window(window)
        if span.start >= span.end:
            raise ScheduleError("the sending window must start and end on the same day")
        schedule.send_window = str(span)
    if medication_every_days is not None:
        if not 0 <= medication_every_days <= 90:
            raise ScheduleError("refill reminders: every 0 (off) to 90 days")
        schedule.medication_every_days = medication_every_days
    if medication_from is not None:
        schedule.medication_from = medication_from
    session.flush()
    return schedule


KINDS = {k.value.replace(" ", "_"): k for k in AppointmentKind} | {
    k.value: k for k in AppointmentKind
}
LOCATION_OK = re.compile(r"[\w .,'#&()/-]*")


def parse_day(text: str) -> date:
    """'2026-12-01' -> a date, or a clear ScheduleError."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ScheduleError(f"{text!r} is not a day like 2026-12-01") from exc


def parse_local(when: str, zone: str) -> datetime:
    """'2026-12-01 14:30' in the participant's zone -> aware UTC."""
    try:
        naive = datetime.fromisoformat(when.strip())
    except ValueError as exc:
        raise ScheduleError(f"{when!r} is not a date and time like 2026-12-01 14:30") from exc
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def add_appointment(
    session: Session,
    participant: Participant,
    *,
    starts_at: datetime,
    kind: str,
    location: str = "",
    now: datetime,
) -> Appointment:
    """Book an appointment; the location is a label safe to text ('the Main St office')."""
    found = KINDS.get(kind.strip().lower())
    if found is None:
        raise ScheduleError(f"unknown kind {kind!r}: one of {', '.join(sorted(KINDS))}")
    if starts_at <= now:
        raise ScheduleError("the appointment must be in the future")
    location = location.strip()
    if len(location) > 80 or not LOCATION_OK.fullmatch(location):
        raise ScheduleError("location: up to 80 plain characters, e.g. 'the Main St office'")
    appointment = Appointment(
        participant_id=participant.id,
        starts_at=starts_at,
        kind=found,
        location=location,
        created_at=now,
    )
    session.add(appointment)
    session.flush()
    return appointment


MARKABLE = {
    s.value: s
    for s in (AppointmentStatus.ATTENDED, AppointmentStatus.MISSED, AppointmentStatus.CANCELLED)
}


def mark_appointment(session: Session, appointment_id: int, status: str) -> Appointment:
    """Record what happened: attended, missed (starts the kind follow-up) or cancelled."""
    found = MARKABLE.get(status.strip().lower())
    if found is None:
        raise ScheduleError(f"mark as one of {', '.join(MARKABLE)}")
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise ScheduleError(f"no appointment {appointment_id}")
    appointment.status = found
    return appointment


def appointments_of(session: Session, participant: Participant) -> list[Appointment]:
    return list(
        session.scalars(
            select(Appointment)
            .where(Appointment.participant_id == participant.id)
            .order_by(Appointment.starts_at)
        )
    )
