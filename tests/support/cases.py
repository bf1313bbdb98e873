"""Opening cases in tests the way the product does: through the one escalation function."""

from __future__ import annotations

from datetime import datetime

from escalation.escalate import Escalator, Policy, Signal
from records.db import Database
from records.models import CaseLevel, Participant


def open_case(
    db: Database,
    participant_id: int,
    level: CaseLevel,
    now: datetime,
    reasons: tuple[str, ...] = ("test",),
    policy: Policy | None = None,
) -> int:
    """Escalate for a participant as the safety lane would; returns the case id."""
    with db.session() as session:
        participant = session.get_one(Participant, participant_id)
        outcome = Escalator(policy or Policy()).escalate(
            session,
            participant=participant,
            phone=participant.phone,
            signal=Signal(level, reasons, "test"),
            now=now,
        )
        return outcome.case_id
