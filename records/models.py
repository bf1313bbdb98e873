"""The app's records. The app is their only writer; Rasa owns dialogue state only."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from enum import IntEnum, StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns timezone-aware UTC (SQLite would otherwise drop the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """An opaque id for a participant: Rasa's sender id, so no phone number reaches Rasa."""
    return "p-" + secrets.token_hex(8)


class Base(DeclarativeBase):
    # Named constraints: SQLite migrations rebuild tables and need names to refer to them.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class ParticipantStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DISCHARGED = "discharged"


class Participant(Base):
    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    phone: Mapped[str] = mapped_column(String(20), unique=True, comment="E.164")
    alias: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[ParticipantStatus] = mapped_column(String(20), default=ParticipantStatus.ACTIVE)
    consented_at: Mapped[datetime | None]
    awaiting_answer: Mapped[str | None] = mapped_column(
        String(30), comment="what the bot just asked, e.g. 'use'; read by the safety screen"
    )
    awaiting_since: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    messages: Mapped[list[Message]] = relationship(back_populates="participant")


class StaffRole(StrEnum):
    PEER = "peer"
    SUPERVISOR = "supervisor"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[StaffRole] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(20), comment="E.164, for paging")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    on_shift: Mapped[bool] = mapped_column(Boolean, default=False, comment="gets pages")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OptOut(Base):
    """The one source of truth for 'never text this number'; covers unknown numbers too."""

    __tablename__ = "opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), comment="keyword | carrier | staff")
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(StrEnum):
    RECEIVED = "received"  # inbound, stored
    PENDING = "pending"  # outbound, waiting in the outbox (maybe for a retry)
    SENDING = "sending"  # outbound, handed to Twilio right now
    QUEUED = "queued"  # accepted by Twilio
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # never sent: opted out, or too late to send politely


class TurnStatus(StrEnum):
    PENDING = "pending"  # stored and acknowledged; the turn has not run yet
    DONE = "done"
    SET_ASIDE = "set_aside"  # failed again and again; shown to staff, never blocks others


class MessageKind(StrEnum):
    TEXT = "text"  # inbound from a participant or an unknown number
    REPLY = "reply"  # the engine's reply
    COMPLIANCE = "compliance"  # STOP / START / HELP answers
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"  # the one text allowed after STOP
    SAFETY = "safety"  # the immediate safety reply on a risky text
    PEER = "peer"  # a peer's text to a participant, from the console
    PAGE = "page"  # a page to a peer or the on-call number (no PHI)
    UNKNOWN_SENDER = "unknown_sender"
    MEDIA_NOTICE = "media_notice"
    NUDGE = "nudge"  # outreach the app started: check-ins, appointment and refill nudges


class Priority(IntEnum):
    """The outbox sends lower numbers first; within one priority, each recipient's order."""

    SAFETY = 0  # safety replies and pages: never wait for anything routine
    PEER = 1  # a peer's text from the console
    REPLY = 2  # the bot's replies and compliance answers
    OUTREACH = 3  # check-ins and nudges the app started


PRIORITY_OF_KIND: dict[MessageKind, Priority] = {
    MessageKind.SAFETY: Priority.SAFETY,
    MessageKind.PAGE: Priority.SAFETY,
    MessageKind.PEER: Priority.PEER,
    MessageKind.NUDGE: Priority.OUTREACH,
}


