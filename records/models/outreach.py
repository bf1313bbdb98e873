"""Outreach the app owes participants: routines, one row per owed text, the lease."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from records.models.base import Base, utcnow


class OutreachSchedule(Base):
    """A participant's own routine: check-in days, a sending window (local time), refills.

    No row means the program default (Settings: outreach_checkin_days, outreach_window).
    """

    __tablename__ = "outreach_schedules"

    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), primary_key=True)
    checkin_days: Mapped[str] = mapped_column(String(30), comment="e.g. 'mon,thu'; '' = none")
    send_window: Mapped[str] = mapped_column(String(11), comment="local 'HH:MM-HH:MM'")
    medication_every_days: Mapped[int | None] = mapped_column(comment="refill reminder cadence")
    medication_from: Mapped[date | None] = mapped_column(comment="first local reminder day")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutreachKind(StrEnum):
    CHECKIN = "checkin"
    APPOINTMENT_NUDGE = "appointment_nudge"
    MISSED_APPOINTMENT = "missed_appointment"
    MEDICATION_NUDGE = "medication_nudge"
    REENGAGE = "reengage"
    PEER_REQUEST = "peer_request"  # still silent after re-engagement: a case, not a text


class OutreachStatus(StrEnum):
    PLANNED = "planned"  # waiting for due_at
    HELD = "held"  # a politeness rule holds it until due_at (reason says which)
    SENT = "sent"  # handed to the outbox (or, for a peer request, the case opened)
    DROPPED = "dropped"  # never sent; reason says why


class Outreach(Base):
    """One outreach the app owes a participant: the scheduler's durable job row.

    (participant, kind, target_at) is the idempotency key: planning twice, two schedulers or
    a restart can never make a second row for the same outreach.
    """

    __tablename__ = "outreach"
    __table_args__ = (
        UniqueConstraint("participant_id", "kind", "target_at", name="uq_outreach_key"),
        Index("ix_outreach_due", "status", "due_at"),
        Index("ix_outreach_sent", "participant_id", "sent_at"),
        Index("ix_outreach_target", "target_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    kind: Mapped[OutreachKind] = mapped_column(String(30))
    target_at: Mapped[datetime] = mapped_column(comment="the moment it is about (the key)")
    due_at: Mapped[datetime] = mapped_column(comment="next time the dispatcher looks at it")
    expires_at: Mapped[datetime] = mapped_column(comment="dropped if not sent by then")
    status: Mapped[OutreachStatus] = mapped_column(String(20), default=OutreachStatus.PLANNED)
    reason: Mapped[str | None] = mapped_column(String(60), comment="why held or dropped")
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    lead_minutes: Mapped[int | None] = mapped_column(comment="appointment nudges: how far ahead")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    sent_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None] = mapped_column(
        comment="the person texted back within a day of it (kept by the gateway)"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Every UPDATE checks the version it read, so a scheduler acting on a stale read (the
    # lease lapsed mid-step, a second process) fails instead of sending or re-holding a row
    # another scheduler already handled.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SchedulerLease(Base):
    """Who may run the outreach scheduler now. SQLite has no row locks to share work, so
    one scheduler holds the lease and renews it; another takes over once it expires."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
