"""Record set-up shared by several tests."""

from __future__ import annotations

from datetime import datetime

from records.db import Database
from records.models import Participant, StaffRole, StaffUser
from records.participants import enrol
from records.schedules import add_appointment


def book(db: Database, participant_id: int, starts_at: datetime, kind: str, now: datetime) -> int:
    """Book an appointment for a participant, as a coordinator would; returns its id."""
    with db.session() as session:
        participant = session.get_one(Participant, participant_id)
        return add_appointment(session, participant, starts_at=starts_at, kind=kind, now=now).id


def sam_and_a_peer_on_shift(db: Database, sam: str, peer_phone: str) -> None:
    """Sam, enrolled, and Rae, a peer on shift whose phone gets the pages."""
    with db.session() as session:
        enrol(session, phone=sam, alias="Sam", timezone="America/New_York", consented_at=None)
        session.add(rae_the_peer(peer_phone))


def rae_the_peer(phone: str, on_shift: bool = True) -> StaffUser:
    """The synthetic peer whose phone gets the pages."""
    return StaffUser(
        email="rae@peers.example",
        display_name="Rae",
        role=StaffRole.PEER,
        phone=phone,
        on_shift=on_shift,
    )


def peers_on_shift(phones: tuple[str, ...] | list[str]) -> list[StaffUser]:
    """Numbered synthetic peers on shift, one per phone (for tests with several peers)."""
    return [
        StaffUser(
            email=f"peer{i}@peers.example",
            display_name=f"Peer {i}",
            role=StaffRole.PEER,
            phone=phone,
            on_shift=True,
        )
        for i, phone in enumerate(phones)
    ]


def add_peer(db: Database, phone: str, on_shift: bool = True) -> None:
    with db.session() as session:
        session.add(rae_the_peer(phone, on_shift))
