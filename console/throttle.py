"""Log-in throttling: failed log-ins counted per account and per client address in a
sliding window, in the database, so every app process applies the same limits.

An account (any e-mail typed, known or not, so a lockout reveals nothing about who has an
account) that fails `LOGIN_MAX_FAILURES` times in `LOGIN_WINDOW_MINUTES` is locked until the
oldest of those failures leaves the window; an admin can unlock it sooner. An address that
fails `LOGIN_MAX_FAILURES_PER_ADDRESS` times is paused the same way (a guesser trying many
accounts). Refused tries are not counted, so a lockout ends on time; they are audited.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from records.models import FailedLogin
from records.settings import Settings


@dataclass(frozen=True)
class LoginLimits:
    secret: str  # keys the e-mail hash, so the table does not list who tried which e-mail
    max_failures: int
    window: timedelta
    max_per_address: int

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginLimits:
        return cls(
            secret=settings.secret_key,
            max_failures=settings.login_max_failures,
            window=timedelta(minutes=settings.login_window_minutes),
            max_per_address=settings.login_max_failures_per_address,
        )

    def account_key(self, email: str) -> str:
        typed = email.strip().lower().encode()
        return hmac.new(self.secret.encode(), typed, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Refusal:
    until: datetime
    account: bool  # True: this account is locked; False: this address is paused


def refusal(
    session: Session, limits: LoginLimits, email: str, address: str, now: datetime
) -> Refusal | None:
    """Why a log-in may not even be tried now, or None."""
    key = limits.account_key(email)
    mine = (FailedLogin.account_key == key) & FailedLogin.cleared.is_(False)
    until = _full_until(session, limits, mine, limits.max_failures, now)
    if until is not None:
        return Refusal(until, account=True)
    until = _full_until(
        session, limits, FailedLogin.address == address, limits.max_per_address, now
    )
    return Refusal(until, account=False) if until is not None else None


def _full_until(
    session: Session,
    limits: LoginLimits,
    which: ColumnElement[bool],
    limit: int,
    now: datetime,
) -> datetime | None:
    """If `limit` failures fall in the window: when the oldest of them leaves it."""
    times = session.scalars(
        select(FailedLogin.at)
        .where(which, FailedLogin.at > now - limits.window)
        .order_by(FailedLogin.at.desc())
        .limit(limit)
    ).all()
    return times[-1] + limits.window if len(times) >= limit else None


def record_failure(
    session: Session, limits: LoginLimits, email: str, address: str, now: datetime
) -> Refusal | None:
    """Counts a failed log-in; returns the refusal it just caused (a lockout), if any."""
    session.add(FailedLogin(account_key=limits.account_key(email), address=address[:64], at=now))
    session.flush()
    return refusal(session, limits, email, address, now)


def forgive(session: Session, limits: LoginLimits, email: str) -> None:
    """A successful log-in or an admin's unlock: the account's failures no longer count
    (its address's still do, so one good account does not reset a guesser's count)."""
    session.execute(
        update(FailedLogin)
        .where(FailedLogin.account_key == limits.account_key(email))
        .values(cleared=True)
    )


def locked_until(
    session: Session, limits: LoginLimits, email: str, now: datetime
) -> datetime | None:
    key = limits.account_key(email)
    mine = (FailedLogin.account_key == key) & FailedLogin.cleared.is_(False)
    return _full_until(session, limits, mine, limits.max_failures, now)
