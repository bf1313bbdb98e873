"""Cases and the live peer queue: opening, paging, claiming, replying, handing back.

Rules kept here and nowhere else:
- one open case per participant; a riskier text raises its level, never lowers it;
- urgent and emergency cases pause the bot for that participant until a peer hands back;
- a claim is one conditional UPDATE, so of two peers claiming at once exactly one wins
  (on PostgreSQL and SQLite alike);
- every state change is a CaseEvent with who and when; pages carry no PHI.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from escalation import wording
from escalation.wording import FIDELITY_ITEMS, QUICK_REPLIES
from messaging.outbox import enqueue
from records.models import (
    AuditEvent,
    Case,
    CaseEvent,
    CaseLevel,
    CaseOutcome,
    CaseStatus,
    Message,
    MessageKind,
    Participant,
    StaffRole,
    StaffUser,
)

__all__ = ["FIDELITY_ITEMS", "QUICK_REPLIES"]

log = logging.getLogger(__name__)

PRIORITY = {CaseLevel.EMERGENCY: 0, CaseLevel.URGENT: 1, CaseLevel.SUPPORT: 2}
PAUSING = (CaseLevel.URGENT, CaseLevel.EMERGENCY)
LIVE = (CaseStatus.OPEN, CaseStatus.CLAIMED, CaseStatus.HANDED_BACK)


@dataclass(frozen=True)
class Policy:
    """The knobs of the queue (from Settings, passed in by the composition root)."""

    program_name: str = "Peerline"
    repage_emergency_after: timedelta = timedelta(minutes=2)
    repage_urgent_after: timedelta = timedelta(minutes=10)
    max_active_cases_per_peer: int = 2
    on_call_number: str | None = None
    max_segments: int = 3
    emergency_reply: str = wording.EMERGENCY_REPLY
    urgent_reply: str = wording.URGENT_REPLY


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


def open_or_raise(
    session: Session,
    participant: Participant,
    level: CaseLevel,
    reasons: list[str],
    message_id: int | None,
    now: datetime,
) -> tuple[Case, bool]:
    """Open a case, or add to the live one; returns (case, whether peers must be paged)."""
    case = active_case(session, participant.id)
    if case is None:
        case = Case(
            participant_id=participant.id,
            level=level,
            reasons=reasons,
            message_id=message_id,
            pauses_bot=level in PAUSING,
            opened_at=now,
        )
        session.add(case)
        session.flush()
        event(session, case, "opened", now, detail=f"{level}: {', '.join(reasons)}"[:300])
        return case, True
    case.reasons = list(dict.fromkeys([*case.reasons, *reasons]))
    raised = PRIORITY[level] < PRIORITY[case.level]
    if raised:
        event(session, case, "raised", now, detail=f"{case.level} -> {level}")
        case.level = level
    reopened = level in PAUSING and not case.pauses_bot
    if reopened:  # handed back (or a support case), and now risky: the bot steps aside again
        case.pauses_bot = True
        if case.status == CaseStatus.HANDED_BACK:
            case.status = CaseStatus.CLAIMED if case.claimed_by_id else CaseStatus.OPEN
        event(session, case, "reopened", now)
    return case, reopened or (raised and case.status == CaseStatus.OPEN)


def on_shift_peers(session: Session) -> list[StaffUser]:
    return list(
        session.scalars(
            select(StaffUser).where(
                StaffUser.active.is_(True),
                StaffUser.on_shift.is_(True),
                StaffUser.phone.is_not(None),
                StaffUser.role.in_((StaffRole.PEER, StaffRole.SUPERVISOR)),
            )
        )
    )


def page(
    session: Session, case: Case, policy: Policy, now: datetime, text: str | None = None
) -> int:
    """Text every on-shift peer (no PHI); with nobody on shift, the on-call number."""
    body = text or wording.PAGE.format(
        program=policy.program_name, level=case.level.title(), case_id=case.id
    )
    targets: list[tuple[str, int | None]] = [
        (p.phone, p.id) for p in on_shift_peers(session) if p.phone
    ]
    if not targets and policy.on_call_number:
        targets = [(policy.on_call_number, None)]
    for phone, staff_id in targets:
        message = enqueue(
            session, phone=phone, body=body, kind=MessageKind.PAGE, now=now, max_segments=1
        )
        message.case_id, message.staff_id = case.id, staff_id
    case.last_paged_at = now
    case.page_rounds += 1
    event(session, case, "paged", now, detail=f"{len(targets)} recipient(s)")
    return len(targets)


def claim(
    session: Session, case_id: int, staff: StaffUser, now: datetime, policy: Policy | None = None
) -> ClaimResult:
    """Atomic: one conditional UPDATE; of two peers claiming at once exactly one wins."""
    policy = policy or Policy()
    case = session.get(Case, case_id)
    if case is None:
        return ClaimResult(False, "missing")
    if (
        case.level in PAUSING
        and _active_load(session, staff.id) >= policy.max_active_cases_per_peer
    ):
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
    """A peer's text to the participant, from the program number, through the outbox."""
    participant = session.get_one(Participant, case.participant_id)
    message = enqueue(
        session,
        phone=participant.phone,
        body=body.strip(),
        kind=MessageKind.PEER,
        now=now,
        max_segments=max_segments,
        participant_id=participant.id,
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
) -> None:
    if case.status == CaseStatus.RESOLVED:
        return  # a double click: already done
    case.status = CaseStatus.RESOLVED
    case.pauses_bot = False
    case.outcome = outcome
    case.fidelity = {key: bool(fidelity.get(key)) for key, _ in FIDELITY_ITEMS}
    case.notes = notes.strip()[:5000] or None
    case.resolved_at = now
    event(session, case, "resolved", now, staff_id=staff.id, detail=str(outcome))


def record_view(
    session: Session, staff: StaffUser, participant_id: int | None, action: str, now: datetime
) -> None:
    session.add(AuditEvent(staff_id=staff.id, participant_id=participant_id, action=action, at=now))


def repage_overdue(session: Session, policy: Policy, now: datetime) -> list[int]:
    """Re-page unclaimed emergency (2 min) and urgent (10 min) cases; returns their ids."""
    repaged = []
    for case in session.scalars(
        select(Case).where(Case.status == CaseStatus.OPEN, Case.level.in_(PAUSING))
    ):
        wait = (
            policy.repage_emergency_after
            if case.level == CaseLevel.EMERGENCY
            else policy.repage_urgent_after
        )
        if case.last_paged_at is not None and now - case.last_paged_at < wait:
            continue
        minutes = int((now - case.opened_at).total_seconds() // 60)
        text = wording.REPAGE.format(
            program=policy.program_name, level=case.level.title(), case_id=case.id, minutes=minutes
        )
        page(session, case, policy, now, text=text)
        _page_supervisors(session, case, text, now)
        repaged.append(case.id)
    return repaged


def _page_supervisors(session: Session, case: Case, text: str, now: datetime) -> None:
    for supervisor in session.scalars(
        select(StaffUser).where(
            StaffUser.active.is_(True),
            StaffUser.role == StaffRole.SUPERVISOR,
            StaffUser.on_shift.is_(False),
            StaffUser.phone.is_not(None),
        )
    ):
        assert supervisor.phone is not None
        message = enqueue(
            session,
            phone=supervisor.phone,
            body=text,
            kind=MessageKind.PAGE,
            now=now,
            max_segments=1,
        )
        message.case_id, message.staff_id = case.id, supervisor.id
