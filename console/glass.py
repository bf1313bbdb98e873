"""Minimum necessary for case pages, and "break the glass" for anything beyond it.

A peer reads the cases they may take (open, unclaimed) and the cases they took; a
supervisor and a coordinator read every case (supervision, the program's review); admins
read none. Anyone else who truly needs a case (covering a colleague's night, a safety
worry) states a reason: that opens the case to them for `GRANT_MINUTES`, and the reason,
the grant and every read after it are in the audit trail for a supervisor to review.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalation import cases
from records.models import Case, CaseAccessGrant, CaseStatus, StaffRole, StaffUser

GRANT_MINUTES = 60
MIN_REASON_CHARS = 10
MAX_REASON_CHARS = 500
READ_EVERY_CASE = frozenset({StaffRole.SUPERVISOR, StaffRole.COORDINATOR})


def within_role(case: Case, staff: StaffUser) -> bool:
    """What the role allows without a reason."""
    if staff.role in READ_EVERY_CASE:
        return True
    if staff.role != StaffRole.PEER:
        return False
    return case.claimed_by_id == staff.id or (
        case.status == CaseStatus.OPEN and case.claimed_by_id is None
    )


def active_grant(session: Session, staff: StaffUser, case_id: int, now: datetime) -> bool:
    query = select(CaseAccessGrant.id).where(
        CaseAccessGrant.staff_id == staff.id,
        CaseAccessGrant.case_id == case_id,
        CaseAccessGrant.expires_at > now,
    )
    return session.scalar(query.limit(1)) is not None


def may_read_case(session: Session, staff: StaffUser, case: Case, now: datetime) -> bool:
    return within_role(case, staff) or active_grant(session, staff, case.id, now)


def granted_participant(
    session: Session, staff: StaffUser, participant_id: int, now: datetime
) -> bool:
    """A grant on one of the person's cases opens their record too, for as long."""
    query = (
        select(CaseAccessGrant.id)
        .join(Case, Case.id == CaseAccessGrant.case_id)
        .where(
            CaseAccessGrant.staff_id == staff.id,
            Case.participant_id == participant_id,
            CaseAccessGrant.expires_at > now,
        )
    )
    return session.scalar(query.limit(1)) is not None


def reason_problem(reason: str) -> str | None:
    """Why a reason can't be accepted, in words for the person typing it, or None."""
    text = " ".join(reason.split())
    if len(text) < MIN_REASON_CHARS:
        return f"Please say why you need this case (at least {MIN_REASON_CHARS} characters)."
    if len(text) > MAX_REASON_CHARS:
        return f"Please keep the reason under {MAX_REASON_CHARS} characters."
    return None


def break_glass(session: Session, staff: StaffUser, case: Case, reason: str, now: datetime) -> None:
    """Opens the case to `staff` for a while, recorded three ways: the grant with its
    reason, an audit row, and an event on the case itself."""
    text = " ".join(reason.split())[:MAX_REASON_CHARS]
    expires = now + timedelta(minutes=GRANT_MINUTES)
    session.add(
        CaseAccessGrant(
            staff_id=staff.id, case_id=case.id, reason=text, granted_at=now, expires_at=expires
        )
    )
    cases.record_view(
        session, staff, case.participant_id, "break_glass", now, detail=f"case {case.id}"
    )
    cases.event(session, case, "break_glass", now, staff_id=staff.id)
