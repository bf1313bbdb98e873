"""The weekly rota: who is on shift and who is on call at a moment, in the program's zone.

Pages go to who the rota says is on shift now (and anyone marked as covering outside it);
the on-call slot is paged for urgent and emergency cases when nobody is on shift. A slot
whose end is before its start runs past midnight into the next day, and the zone is the
program's, so daylight saving never moves a shift's wall-clock hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import RotaKind, RotaSlot, StaffRole, StaffUser
from records.settings import WEEKDAYS

PAGED_ROLES = (StaffRole.PEER, StaffRole.SUPERVISOR)


class RotaError(ValueError):
    """A slot could not be added (the message says why, in words an admin can act on)."""


def parse_clock(value: str) -> time:
    try:
        hours, minutes = value.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise RotaError(f"{value!r} is not a time like 08:00 or 22:30") from exc


@dataclass(frozen=True)
class Slot:
    """One weekly slot, read for arithmetic."""

    weekday: int
    starts: time
    ends: time

    @property
    def overnight(self) -> bool:
        return self.ends <= self.starts

    def covers(self, local: datetime) -> bool:
        """Does this slot cover this local moment (this week's slot, or last night's)?"""
        today, clock = local.weekday(), local.time()
        if not self.overnight:
            return self.weekday == today and self.starts <= clock < self.ends
        if self.weekday == today and clock >= self.starts:
            return True
        return (self.weekday + 1) % 7 == today and clock < self.ends


def slot_of(row: RotaSlot) -> Slot:
    return Slot(row.weekday, parse_clock(row.starts), parse_clock(row.ends))


def on_duty(session: Session, now: datetime, zone: ZoneInfo, kind: RotaKind) -> list[StaffUser]:
    """Active staff with a phone whose `kind` slot covers `now`; peers and supervisors only,
    and for shifts also anyone marked as covering outside the rota."""
    local = now.astimezone(zone)
    rows = session.execute(
        select(RotaSlot, StaffUser)
        .join(StaffUser, StaffUser.id == RotaSlot.staff_id)
        .where(
            RotaSlot.kind == kind,
            StaffUser.active.is_(True),
            StaffUser.role.in_(PAGED_ROLES),
        )
    ).all()
    found = {staff.id: staff for slot, staff in rows if slot_of(slot).covers(local)}
    if kind == RotaKind.SHIFT:
        for staff in session.scalars(
            select(StaffUser).where(
                StaffUser.on_shift.is_(True),
                StaffUser.active.is_(True),
                StaffUser.role.in_(PAGED_ROLES),
            )
        ):
            found.setdefault(staff.id, staff)
    return sorted(found.values(), key=lambda staff: staff.display_name)


def add_slot(
    session: Session, staff: StaffUser, day: str, starts: str, ends: str, kind: RotaKind
) -> RotaSlot:
    """Add a weekly slot: `day` is mon..sun, times are local HH:MM (ends < starts: overnight)."""
    name = day.strip().lower()[:3]
    if name not in WEEKDAYS:
        raise RotaError(f"unknown day {day!r}; use mon, tue, ... sun")
    start, end = parse_clock(starts), parse_clock(ends)
    if start == end:
        raise RotaError("a slot needs different start and end times")
    if staff.role not in PAGED_ROLES:
        raise RotaError("only peers and supervisors take shifts and on-call slots")
    slot = RotaSlot(
        staff_id=staff.id,
        weekday=WEEKDAYS.index(name),
        starts=f"{start:%H:%M}",
        ends=f"{end:%H:%M}",
        kind=kind,
    )
    session.add(slot)
    session.flush()
    return slot


def week(session: Session) -> list[tuple[RotaSlot, StaffUser]]:
    """Every slot with its person, Monday first, earliest first."""
    return list(
        session.execute(
            select(RotaSlot, StaffUser)
            .join(StaffUser, StaffUser.id == RotaSlot.staff_id)
            .order_by(RotaSlot.weekday, RotaSlot.starts, StaffUser.display_name)
        )
    )


def hours_of(slot: Slot) -> float:
    """How long a slot lasts, in hours (overnight slots run into the next day)."""
    start = timedelta(hours=slot.starts.hour, minutes=slot.starts.minute)
    end = timedelta(hours=slot.ends.hour, minutes=slot.ends.minute)
    if slot.overnight:
        end += timedelta(days=1)
    return (end - start).total_seconds() / 3600
