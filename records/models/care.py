"""What a participant tells us and what is booked for them: check-ins and appointments."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from records.models.base import Base, utcnow


class CheckIn(Base):
    """A routine check-in, complete or partial, as the participant answered it."""

    __tablename__ = "check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    mood: Mapped[int | None] = mapped_column(comment="1-5")
    craving: Mapped[int | None] = mapped_column(comment="0-10")
    use: Mapped[str | None] = mapped_column(String(200), comment="use since the last check-in")
    medication: Mapped[str | None] = mapped_column(String(200))
    barriers: Mapped[list[str]] = mapped_column(JSON, default=list)
    wants_peer: Mapped[bool | None]
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    engine_key: Mapped[str | None] = mapped_column(
        String(40), index=True, comment="the engine's name for this check-in: answers update it"
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AppointmentKind(StrEnum):
    INTAKE = "intake"
    PRESCRIBER_VISIT = "prescriber visit"
    DOSING = "dosing"
    COUNSELLING = "counselling"
    GROUP = "group"


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    CANT_MAKE_IT = "cant_make_it"
    RESCHEDULE_REQUESTED = "reschedule_requested"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    MISSED = "missed"


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    starts_at: Mapped[datetime]
    kind: Mapped[AppointmentKind] = mapped_column(String(30))
    location: Mapped[str] = mapped_column(
        String(80), default="", comment="a label safe to text, e.g. 'the Main St office'"
    )
    status: Mapped[AppointmentStatus] = mapped_column(
        String(30), default=AppointmentStatus.SCHEDULED
    )
    answer_reason: Mapped[str | None] = mapped_column(String(300))
    answered_at: Mapped[datetime | None]
    requested_for: Mapped[date | None] = mapped_column(
        comment="the day (or first day of the week) the person asked to move or cancel"
    )
    requested_change: Mapped[str | None] = mapped_column(
        String(80), comment="the change asked for, as the peer reads it"
    )
    nudged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