class Message(Base):
    """Every text in or out. Outbound rows are the outbox; inbound rows are the turn queue."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_outbox", "direction", "status", "next_attempt_at"),
        Index("ix_messages_turns", "direction", "turn_status", "next_attempt_at"),
        Index("ix_messages_phone", "phone", "id"),
        # The safety lane's work list stays tiny however large the table grows.
        Index(
            "ix_messages_unscreened",
            "id",
            sqlite_where=text("screened_at IS NULL"),
            postgresql_where=text("screened_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    direction: Mapped[Direction] = mapped_column(String(10))
    kind: Mapped[MessageKind] = mapped_column(String(30), default=MessageKind.TEXT)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    phone: Mapped[str] = mapped_column(String(32), comment="the other party, E.164")
    body: Mapped[str] = mapped_column(Text, default="")
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[MessageStatus] = mapped_column(String(20))
    turn_status: Mapped[TurnStatus | None] = mapped_column(String(20))
    error_code: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(String(255))
    segments: Mapped[int] = mapped_column(Integer, default=1)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    priority: Mapped[int] = mapped_column(
        Integer, default=Priority.REPLY, server_default="2", comment="outbound: 0 is sent first"
    )
    screened_at: Mapped[datetime | None] = mapped_column(
        comment="inbound: when the safety lane read it; turns wait for this"
    )
    risk_level: Mapped[str | None] = mapped_column(
        String(20), comment="inbound: the safety screen's level (support/urgent/emergency)"
    )
    turn_errors: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", comment="inbound: turns failed, not engine-down"
    )
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id"), comment="the peer who wrote it, or who is paged"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    send_before: Mapped[datetime | None] = mapped_column(
        comment="outreach: not sent after this (quiet hours, the appointment); then suppressed"
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    participant: Mapped[Participant | None] = relationship(back_populates="messages")


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
    nudged_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseLevel(StrEnum):
    SUPPORT = "support"  # a peer request: lower priority, the bot carries on
    URGENT = "urgent"
    EMERGENCY = "emergency"


class CaseStatus(StrEnum):
    OPEN = "open"  # waiting for a peer
    CLAIMED = "claimed"  # a peer has it; the bot stands aside while it pauses the bot
    HANDED_BACK = "handed_back"  # the peer gave the conversation back to the bot
    RESOLVED = "resolved"


class CaseOutcome(StrEnum):
    SAFE = "safe"
    CONNECTED_TO_CARE = "connected_to_care"
    EMERGENCY_SERVICES = "emergency_services_called"
    NO_RESPONSE = "no_response"


class Case(Base):
    """Work for a peer: from a participant's request up to an emergency.

    One live case per person, kept by the database itself: by participant, or by number for
    someone not enrolled who texted in a crisis.
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_queue", "status", "level", "opened_at"),
        Index(
            "uq_cases_live_participant",
            "participant_id",
            unique=True,
            sqlite_where=text("status != 'resolved' AND participant_id IS NOT NULL"),
            postgresql_where=text("status != 'resolved' AND participant_id IS NOT NULL"),
        ),
        Index(
            "uq_cases_live_number",
            "phone",
            unique=True,
            sqlite_where=text("status != 'resolved' AND participant_id IS NULL"),
            postgresql_where=text("status != 'resolved' AND participant_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id"), index=True, comment="None: a number not enrolled"
    )
    phone: Mapped[str | None] = mapped_column(
        String(32), comment="E.164, only for a number not enrolled (else the participant's)"
    )
    level: Mapped[CaseLevel] = mapped_column(String(20))
    status: Mapped[CaseStatus] = mapped_column(String(20), default=CaseStatus.OPEN)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # messages.case_id points back here; use_alter breaks the cycle when creating tables.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", use_alter=True))
    pauses_bot: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="urgent/emergency: texts go to the case, not Rasa"
    )
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    claimed_at: Mapped[datetime | None]
    last_paged_at: Mapped[datetime | None]
    page_rounds: Mapped[int] = mapped_column(Integer, default=0)
    paged_to: Mapped[str | None] = mapped_column(
        String(10), comment="who the last page reached: peers | on_call | nobody"
    )
    outcome: Mapped[CaseOutcome | None] = mapped_column(String(40))
    fidelity: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class CaseEvent(Base):
    """Every state change of a case, with who and when (opened, paged, claimed, ...)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    detail: Mapped[str | None] = mapped_column(String(300), comment="codes, never message text")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who looked at which participant's record, and when (42 CFR Part 2, HIPAA)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)


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
