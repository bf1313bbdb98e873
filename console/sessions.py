"""Server-side console sessions: the cookie carries a random token, the database a hash of it.

So log-out, a password change or a deactivation ends a session everywhere at once (a copied
cookie is worthless afterwards), and an idle session ends after `CONSOLE_IDLE_MINUTES`
whatever the cookie says. Last-seen is written at most once a minute, so a busy console
does not write on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from records import audit
from records.models import StaffSession, StaffUser
from records.settings import Settings

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionRules:
    idle: timedelta  # no request for this long: logged out
    longest: timedelta  # logged out this long after log-in, busy or not

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionRules:
        return cls(
            idle=timedelta(minutes=settings.console_idle_minutes),
            longest=timedelta(hours=settings.console_session_hours),
        )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, staff: StaffUser, now: datetime) -> str:
    """A new session for this staff member; returns the token for the cookie (only there)."""
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=token_hash(token), staff_id=staff.id, created_at=now, last_seen_at=now
        )
    )
    return token


def session_staff(
    session: Session, token: str, now: datetime, rules: SessionRules
) -> StaffUser | None:
    """The staff member of a live session, or None (and the session is ended if it lapsed)."""
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == token_hash(token)))
    if row is None or row.ended_at is not None:
        return None
    staff = session.get(StaffUser, row.staff_id)
    reason = _lapsed(row, now, rules)
    if staff is None or not staff.active:
        reason = "deactivated"
    if reason is not None:
        row.ended_at, row.ended_reason = now, reason
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return staff


def _lapsed(row: StaffSession, now: datetime, rules: SessionRules) -> str | None:
    if now - row.created_at >= rules.longest:
        return "expired"
    if now - row.last_seen_at >= rules.idle:
        return "idle"
    return None


def end_session(session: Session, token: str, now: datetime, reason: str) -> None:
    session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == token_hash(token), StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )


def end_sessions(
    session: Session, staff_id: int, now: datetime, reason: str, keep: str | None = None
) -> int:
    """Ends every open session of one staff member (but `keep`, a token); returns how many."""
    query = update(StaffSession).where(
        StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(StaffSession.token_hash != token_hash(keep))
    result = session.execute(query.values(ended_at=now, ended_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


def audit_access(
    session: Session, staff_id: int | None, action: str, now: datetime, detail: str = ""
) -> None:
    """An audit row about access itself (log-ins, lockouts, refusals): codes, ids and client
    addresses only, never a password, an e-mail typed, or anything about a participant."""
    audit.record(session, action, now, staff_id=staff_id, detail=detail or None)
