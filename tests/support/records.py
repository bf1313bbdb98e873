"""Record set-up shared by the outreach tests."""

from __future__ import annotations

from datetime import datetime

from records.db import Database
from records.models import Participant
from records.schedules import add_appointment


def book(db: Database, participant_id: int, starts_at: datetime, kind: str, now: datetime) -> int:
    """Book an appointment for a participant, as a coordinator would; returns its id."""
    with db.session() as session:
        participant = session.get_one(Participant, participant_id)
        return add_appointment(session, participant, starts_at=starts_at, kind=kind, now=now).id
