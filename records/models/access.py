"""Staff access: server-side console sessions and failed log-ins (for throttling).

A session row holds only a hash of the token the browser carries, so a copy of this table
cannot be replayed as a cookie. Failed log-ins are counted here, not in memory, so every
app process applies the same limits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from records.models.base import Base, utcnow


class StaffSession(Base):
    """One log-in of one staff member, from log-in until it is ended or expires."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(
        String(64), unique=True, comment="sha256 of the cookie's token, never the token"
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(
        default=utcnow, comment="updated at most once a minute: the idle timeout"
    )
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(
        String(20), comment="logout | idle | expired | password | deactivated"
    )


class FailedLogin(Base):
    """A wrong e-mail or password: counted per account and per address in a sliding window."""

    __tablename__ = "failed_logins"
    __table_args__ = (
        Index("ix_failed_logins_account_at", "account_key", "at"),
        Index("ix_failed_logins_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_key: Mapped[str] = mapped_column(
        String(64), comment="keyed hash of the e-mail typed: the e-mail itself is never kept"
    )
    address: Mapped[str] = mapped_column(String(64), comment="the client's address")
    cleared: Mapped[bool] = mapped_column(
        Boolean, default=False, comment="a later log-in or an admin's unlock forgave it"
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
