"""The safety path: screen, case, safety reply, paging, the bot standing aside, the queue.

These run with the engine unreachable on purpose: a crisis must reach a human whatever
state the dialogue engine is in."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from escalation import cases
from escalation.escalate import Policy, repage_overdue
from messaging.sandbox import Sandbox
from records.clock import ManualClock
from records.db import Database
from records.models import (
    Case,
    CaseEvent,
    CaseLevel,
    CaseOutcome,
    CaseStatus,
    Direction,
    Message,
    MessageKind,
    StaffRole,
    StaffUser,
    TurnStatus,
)
from records.participants import enrol
from tests.conftest import RunningApp
from tests.support.cases import open_case
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

SAM = "+12125550101"
PEER_PHONE = "+12125550150"
SUPERVISOR_PHONE = "+12125550151"
ON_CALL = "+12125550159"


def add_staff(db: Database, email: str, role: StaffRole, phone: str | None, on_shift: bool) -> int:
    with db.session() as session:
        staff = StaffUser(
            email=email, display_name=email.split("@")[0], role=role, phone=phone, on_shift=on_shift
        )
        session.add(staff)
        session.flush()
        return staff.id


@pytest.fixture
def people(db: Database) -> None:
    with db.session() as session:
        enrol(session, phone=SAM, alias="Sam", timezone="America/New_York", consented_at=None)
    add_staff(db, "rae@peers.example", StaffRole.PEER, PEER_PHONE, on_shift=True)
    add_staff(db, "lee@peers.example", StaffRole.SUPERVISOR, SUPERVISOR_PHONE, on_shift=False)


@pytest.fixture
def running(app_factory: Callable[..., RunningApp], people: None) -> RunningApp:
    return app_factory(on_call_number=ON_CALL)  # rasa_url points nowhere: the engine is down


def text(app: RunningApp, body: str, sender: str = SAM) -> None:
    response = signed_post(
        app.url, "/sms/inbound", inbound_params(sender, body), app.settings.auth_token
    )
    assert response.status_code == 200


def live_case(db: Database) -> Case:
    with db.session() as session:
        return session.scalars(select(Case)).one()


def test_an_emergency_gets_safety_steps_a_case_and_a_page_with_the_engine_down(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(running, "my boyfriend isnt breathing and his lips are blue")
    reply = wait_for(lambda: sandbox.messages_to(SAM), timeout=15, what="the safety reply")[0]
    for must in ("911", "naloxone", "breath", "peer is being alerted"):
        assert must in reply.body.lower(), "an overdose happening: 911, naloxone, breathing"
    page = wait_for(lambda: sandbox.messages_to(PEER_PHONE), what="the page")[0]
    case = live_case(db)
    assert case.level == CaseLevel.EMERGENCY and case.pauses_bot
    assert f"#{case.id}" in page.body
    for phi in ("Sam", "breathing", "5550101", "blue"):
        assert phi not in page.body, "pages carry no PHI"
    with db.session() as session:
        kinds = list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)))
    assert kinds[:2] == ["opened", "paged"]


def test_an_urgent_text_says_when_a_peer_will_reach_out(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(running, "honestly i just want to die, everyone would be better off")
    reply = wait_for(lambda: sandbox.messages_to(SAM), timeout=15, what="the urgent reply")[0]
    assert "988" in reply.body and "15 minutes" in reply.body
    assert live_case(db).level == CaseLevel.URGENT


def test_while_a_case_is_open_texts_go_to_its_thread_not_the_engine(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(running, "i relapsed last night and im using alone rn")
    wait_for(lambda: sandbox.messages_to(SAM), timeout=15, what="the safety reply")
    text(running, "are you there")

    def threaded() -> list[Message]:
        with db.session() as session:
            return list(
                session.scalars(
                    select(Message).where(
                        Message.direction == Direction.INBOUND,
                        Message.turn_status == TurnStatus.DONE,
                    )
                )
            )

    messages = wait_for(lambda: len(threaded()) == 2 and threaded(), what="both turns")
    case = live_case(db)
    assert [m.case_id for m in messages] == [case.id, case.id]
    # With the engine down a normal turn would be pending for a retry; these were not.


def test_a_second_risky_text_adds_to_the_case_and_raises_it(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(running, "been thinking about killing myself")
    wait_for(lambda: sandbox.messages_to(SAM), timeout=15, what="the urgent reply")
    text(running, "i took all my pills just now")
    wait_for(lambda: len(sandbox.messages_to(SAM)) >= 2, timeout=15, what="the emergency reply")
    case = live_case(db)
    assert case.level == CaseLevel.EMERGENCY
    assert "911" in sandbox.messages_to(SAM)[1].body


def test_idioms_open_no_case(running: RunningApp, db: Database) -> None:
    text(running, "this traffic is killing me, dying to see my kids")
    wait_for(lambda: _attempted(db), timeout=15, what="the turn to run")
    with db.session() as session:
        assert session.scalars(select(Case)).all() == []


def _attempted(db: Database) -> bool:
    with db.session() as session:
        message = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
        return message is not None and message.attempts >= 1


def test_with_nobody_on_shift_the_on_call_is_paged_and_the_person_told_honestly(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox
) -> None:
    with db.session() as session:
        enrol(session, phone=SAM, alias="Sam", timezone="America/New_York", consented_at=None)
    app = app_factory(on_call_number=ON_CALL)
    text(app, "my friend od'd and wont wake up")
    wait_for(lambda: sandbox.messages_to(ON_CALL), timeout=15, what="the on-call page")
    [reply] = wait_for(lambda: sandbox.messages_to(SAM), timeout=15, what="the honest reply")
    assert "No peer is on shift right now, so our on-call person has been paged" in reply.body
    assert "911" in reply.body and "peer is being alerted" not in reply.body


# --- the queue, without HTTP ---------------------------------------------------------


@pytest.fixture
def participant_ids(db: Database) -> list[int]:
    with db.session() as session:
        return [
            enrol(
                session, phone=f"+1212555012{i}", alias=f"P{i}", timezone="UTC", consented_at=None
            ).id
            for i in range(4)
        ]


def _open(db: Database, participant_id: int, level: CaseLevel, clock: ManualClock) -> int:
    return open_case(db, participant_id, level, clock.now())


def test_queue_is_ordered_by_priority_then_age(
    db: Database, participant_ids: list[int], clock: ManualClock
) -> None:
    support = _open(db, participant_ids[0], CaseLevel.SUPPORT, clock)
    clock.advance(minutes=1)
    urgent_old = _open(db, participant_ids[1], CaseLevel.URGENT, clock)
    clock.advance(minutes=1)
    emergency = _open(db, participant_ids[2], CaseLevel.EMERGENCY, clock)
    clock.advance(minutes=1)
    urgent_new = _open(db, participant_ids[3], CaseLevel.URGENT, clock)
    with db.session() as session:
        assert [c.id for c in cases.queue(session)] == [emergency, urgent_old, urgent_new, support]


def test_two_peers_claiming_at_once_exactly_one_wins(
    db: Database, participant_ids: list[int], clock: ManualClock
) -> None:
    peers = [add_staff(db, f"peer{i}@peers.example", StaffRole.PEER, None, True) for i in range(8)]
    for round_ in range(3):
        case_id = _open(db, participant_ids[round_], CaseLevel.URGENT, clock)
        barrier = threading.Barrier(len(peers))
        results: list[bool] = []

        def claim(
            staff_id: int,
            case_id: int = case_id,
            barrier: threading.Barrier = barrier,
            results: list[bool] = results,
        ) -> None:
            barrier.wait()
            with db.session() as session:
                staff = session.get_one(StaffUser, staff_id)
                results.append(cases.claim(session, case_id, staff, clock.now()).ok)

        threads = [threading.Thread(target=claim, args=(p,)) for p in peers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results.count(True) == 1, results
        with db.session() as session:
            assert session.get_one(Case, case_id).status == CaseStatus.CLAIMED


def test_a_peer_cannot_hold_more_than_the_cap(
    db: Database, participant_ids: list[int], clock: ManualClock
) -> None:
    peer = add_staff(db, "cap@peers.example", StaffRole.PEER, None, True)
    ids = [_open(db, pid, CaseLevel.URGENT, clock) for pid in participant_ids[:3]]
    with db.session() as session:
        staff = session.get_one(StaffUser, peer)
        outcomes = [cases.claim(session, case_id, staff, clock.now()) for case_id in ids]
    assert [o.ok for o in outcomes] == [True, True, False]
    assert outcomes[2].reason == "cap"


def test_unclaimed_cases_are_repaged_on_time(
    db: Database, participant_ids: list[int], clock: ManualClock, people: None
) -> None:
    policy = Policy(on_call_number=ON_CALL)
    emergency = open_case(db, participant_ids[0], CaseLevel.EMERGENCY, clock.now(), policy=policy)
    urgent = open_case(db, participant_ids[1], CaseLevel.URGENT, clock.now(), policy=policy)
    checks = {}
    for minutes in (1, 1, 8):
        clock.advance(minutes=minutes)
        with db.session() as session:
            checks[minutes, len(checks)] = repage_overdue(session, policy, clock.now())
    assert list(checks.values()) == [[], [emergency], [emergency, urgent]]
    with db.session() as session:
        pages = list(
            session.scalars(
                select(Message.phone).where(
                    Message.case_id == emergency, Message.kind == MessageKind.PAGE
                )
            )
        )
    assert pages.count(SUPERVISOR_PHONE) == 2, "the supervisor is paged on each re-page"


def test_claimed_cases_are_not_repaged(
    db: Database, participant_ids: list[int], clock: ManualClock, people: None
) -> None:
    case_id = _open(db, participant_ids[0], CaseLevel.EMERGENCY, clock)
    with db.session() as session:
        peer = session.scalars(select(StaffUser).where(StaffUser.role == StaffRole.PEER)).first()
        assert peer is not None and cases.claim(session, case_id, peer, clock.now()).ok
    clock.advance(minutes=30)
    with db.session() as session:
        assert repage_overdue(session, Policy(), clock.now()) == []


def test_hand_back_and_resolve_are_recorded(
    db: Database, participant_ids: list[int], clock: ManualClock, people: None
) -> None:
    case_id = _open(db, participant_ids[0], CaseLevel.URGENT, clock)
    with db.session() as session:
        peer = session.scalars(select(StaffUser).where(StaffUser.role == StaffRole.PEER)).one()
        case = session.get_one(Case, case_id)
        cases.claim(session, case_id, peer, clock.now())
        cases.reply(session, case, peer, "I'm here. Are you safe right now?", clock.now(), 3)
        cases.hand_back(session, case, peer, clock.now())
        assert cases.pausing_case(session, participant_ids[0]) is None
        fidelity = {"safety_assessed": True, "naloxone_discussed": True}
        cases.resolve(session, case, peer, CaseOutcome.SAFE, fidelity, "ok", clock.now())
        cases.resolve(session, case, peer, CaseOutcome.NO_RESPONSE, {}, "", clock.now())
        kinds = list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id)))
        assert case.outcome == CaseOutcome.SAFE and case.fidelity["safety_assessed"]
        assert not case.fidelity["moud_discussed"]
    assert kinds == ["opened", "paged", "claimed", "replied", "handed_back", "resolved"]
