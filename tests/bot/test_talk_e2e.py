"""Issue 14, as a participant feels it: texted in through the signed webhook, answered by
the real engine, read off the sandbox phone. One test per part of the issue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from console.views import check_ins, requested_changes
from escalation import cases
from messaging.sandbox import Sandbox
from peerline.engine_process import EngineProcesses
from records.db import Database
from records.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Case,
    CheckIn,
    StaffUser,
)
from records.participants import enrol
from tests.bot.test_checkin_e2e import SAM, converse, stored_checkins
from tests.conftest import RunningApp
from tests.support.records import rae_the_peer
from tests.support.waiting import wait_for

pytestmark = pytest.mark.engine

PEER_PHONE = "+12125550150"
ZONE = ZoneInfo("America/New_York")
MOOD_SCALE = "1 (rough) to 5 (great)"  # in every wording of the mood question
ASKS_BARRIERS = "getting in the way"


@pytest.fixture
def running(
    app_factory: Callable[..., RunningApp], engine: EngineProcesses, db: Database
) -> RunningApp:
    with db.session() as session:
        sam = enrol(session, phone=SAM, alias="Sam", timezone="America/New_York", consented_at=None)
        session.add(rae_the_peer(PEER_PHONE))
        session.add(
            Appointment(
                participant_id=sam.id,
                kind=AppointmentKind.COUNSELLING,
                starts_at=datetime.now(UTC) + timedelta(days=2),
            )
        )
    return app_factory(rasa_url=engine.url, rasa_token=engine.token)


def open_case(db: Database) -> Case | None:
    with db.session() as session:
        return session.scalars(select(Case)).first()


def test_answers_before_a_disclosure_are_kept_for_the_peer(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    converse(running, sandbox, "check in")
    converse(running, sandbox, "1")
    converse(running, sandbox, "9")
    converse(running, sandbox, "yes")  # to "any use?": the safety lane takes it to a peer
    case = wait_for(lambda: open_case(db), timeout=15, what="the case")
    [checkin] = stored_checkins(db)
    assert (checkin.mood, checkin.craving, checkin.complete) == (1, 9, False)
    with db.session() as session:  # what the case page shows the peer who takes it
        [row] = check_ins(session, case.participant_id, running.peerline.clock.now(), ZONE)
    assert (row.mood, row.craving, row.state) == ("1/5", "9/10", "partial")


def test_what_was_said_up_front_is_never_asked_and_the_end_reflects_it(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    converse(running, sandbox, "check in")
    asked = converse(
        running, sandbox, "mood 2, cravings 8, no use, took my meds, nothing in the way"
    )
    assert ASKS_BARRIERS not in asked
    assert "your peer" in asked  # the peer offer (its wording varies)
    done = converse(running, sandbox, "no")
    assert "hard" in done and "cravings" in done.lower()
    [checkin] = stored_checkins(db)
    assert checkin.complete and checkin.barriers == [] and checkin.craving == 8


def test_digressions_resume_once_then_offer_to_finish_later(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    converse(running, sandbox, "check in")
    first = converse(running, sandbox, "wait who is this")
    assert first.count(MOOD_SCALE) == 1
    second = converse(running, sandbox, "when is my next appointment")
    assert MOOD_SCALE not in second and "later" in second and "PEER" in second
    later = converse(running, sandbox, "3")  # the check-in goes on where it was
    assert "cravings" in later.lower()
    [checkin] = wait_for(lambda: stored_checkins(db), timeout=10, what="the partial record")
    assert checkin.mood == 3


def test_after_a_hand_back_the_conversation_starts_clean(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    converse(running, sandbox, "check in")
    converse(running, sandbox, "2")
    converse(running, sandbox, "7")
    converse(running, sandbox, "yes")
    case = wait_for(lambda: open_case(db), timeout=15, what="the case")
    with db.session() as session:
        case = session.get_one(Case, case.id)
        peer = session.scalars(select(StaffUser)).one()
        now = running.peerline.clock.now()
        assert cases.claim(session, case.id, peer, now).ok
        cases.hand_back(session, case, peer, now + timedelta(seconds=1))
    back = converse(running, sandbox, "ok thank you")
    assert "back with the automated helper" in back
    for stale in ("Any use", "used since", "YES or NO", "mood"):
        assert stale not in back, stale
    assert len(stored_checkins(db)) == 1  # the answers given before the case are kept


def test_moving_an_appointment_to_next_week_for_work_is_recorded_and_sent_to_a_peer(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    reply = converse(running, sandbox, "can i move my appointment to next week? i got work")
    assert "move it to the week of" in reply
    with db.session() as session:
        appointment = session.scalars(select(Appointment)).one()
        assert appointment.status == AppointmentStatus.RESCHEDULE_REQUESTED
        assert appointment.requested_change and "week of" in appointment.requested_change
        [case] = session.scalars(select(Case)).all()
        assert "asked to move an appointment" in case.reasons
        shown = requested_changes(session, case.participant_id, running.peerline.clock.now(), ZONE)
    assert shown and "work" in shown[0]


@pytest.mark.parametrize(
    "said,expected",
    [
        ("who can see these texts? my employer cant find out", "STOP"),
        ("30 days clean today 🎉", "ongratulations"),
        ("😢", "how you're feeling"),
        ("where can i get narcan to keep at home", "pharmac"),
        ("i already told you", "Sorry"),
    ],
)
def test_new_things_participants_say_are_understood(
    running: RunningApp, db: Database, sandbox: Sandbox, said: str, expected: str
) -> None:
    reply = converse(running, sandbox, said)
    assert expected in reply
    assert "didn't catch that" not in reply and "beyond me" not in reply


def test_declining_is_taken_kindly(running: RunningApp, db: Database, sandbox: Sandbox) -> None:
    converse(running, sandbox, "hi")
    reply = converse(running, sandbox, "not today")
    assert "didn't catch" not in reply and (
        "No problem" in reply or "pressure" in reply or "fine" in reply or "ready" in reply
    )
    with db.session() as session:
        assert session.scalars(select(CheckIn)).all() == []
