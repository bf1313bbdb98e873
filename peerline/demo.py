"""What `peerline demo` puts in an empty database so a new user sees the whole product at
once: Sam (the participant you text as), Rae (an on-shift peer paged on the sandbox phone),
a supervisor, a coordinator and an admin, each with a fresh password printed once, and a
few weeks of synthetic history behind a living dashboard and real-looking summaries."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, inspect, select

from console.auth import add_staff, change_password, find_staff
from peerline import synthetic
from records.db import Database
from records.models import Participant, StaffRole
from records.participants import enrol
from records.settings import Settings

DEMO_PHONE = "+12125550101"
DEMO_ALIAS = "Sam"
DEMO_PEER_EMAIL = "rae@peers.example"
DEMO_PEER_PHONE = "+12125550150"
HISTORY = synthetic.Shape(people=12, days=28, texts_per_week=5, peers=2, seed=5)
# North American numbers 555-0100 to 555-0199 are reserved for fiction: the demo's people
# use only these, so any other number in the database belongs to a real person.
FICTIONAL = re.compile(r"^\+1\d{3}55501\d{2}$")


def refusal(settings: Settings) -> str | None:
    """Why the demo must not run against this configuration, or None when it may.

    The demo writes an on-shift peer with a printed password and a demo participant:
    harmless in a sandbox, a breach in a program's real records."""
    if not settings.sandbox:
        return (
            "Twilio credentials are set (TWILIO_ACCOUNT_SID): the demo only runs on the "
            "sandbox phone. Unset them, or run the real service with `peerline serve`."
        )
    db = Database(settings.database_url)
    try:
        if not inspect(db.engine).has_table("participants"):
            return None
        with db.session() as session:
            phones = session.scalars(select(Participant.phone)).all()
    finally:
        db.dispose()
    real = sum(1 for phone in phones if not FICTIONAL.match(phone or ""))
    if real:
        return (
            f"DATABASE_URL holds {real} participant(s) with real phone numbers: the demo only "
            "seeds an empty or demo database. Point DATABASE_URL elsewhere (the default is "
            "sqlite:///var/peerline.db)."
        )
    return None


@dataclass(frozen=True)
class Logins:
    """E-mail and a fresh password for each demo role, to print once."""

    by_role: dict[str, tuple[str, str]]


def seed(settings: Settings) -> Logins:
    """Idempotent: run it every start; people and history are added once, passwords anew."""
    db = Database(settings.database_url)
    try:
        _participant(db, settings)
        peer_password = _peer(db)
        staffing = synthetic.add_staff(db, HISTORY, lambda: secrets.token_urlsafe(9))
        with db.session() as session:
            people = session.scalar(select(func.count()).select_from(Participant)) or 0
        if people <= 1:
            peer_ids = staffing.staff_ids[: HISTORY.peers]
            synthetic.generate(db, HISTORY, datetime.now(UTC), peer_ids)
    finally:
        db.dispose()
    emails = {
        "peer": DEMO_PEER_EMAIL,
        "supervisor": "lee@peers.example",
        "coordinator": "cat@program.example",
        "admin": "ada@program.example",
    }
    passwords = {**staffing.passwords, DEMO_PEER_EMAIL: peer_password}
    return Logins({role: (email, passwords[email]) for role, email in emails.items()})


def _participant(db: Database, settings: Settings) -> None:
    with db.session() as session:
        if session.scalar(select(Participant.id).where(Participant.phone == DEMO_PHONE)) is None:
            enrol(
                session,
                phone=DEMO_PHONE,
                alias=DEMO_ALIAS,
                timezone=settings.default_timezone,
                consented_at=datetime.now(UTC),
            )


def _peer(db: Database) -> str:
    """An on-shift demo peer, paged on the sandbox phone, with a fresh password each run
    (printed once, never stored in plain text) so the console can be tried at once."""
    password = secrets.token_urlsafe(9)
    with db.session() as session:
        peer = find_staff(session, DEMO_PEER_EMAIL)
        if peer is None:
            peer = add_staff(session, DEMO_PEER_EMAIL, "Rae (demo peer)", StaffRole.PEER, password)
        change_password(session, peer, password, datetime.now(UTC))  # old sessions end
        peer.phone, peer.on_shift = DEMO_PEER_PHONE, True
    return password
