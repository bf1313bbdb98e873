"""People: participants, staff, and the numbers that must never be texted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from records.models.base import Base, new_public_id, utcnow


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
