"""Record writes the engine asks for: check-ins, appointment answers, peer requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import payloads
from bot.payloads import PayloadContext
from bot.turns import next_appointment
from escalation.escalate import Escalator
from records.db import Database
from records.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Case,
    CaseLevel,
    CheckIn,
    Direction,
    Message,
    MessageStatus,
    Participant,
)
from records.participants import enrol

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture
def ids(db: Database) -> tuple[int, int]:
    with db.session() as session:
        participant = enrol(
            session, phone="+12125550101", alias="Sam", timezone="America/Chicago", consented_at=NOW
        )
        message = Message(
            direction=Direction.INBOUND,
            phone=participant.phone,
            body="x",
            status=MessageStatus.RECEIVED,
            participant_id=participant.id,
        )
        session.add(message)
        session.flush()
        return participant.id, message.id


def run(db: Database, ids: tuple[int, int], custom: dict[str, Any]) -> str | None:
    with db.session() as session:
        participant = session.get_one(Participant, ids[0])
        ctx = PayloadContext(session, participant, ids[1], NOW, Escalator())
        return payloads.apply(ctx, custom)


def test_a_checkin_is_stored(db: Database, ids: tuple[int, int]) -> None:
    data = {
        "mood": 4,
        "craving": "2",
        "use": "no",
        "medication": "as prescribed",
        "barriers": ["transport"],
        "wants_peer": False,
        "complete": True,
    }
    assert run(db, ids, {"peerline": {"type": "checkin", "data": data}}) == "checkin"
    with db.session() as session:
        checkin = session.scalars(select(CheckIn)).one()
    assert (checkin.mood, checkin.craving, checkin.use, checkin.barriers) == (
        4,
        2,
        "no",
        ["transport"],
    )
    assert checkin.complete and checkin.wants_peer is False and checkin.created_at == NOW


def test_a_partial_checkin_keeps_what_was_answered(db: Database, ids: tuple[int, int]) -> None:
    run(db, ids, {"peerline": {"type": "checkin", "data": {"mood": 2, "complete": False}}})
    with db.session() as session:
        checkin = session.scalars(select(CheckIn)).one()
    assert checkin.mood == 2 and checkin.craving is None and not checkin.complete


@pytest.mark.parametrize(
    "bad",
    [
        {"mood": 9, "craving": -1},
        {"mood": "lots", "craving": True},
        {"mood": {"x": 1}},
        {"barriers": "transport"},
        {"use": "y" * 5000},
    ],
)
def test_out_of_range_or_wrong_typed_answers_do_not_break_the_turn(
    db: Database, ids: tuple[int, int], bad: dict[str, Any]
) -> None:
    run(db, ids, {"peerline": {"type": "checkin", "data": bad}})
    with db.session() as session:
        checkin = session.scalars(select(CheckIn)).one()
    assert checkin.mood is None and checkin.craving is None
    assert checkin.barriers == [] and (checkin.use is None or len(checkin.use) == 200)


@pytest.mark.parametrize(
    "custom",
    [
        {},
        {"peerline": "checkin"},
        {"peerline": {"type": "drop_tables"}},
        {"other": {}},
        {"peerline": {"type": "checkin", "data": "mood 4"}},
    ],
)
def test_unknown_or_malformed_payloads_are_ignored(
    db: Database, ids: tuple[int, int], custom: dict[str, Any]
) -> None:
    run(db, ids, custom)
    with db.session() as session:
        assert session.scalars(select(Case)).all() == []


def _appointments(db: Database, participant_id: int) -> tuple[int, int]:
    with db.session() as session:
        later = Appointment(
            participant_id=participant_id,
            kind=AppointmentKind.GROUP,
            starts_at=NOW + timedelta(days=5),
        )
        nudged = Appointment(
            participant_id=participant_id,
            kind=AppointmentKind.PRESCRIBER_VISIT,
            starts_at=NOW + timedelta(days=1),
            nudged_at=NOW,
            location="Main St",
        )
        session.add_all([later, nudged])
        session.flush()
        return later.id, nudged.id


def test_an_appointment_answer_lands_on_the_nudged_appointment(
    db: Database, ids: tuple[int, int]
) -> None:
    later, nudged = _appointments(db, ids[0])
    custom = {"type": "appointment_answer", "answer": "cant_make_it", "reason": "no ride"}
    run(db, ids, {"peerline": custom})
    with db.session() as session:
        answered = session.get_one(Appointment, nudged)
        assert answered.status == AppointmentStatus.CANT_MAKE_IT
        assert answered.answer_reason == "no ride" and answered.answered_at == NOW
        assert session.get_one(Appointment, later).status == AppointmentStatus.SCHEDULED


def test_peer_requests_open_one_support_case_and_add_to_it(
    db: Database, ids: tuple[int, int]
) -> None:
    run(
        db,
        ids,
        {"peerline": {"type": "peer_request", "reason": "appointment", "barrier": "transport"}},
    )
    run(db, ids, {"peerline": {"type": "peer_request", "reason": "wants_peer"}})
    with db.session() as session:
        case = session.scalars(select(Case)).one()
    assert case.level == CaseLevel.SUPPORT
    assert case.reasons == ["appointment", "barrier:transport", "wants_peer"]


def test_context_records_what_the_bot_is_waiting_for(db: Database, ids: tuple[int, int]) -> None:
    run(db, ids, {"peerline": {"type": "context", "asked": "use"}})
    with db.session() as session:
        participant = session.get_one(Participant, ids[0])
        assert (participant.awaiting_answer, participant.awaiting_since) == ("use", NOW)


def test_next_appointment_is_told_in_the_participants_time_zone(
    db: Database, ids: tuple[int, int]
) -> None:
    _appointments(db, ids[0])
    with db.session() as session:
        upcoming = next_appointment(session, session.get_one(Participant, ids[0]), NOW)
    assert upcoming == {
        "at": "2026-11-24T09:00:00-06:00",
        "kind": "prescriber visit",
        "location": "Main St",
    }


def test_answers_with_a_key_update_one_checkin_as_they_are_given(
    db: Database, ids: tuple[int, int]
) -> None:
    def send(data: dict[str, Any], key: str = "k1") -> None:
        run(db, ids, {"peerline": {"type": "checkin", "key": key, "data": data}})

    send({"mood": 2, "complete": False})
    with db.session() as session:
        partial = session.scalars(select(CheckIn)).one()
        assert (partial.mood, partial.craving, partial.complete) == (2, None, False)
    send({"mood": 2, "craving": 9, "complete": False})
    send({"mood": None, "craving": 9, "use": "no", "barriers": ["work"], "complete": True})
    send({"mood": 5, "complete": False}, key="k2")  # the next check-in is its own record
    with db.session() as session:
        first, second = session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert (first.mood, first.craving, first.use, first.barriers) == (2, 9, "no", ["work"])
    assert first.complete and first.engine_key == "k1"
    assert second.mood == 5 and not second.complete


def test_a_move_to_another_day_is_recorded_as_the_requested_change(
    db: Database, ids: tuple[int, int]
) -> None:
    _later, nudged = _appointments(db, ids[0])
    custom = {
        "type": "appointment_answer",
        "answer": "reschedule",
        "reason": "work",
        "requested_for": "2026-11-30",
        "requested_week": True,
    }
    run(db, ids, {"peerline": custom})
    with db.session() as session:
        moved = session.get_one(Appointment, nudged)
        assert moved.status == AppointmentStatus.RESCHEDULE_REQUESTED
        assert moved.requested_for is not None and moved.requested_for.isoformat() == "2026-11-30"
        assert moved.requested_change == "move to the week of Mon Nov 30"
        assert moved.answer_reason == "work"
