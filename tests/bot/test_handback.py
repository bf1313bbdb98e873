"""When the bot's last question is stale: a peer handed the conversation back after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.turns import handed_back_since_bot_spoke
from escalation import cases
from messaging.outbox import enqueue
from records.db import Database
from records.models import Case, CaseLevel, MessageKind, Participant, StaffRole, StaffUser
from records.participants import enrol
from tests.support.cases import open_case

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
SAM = "+12125550101"


def bot_says(db: Database, participant_id: int, at: datetime) -> None:
    with db.session() as session:
        enqueue(
            session,
            phone=SAM,
            body="Any use since we last checked in?",
            kind=MessageKind.REPLY,
            now=at,
            max_segments=3,
            participant_id=participant_id,
        )


def stale(db: Database, participant_id: int) -> bool:
    with db.session() as session:
        return handed_back_since_bot_spoke(session, session.get_one(Participant, participant_id))


def test_a_question_asked_before_the_hand_back_is_stale_until_the_bot_speaks(
    db: Database,
) -> None:
    with db.session() as session:
        participant_id = enrol(
            session, phone=SAM, alias="Sam", timezone="America/New_York", consented_at=NOW
        ).id
        session.add(StaffUser(email="rae@peers.example", display_name="Rae", role=StaffRole.PEER))
    bot_says(db, participant_id, NOW)
    assert not stale(db, participant_id)  # no case: nothing to start over
    case_id = open_case(db, participant_id, CaseLevel.URGENT, NOW + timedelta(minutes=1))
    with db.session() as session:
        peer = session.query(StaffUser).one()
        case = session.get_one(Case, case_id)
        cases.claim(session, case_id, peer, NOW + timedelta(minutes=2))
        cases.hand_back(session, case, peer, NOW + timedelta(minutes=3))
    assert stale(db, participant_id)
    bot_says(db, participant_id, NOW + timedelta(minutes=4))  # the clean start
    assert not stale(db, participant_id)
