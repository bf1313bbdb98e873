"""Every text in or out: the conversation, the turn queue and the outbox in one table."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from records.models.base import Base, utcnow
from records.models.people import Participant


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
        # one person's texts over a period: summaries, timelines, check-in replies
        Index("ix_messages_participant_time", "participant_id", "created_at"),
        # "Has this person an earlier turn pending?" reads pending rows only, not a
        # person's whole history (scripts/bench_growth.py shows the plans).
        Index(
            "ix_messages_pending_turn",
            "phone",
            "id",
            sqlite_where=text("turn_status = 'pending'"),
            postgresql_where=text("turn_status = 'pending'"),
        ),
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
    lease_owner: Mapped[str | None] = mapped_column(
        String(32), comment="outbound: the sender holding this row while it is sending"
    )
    lease_until: Mapped[datetime | None] = mapped_column(
        comment="outbound: the sender's hold lapses then, unless renewed; then reclaimable"
    )
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

    participant: Mapped[Participant | None] = relationship()
