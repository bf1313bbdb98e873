"""Peers' work and wellbeing, for supervisors: per peer, the cases taken and how fast,
outcomes including linkage to MOUD (the figure that ranged from 16% to 60% between peers in
the post-overdose pilot), fidelity to the protocol item by item, the emergencies carried
and the debriefs done. Debrief notes are read here, never in the participant's case."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from console.program.tables import Period, Row, Table, median, percentile, rate
from escalation.wording import FIDELITY_ITEMS
from records.models import (
    Case,
    CaseLevel,
    CaseStatus,
    Debrief,
    MoudLinkage,
    StaffRole,
    StaffUser,
)

LINKED = (MoudLinkage.STARTED, MoudLinkage.RESUMED, MoudLinkage.STAYED)


def _claimed_in(session: Session, period: Period) -> list[Case]:
    return list(
        session.scalars(
            select(Case).where(
                Case.claimed_by_id.is_not(None),
                Case.claimed_at >= period.start,
                Case.claimed_at < period.end,
            )
        )
    )


def _peers(session: Session) -> list[StaffUser]:
    return list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.role.in_((StaffRole.PEER, StaffRole.SUPERVISOR)))
            .order_by(StaffUser.display_name)
        )
    )


def work(session: Session, period: Period) -> Table:
    """Cases each peer claimed in the period: how fast, how they ended, linkage to MOUD."""
    claimed = _claimed_in(session, period)
    rows: list[Row] = []
    for peer in _peers(session):
        mine = [c for c in claimed if c.claimed_by_id == peer.id]
        if not mine and not peer.active:
            continue
        waits = [(c.claimed_at - c.opened_at).total_seconds() / 60 for c in mine if c.claimed_at]
        resolved = [c for c in mine if c.status == CaseStatus.RESOLVED]
        linked = sum(1 for c in resolved if c.moud_linkage in LINKED)
        outcomes = Counter(str(c.outcome) for c in resolved if c.outcome)
        rows.append(
            (
                peer.display_name,
                len(mine),
                median(waits),
                percentile(waits, 90),
                len(resolved),
                linked,
                rate(linked, len(resolved)),
                ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items())),
            )
        )
    return Table(
        "peer_work",
        "Cases by peer",
        "Cases each peer claimed in the period; linked to MOUD counts resolved cases where the "
        "person started, resumed or stayed on MOUD.",
        (
            "peer",
            "cases taken",
            "median minutes to claim",
            "90th percentile minutes",
            "resolved",
            "linked to MOUD",
            "linkage rate",
            "outcomes",
        ),
        rows,
    )


def fidelity(session: Session, period: Period) -> Table:
    """Each fidelity item's completion, per peer, over the cases they resolved in the period."""
    resolved = list(
        session.scalars(
            select(Case).where(
                Case.status == CaseStatus.RESOLVED,
                Case.resolved_at >= period.start,
                Case.resolved_at < period.end,
                Case.claimed_by_id.is_not(None),
            )
        )
    )
    rows: list[Row] = []
    for peer in _peers(session):
        mine = [c for c in resolved if c.claimed_by_id == peer.id]
        if not mine:
            continue
        done = [sum(1 for c in mine if (c.fidelity or {}).get(key)) for key, _ in FIDELITY_ITEMS]
        rows.append((peer.display_name, len(mine), *(rate(n, len(mine)) for n in done)))
    return Table(
        "fidelity",
        "Fidelity checklist",
        "Share of each peer's resolved cases with the item ticked.",
        ("peer", "resolved", *(label for _key, label in FIDELITY_ITEMS)),
        rows,
    )


def wellbeing(session: Session, period: Period) -> Table:
    """Emergencies each peer carried, and the debriefs they took afterwards."""
    claimed = _claimed_in(session, period)
    debriefs = list(
        session.scalars(select(Debrief).where(Debrief.at >= period.start, Debrief.at < period.end))
    )
    rows: list[Row] = []
    for peer in _peers(session):
        emergencies = [
            c for c in claimed if c.claimed_by_id == peer.id and c.level == CaseLevel.EMERGENCY
        ]
        theirs = [d for d in debriefs if d.staff_id == peer.id]
        if not emergencies and not theirs:
            continue
        rows.append((peer.display_name, len(emergencies), len(theirs)))
    return Table(
        "wellbeing",
        "Emergencies carried and debriefs",
        "Emergency cases each peer claimed in the period, and the debriefs they took.",
        ("peer", "emergencies carried", "debriefs"),
        rows,
    )


@dataclass(frozen=True)
class DebriefNote:
    at: datetime
    peer: str
    case_id: int
    note: str


def debrief_notes(session: Session, period: Period) -> list[DebriefNote]:
    """Debriefs in the period, newest first: for supervisors' eyes only."""
    rows = session.execute(
        select(Debrief, StaffUser.display_name)
        .join(StaffUser, StaffUser.id == Debrief.staff_id)
        .where(Debrief.at >= period.start, Debrief.at < period.end)
        .order_by(Debrief.at.desc())
    ).all()
    return [
        DebriefNote(debrief.at, name, debrief.case_id, debrief.note or "(no note)")
        for debrief, name in rows
    ]
