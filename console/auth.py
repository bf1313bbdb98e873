"""Staff accounts for the peer console: argon2id password hashes, signed session cookies, roles.

The cookie (signed with the deployment's `secret_key`) carries a CSRF token and, once logged
in, a random session token; the session itself lives in the database (`console.sessions`),
so log-out, a password change or a deactivation ends it everywhere at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from console.sessions import end_sessions
from records.models import StaffRole, StaffUser

SESSION_MAX_AGE_SECONDS = 14 * 60 * 60  # a long night shift, then log in again
MIN_PASSWORD_LENGTH = 12

# Who may do what. Peers and supervisors work cases (claim, text, hand back, resolve);
# coordinators and admins oversee: they see the queue and read cases (every read audited)
# but never text a participant, so a participant only ever hears from the peer on the case.
WORKERS = frozenset({StaffRole.PEER, StaffRole.SUPERVISOR})
EVERYONE = frozenset(StaffRole)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class StaffError(ValueError):
    """A staff account could not be created or changed (the message says why)."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not there is a hash, so timing does not reveal accounts."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_staff(session: Session, email: str) -> StaffUser | None:
    return session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == normalise_email(email))
    )


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    """The staff member for these credentials, or None; never says which part was wrong."""
    staff = find_staff(session, email)
    ok = verify_password(staff.password_hash if staff else None, password)
    if staff is None or not ok or not staff.active:
        return None
    assert staff.password_hash is not None
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    return staff


def add_staff(session: Session, email: str, name: str, role: StaffRole, password: str) -> StaffUser:
    email = normalise_email(email)
    if "@" not in email:
        raise StaffError("that does not look like an e-mail address")
    if find_staff(session, email) is not None:
        raise StaffError("a staff member with that e-mail already exists")
    staff = StaffUser(
        email=email, display_name=name.strip(), role=role, password_hash=hash_password(password)
    )
    session.add(staff)
    session.flush()
    return staff


def change_password(
    session: Session, staff: StaffUser, password: str, now: datetime, keep: str | None = None
) -> None:
    """A new password ends every session made with the old one (but `keep`, the session
    of the person changing their own password)."""
    staff.password_hash = hash_password(password)
    end_sessions(session, staff.id, now, "password", keep=keep)


@dataclass(frozen=True)
class ConsoleSession:
    """What the cookie holds: a CSRF token always; a session token once logged in."""

    csrf: str
    token: str | None = None

    @classmethod
    def anonymous(cls) -> ConsoleSession:
        return cls(csrf=secrets.token_urlsafe(32))

    @classmethod
    def for_token(cls, token: str) -> ConsoleSession:
        """A fresh CSRF token at log-in, so a token planted before log-in is useless."""
        return cls(csrf=secrets.token_urlsafe(32), token=token)


class SessionCodec:
    """Signs and checks session cookies; a tampered or expired cookie reads as no session."""

    def __init__(self, secret_key: str, max_age: int = SESSION_MAX_AGE_SECONDS) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="peerline.console.session")
        self.max_age = max_age

    def dumps(self, data: ConsoleSession) -> str:
        return str(self._serializer.dumps([data.csrf, data.token]))

    def loads(self, cookie: str | None) -> ConsoleSession | None:
        if not cookie:
            return None
        try:
            csrf, token = self._serializer.loads(cookie, max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(csrf, str) or not (token is None or isinstance(token, str)):
            return None
        return ConsoleSession(csrf=csrf, token=token)
