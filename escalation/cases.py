"""Cases and the live peer queue: what peers do with a case once it exists.

Opening, raising and paging happen in one place, `escalation.escalate`. Here: the queue,
claiming, a peer's texts, handing back, resolving. Rules kept here and nowhere else:
- urgent and emergency cases pause the bot for that person until a peer hands back;
- a claim is one conditional UPDATE, so of two peers claiming at once exactly one wins
  (on PostgreSQL and SQLite alike);
- every state change is a CaseEvent with who and when.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case as sql_case
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from escalation.wording import FIDELITY_ITEMS, QUICK_REPLIES
from messaging.outbox import enqueue
from records import audit
from records.models import (
    Case,
    CaseEvent,
    CaseLevel,
    CaseOutcome,
    CaseStatus,
    Debrief,
    Message,
    MessageKind,
    MoudLinkage,
    Participant,
    StaffUser,
)

__all__ = ["FIDELITY_ITEMS", "QUICK_REPLIES"]

log = logging.getLogger(__name__)

PRIORITY = {CaseLevel.EMERGENCY: 0, CaseLevel.URGENT: 1, CaseLevel.SUPPORT: 2}
PAUSING = (CaseLevel.URGENT, CaseLevel.EMERGENCY)
LIVE = (CaseStatus.OPEN, CaseStatus.CLAIMED, CaseStatus.HANDED_BACK)


@dataclass(frozen=True)
class ClaimResult:
    ok: bool
    reason: str = ""  # "taken", "cap", "resolved", "missing"


def event(
    session: Session,
    case: Case,
    kind: str,
    now: datetime,
    staff_id: int | None = None,
    detail: str | None = None,
) -> None:
    session.add(CaseEvent(case_id=case.id, kind=kind, staff_id=staff_id, detail=detail, at=now))


def active_case(session: Session, participant_id: int) -> Case | None:
    return session.scalar(
        select(Case).where(Case.participant_id == participant_id, Case.status.in_(LIVE))
    )


def pausing_case(session: Session, participant_id: int) -> Case | None:
    """The case that has the bot standing aside for this participant, if any."""
    case = active_case(session, participant_id)
    return case if case is not None and case.pauses_bot else None


def contact_phone(session: Session, case: Case) -> str:
    """The number a case is about: the participant's, or the one not enrolled."""
    if case.participant_id is not None:
        return session.get_one(Participant, case.participant_id).phone
    assert case.phone is not None
    return case.phone


def queue(session: Session) -> list[Case]:
    """Open and claimed cases: the riskiest first, then the longest waiting."""
    rank = sql_case(PRIORITY, value=Case.level, else_=3)
    return list(
        session.scalars(
            select(Case)
            .where(Case.status.in_((CaseStatus.OPEN, CaseStatus.CLAIMED)))
            .order_by(rank, Case.opened_at, Case.id)
        )
    )


def claim(
    session: Session, case_id: int, staff: StaffUser, now: datetime, max_active: int = 2
) -> ClaimResult:
    """Atomic: one conditional UPDATE; of two peers claiming at once exactly one wins.
    `max_active` caps a peer's urgent and emergency cases at once."""
    case = session.get(Case, case_id)
    if case is None:
        return ClaimResult(False, "missing")
    if case.level in PAUSING and _active_load(session, staff.id) >= max_active:
        return ClaimResult(False, "cap")
    result = session.execute(
        update(Case)
        .where(Case.id == case_id, Case.status == CaseStatus.OPEN)
        .values(status=CaseStatus.CLAIMED, claimed_by_id=staff.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(case)
        return ClaimResult(False, "resolved" if case.status == CaseStatus.RESOLVED else "taken")
    session.refresh(case)
    event(session, case, "claimed", now, staff_id=staff.id)
    return ClaimResult(True)


def _active_load(session: Session, staff_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.claimed_by_id == staff_id,
                Case.status == CaseStatus.CLAIMED,
                Case.level.in_(PAUSING),
            )
        )
        or 0
    )


def reply(
    session: Session, case: Case, staff: StaffUser, body: str, now: datetime, max_segments: int
) -> Message:
    """A peer's text to the person, from the program number, through the outbox."""
    message = enqueue(
        session,
        phone=contact_phone(session, case),
        body=body.strip(),
        kind=MessageKind.PEER,
        now=now,
        max_segments=max_segments,
        participant_id=case.participant_id,
    )
    message.case_id, message.staff_id = case.id, staff.id
    event(session, case, "replied", now, staff_id=staff.id)
    return message


def hand_back(session: Session, case: Case, staff: StaffUser, now: datetime) -> None:
    """Give the conversation back to the bot; the case stays open until resolved."""
    case.pauses_bot = False
    case.status = CaseStatus.HANDED_BACK
    event(session, case, "handed_back", now, staff_id=staff.id)


def resolve(
    session: Session,
    case: Case,
    staff: StaffUser,
    outcome: CaseOutcome,
    fidelity: dict[str, bool],
    notes: str,
    now: datetime,
    moud_linkage: MoudLinkage | None = None,
) -> None:
    """Close the case with what happened: the outcome, whether the person started, resumed
    or stayed on MOUD, the fidelity checklist and notes."""
    if case.status == CaseStatus.RESOLVED:
        return  # a double click: already done
    case.status = CaseStatus.RESOLVED
    case.pauses_bot = False
    case.outcome = outcome
    case.moud_linkage = moud_linkage
    case.fidelity = {key: bool(fidelity.get(key)) for key, _ in FIDELITY_ITEMS}
    case.notes = notes.strip()[:5000] or None
    case.resolved_at = now
    event(session, case, "resolved", now, staff_id=staff.id, detail=str(outcome))


def debrief(session: Session, case: Case, staff: StaffUser, note: str, now: datetime) -> None:
    """A peer's note after a hard case: kept for their supervisor, never in the case notes."""
    session.add(Debrief(case_id=case.id, staff_id=staff.id, note=note.strip() or None, at=now))
    event(session, case, "debrief", now, staff_id=staff.id)


def record_view(
    session: Session,
    staff: StaffUser,
    participant_id: int | None,
    action: str,
    now: datetime,
    detail: str | None = None,
) -> None:
    """An audit row: who viewed or changed whose record, when, and what (codes, no PHI)."""
    audit.record(
        session, action, now, staff_id=staff.id, participant_id=participant_id, detail=detail
    )
