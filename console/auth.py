"""Staff accounts for the peer console: argon2id password hashes, signed session cookies, roles.

Sessions live in the cookie itself (signed with the deployment's `secret_key`, expiring after
a shift), so several app processes share them without a session table. Each request still
reloads the staff row: a deactivated account or a changed password ends every session at
once, because the cookie carries a stamp derived from the password hash.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


def password_stamp(staff: StaffUser) -> str:
    """Changes when the password does, which ends the sessions made with the old one."""
    return hashlib.sha256((staff.password_hash or "").encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ConsoleSession:
    """What the cookie holds: a CSRF token always; a staff id once logged in."""

    csrf: str
    staff_id: int | None = None
    stamp: str = ""

    @classmethod
    def anonymous(cls) -> ConsoleSession:
        return cls(csrf=secrets.token_urlsafe(32))

    @classmethod
    def for_staff(cls, staff: StaffUser) -> ConsoleSession:
        """A fresh CSRF token at log-in, so a token planted before log-in is useless."""
        return cls(csrf=secrets.token_urlsafe(32), staff_id=staff.id, stamp=password_stamp(staff))


class SessionCodec:
    """Signs and checks session cookies; a tampered or expired cookie reads as no session."""

    def __init__(self, secret_key: str, max_age: int = SESSION_MAX_AGE_SECONDS) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="peerline.console.session")
        self.max_age = max_age

    def dumps(self, data: ConsoleSession) -> str:
        return str(self._serializer.dumps([data.csrf, data.staff_id, data.stamp]))

    def loads(self, cookie: str | None) -> ConsoleSession | None:
        if not cookie:
            return None
        try:
            csrf, staff_id, stamp = self._serializer.loads(cookie, max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return None
        if not isinstance(csrf, str) or not (staff_id is None or isinstance(staff_id, int)):
            return None
        return ConsoleSession(csrf=csrf, staff_id=staff_id, stamp=str(stamp))


def session_staff(session: Session, data: ConsoleSession) -> StaffUser | None:
    """The logged-in staff member, if the account is still active with the same password."""
    if data.staff_id is None:
        return None
    staff = session.get(StaffUser, data.staff_id)
    if staff is None or not staff.active or password_stamp(staff) != data.stamp:
        return None
    return staff
