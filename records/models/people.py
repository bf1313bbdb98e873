"""People: participants, staff, and the numbers that must never be texted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
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
    assigned_peer_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id"), index=True, comment="the peer who follows this person"
    )
    last_inbound_at: Mapped[datetime | None] = mapped_column(
        index=True, comment="when they last texted us (kept by the gateway): engagement"
    )
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
    on_shift: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="covering now, outside the rota: gets pages"
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RotaKind(StrEnum):
    SHIFT = "shift"  # on shift: paged for every case
    ON_CALL = "on_call"  # paged for urgent and emergency cases when nobody is on shift


class RotaSlot(Base):
    """One weekly slot of the rota, in the program's time zone. A slot whose end is before
    its start runs past midnight (a night shift, 22:00-06:00)."""

    __tablename__ = "rota_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer, comment="0 Monday .. 6 Sunday")
    starts: Mapped[str] = mapped_column(String(5), comment="local HH:MM")
    ends: Mapped[str] = mapped_column(String(5), comment="local HH:MM; before starts: overnight")
    kind: Mapped[RotaKind] = mapped_column(String(10), default=RotaKind.SHIFT)


class OptOut(Base):
    """The one source of truth for 'never text this number'; covers unknown numbers too."""

    __tablename__ = "opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(20), comment="keyword | carrier | staff")
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)
