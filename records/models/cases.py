"""Work for peers: cases, every change to them, and who looked at which record."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from records.models.base import Base, utcnow


class CaseLevel(StrEnum):
    SUPPORT = "support"  # a peer request: lower priority, the bot carries on
    URGENT = "urgent"
    EMERGENCY = "emergency"


class CaseStatus(StrEnum):
    OPEN = "open"  # waiting for a peer
    CLAIMED = "claimed"  # a peer has it; the bot stands aside while it pauses the bot
    HANDED_BACK = "handed_back"  # the peer gave the conversation back to the bot
    RESOLVED = "resolved"


class MoudLinkage(StrEnum):
    """What happened with medication treatment, recorded when a case is resolved: the
    outcome the post-overdose programs measure per peer."""

    STARTED = "started"
    RESUMED = "resumed"
    STAYED = "stayed"
    NOT_LINKED = "not_linked"


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
    moud_linkage: Mapped[MoudLinkage | None] = mapped_column(
        String(20), comment="started, resumed or stayed on MOUD (or not linked)"
    )
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


class Debrief(Base):
    """A peer's note after a hard case, for their supervisor: never part of the
    participant's case notes (the peer's wellbeing is not the participant's record)."""

    __tablename__ = "debriefs"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who viewed or changed which participant's record, and when (42 CFR Part 2, HIPAA);
    also failed log-ins, lockouts, log-outs and refusals (no staff: an unknown account)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    actor: Mapped[str | None] = mapped_column(
        String(80), comment="who, when not a console account: 'cli:<os user>'"
    )
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(
        String(200), comment="what changed, in codes and field names, never message text"
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseAccessGrant(Base):
    """A "break the glass": a staff member read a case beyond their role's minimum
    necessary, for a reason they gave, until `expires_at` (each one is also audited)."""

    __tablename__ = "case_access_grants"
    __table_args__ = (Index("ix_case_access_grants_staff_case", "staff_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
