"""The safety lane: a crisis text reaches a human within seconds, whatever else is happening.

Each test reproduces a fault a program meets in real life (the engine hung, the engine down
with the person's earlier text pending, a morning batch of routine texts, nobody on shift,
a sender who opted out or is not enrolled, a turn that keeps failing) and checks that the
crisis text still gets its case, its safety reply and its page, while the fault persists.
They run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select

from messaging.outbox import enqueue
from messaging.sandbox import Sandbox
from records.db import Database
from records.models import (
    Case,
    CaseEvent,
    CaseLevel,
    Direction,
    Message,
    MessageKind,
    OptOut,
    TurnStatus,
)
from records.participants import enrol
from tests.conftest import RunningApp
from tests.support.hung import HungServer
from tests.support.records import add_peer as support_add_peer
from tests.support.servers import serve_in_thread
from tests.support.stub_rasa import StubRasa
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

PEER_PHONE = "+12125550150"
ON_CALL = "+12125550159"
STRANGER = "+12125550177"
EMERGENCY = "my brother used and now hes not breathing, lips blue"
# Long enough that waiting on the engine anywhere on the safety path fails these tests.
SLOW_ENGINE = 60.0
SECONDS = 10.0  # a crisis must reach a human well inside this, with the fault still there


def person(i: int) -> str:
    return f"+1212555{i:04d}"


def enrol_people(db: Database, count: int) -> list[str]:
    phones = [person(100 + i) for i in range(count)]
    with db.session() as session:
        for i, phone in enumerate(phones):
            enrol(
                session, phone=phone, alias=f"P{i}", timezone="America/New_York", consented_at=None
            )
    return phones


def add_peer(db: Database, on_shift: bool = True) -> None:
    support_add_peer(db, PEER_PHONE, on_shift)


def text(app: RunningApp, sender: str, body: str) -> None:
    response = signed_post(
        app.url, "/sms/inbound", inbound_params(sender, body), app.settings.auth_token
    )
    assert response.status_code == 200


def case_for(db: Database, phone: str) -> Case | None:
    with db.session() as session:
        message = session.scalar(
            select(Message)
            .where(Message.phone == phone, Message.direction == Direction.INBOUND)
            .where(Message.case_id.is_not(None))
            .order_by(Message.id.desc())
        )
        return session.get(Case, message.case_id) if message and message.case_id else None


def crisis_reaches_a_human(db: Database, sandbox: Sandbox, phone: str) -> Case:
    """The case, the safety reply on the person's phone and the page on the peer's."""
    case = wait_for(lambda: case_for(db, phone), timeout=SECONDS, what="the case")
    wait_for(lambda: sandbox.messages_to(phone), timeout=SECONDS, what="the safety reply")
    wait_for(lambda: sandbox.messages_to(PEER_PHONE), timeout=SECONDS, what="the page")
    return case


@pytest.fixture
def hung() -> Iterator[HungServer]:
    server = HungServer()
    yield server
    server.close()


def test_engine_hung_others_waiting_a_crisis_still_reaches_a_human(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox, hung: HungServer
) -> None:
    phones = enrol_people(db, 11)
    add_peer(db)
    app = app_factory(rasa_url=hung.url, rasa_timeout_seconds=SLOW_ENGINE)
    for phone in phones[:10]:
        text(app, phone, "hey just checking in, kind of a long day")
    wait_for(lambda: hung.connections >= 8, timeout=SECONDS, what="turns stuck in the engine")
    text(app, phones[10], EMERGENCY)
    case = crisis_reaches_a_human(db, sandbox, phones[10])
    assert case.level == CaseLevel.EMERGENCY
    assert "911" in sandbox.messages_to(phones[10])[0].body
    with db.session() as session:
        routine = session.scalars(
            select(Message.turn_status).where(
                Message.direction == Direction.INBOUND, Message.phone.in_(phones[:10])
            )
        ).all()
    assert set(routine) == {TurnStatus.PENDING}, "the engine is still hung for everyone else"


def test_a_hung_engine_is_not_asked_for_second_opinions_it_cannot_give_in_time(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox, hung: HungServer
) -> None:
    """A saturated engine still does the work of an answer that arrives too late to count:
    after two late answers in a row the lane stops asking for a while, and a crisis still
    reaches a human on the engine-free screen."""
    phones = enrol_people(db, 9)
    add_peer(db)
    app = app_factory(
        rasa_url=hung.url, rasa_timeout_seconds=SLOW_ENGINE, safety_engine_budget_seconds=0.3
    )
    late = app.peerline.lane.late_engine
    for phone in phones[:2]:
        text(app, phone, "hey just checking in, kind of a long day")
    wait_for(lambda: app.peerline.lane.opinions_pending == 0, timeout=SECONDS, what="two asks")
    for phone in phones[2:8]:
        text(app, phone, "doing alright, the usual")
    wait_for(lambda: late.skipped >= 6, timeout=SECONDS, what="the next six not asked")
    text(app, phones[8], EMERGENCY)
    case = crisis_reaches_a_human(db, sandbox, phones[8])
    assert case.level == CaseLevel.EMERGENCY
    assert late.skipped >= 6


def test_asks_still_waiting_when_the_engine_went_late_are_not_sent(
    app_factory: Callable[..., RunningApp], db: Database
) -> None:
    """A crowd's texts arrive together and their second opinions queue behind the first two.
    The engine answers those, but late: the queued ones are then dropped, not sent to an
    engine that would do their work for nobody while every reply waits behind it."""
    phones = enrol_people(db, 12)
    busy = StubRasa("busy", parse_delay=0.95)  # answers, after 0.9 of the budget
    with serve_in_thread(busy.app()) as url:
        app = app_factory(rasa_url=url, safety_engine_budget_seconds=1.0)
        for phone in phones:
            text(app, phone, "doing alright, the usual")
        lane = app.peerline.lane
        wait_for(lambda: lane.late_engine.skipped >= 9, timeout=SECONDS, what="queued asks")
        wait_for(lambda: lane.opinions_pending == 0, timeout=SECONDS, what="no ask left")
    # the two it had, and at most one a worker took up between the two late answers
    assert busy.parsed <= 3, f"{busy.parsed} of 12 asks sent to an engine known to be late"


def test_engine_down_and_an_earlier_text_pending_the_crisis_is_not_behind_it(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox
) -> None:
    [sam] = enrol_people(db, 1)
    add_peer(db)
    app = app_factory(turn_retry_seconds=300)  # rasa_url refuses: the engine is down
    text(app, sam, "hi")
    wait_for(lambda: _attempts(db, sam) >= 1, timeout=SECONDS, what="the first turn to fail")
    text(app, sam, "i want to kill myself tonight, i have the pills right here")
    case = crisis_reaches_a_human(db, sandbox, sam)
    assert case.level == CaseLevel.EMERGENCY
    reply = sandbox.messages_to(sam)[0].body
    assert reply.index("988") < reply.index("911"), "suicide wording: 988 first"
    assert "distance between you" in reply and "naloxone" not in reply.lower()
    with db.session() as session:
        hi = session.scalars(
            select(Message).where(Message.phone == sam, Message.body == "hi")
        ).one()
    assert hi.turn_status == TurnStatus.PENDING, "the earlier text still waits for the engine"


def _attempts(db: Database, phone: str) -> int:
    with db.session() as session:
        message = session.scalar(
            select(Message).where(Message.phone == phone, Message.direction == Direction.INBOUND)
        )
        return message.attempts if message else 0


def test_a_morning_batch_of_routine_texts_never_delays_the_safety_reply(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox
) -> None:
    [sam] = enrol_people(db, 1)
    add_peer(db)
    app = app_factory(send_rate_per_second=1.0)
    now = app.peerline.clock.now()
    with db.session() as session:
        for i in range(300):
            enqueue(
                session,
                phone=person(1000 + i),
                body="Good morning! Time for a quick check-in?",
                kind=MessageKind.NUDGE,
                now=now,
                max_segments=3,
            )
    app.peerline.wake_outbox()
    text(app, sam, EMERGENCY)
    crisis_reaches_a_human(db, sandbox, sam)
    routine_sent = [m for m in sandbox.messages if "check-in" in m.body]
    assert len(routine_sent) < 20, "the safety texts went before the queued batch"
    first_safety = min(m.seq for m in sandbox.messages if m.to in (sam, PEER_PHONE))
    assert sum(1 for m in routine_sent if m.seq < first_safety) < 20


def test_nobody_on_shift_and_no_on_call_the_reply_is_honest_and_the_console_says_so(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox
) -> None:
    [sam] = enrol_people(db, 1)
    add_peer(db, on_shift=False)
    app = app_factory()  # no ON_CALL_NUMBER
    text(app, sam, EMERGENCY)
    [reply] = wait_for(lambda: sandbox.messages_to(sam), timeout=SECONDS, what="the reply")
    assert "No one from our team can answer right now" in reply.body
    assert "alerted" not in reply.body and "paged" not in reply.body
    assert "911" in reply.body
    case = wait_for(lambda: case_for(db, sam), timeout=SECONDS, what="the case")
    assert case.paged_to == "nobody"
    with db.session() as session:
        paged = session.scalars(
            select(CaseEvent.detail).where(CaseEvent.case_id == case.id, CaseEvent.kind == "paged")
        ).all()
    assert paged == ["nobody: no one on shift or on call"]
    assert sandbox.messages_to(PEER_PHONE) == []


def test_an_opted_out_participant_in_crisis_gets_a_case_and_a_page_but_no_text(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox
) -> None:
    [sam] = enrol_people(db, 1)
    add_peer(db)
    with db.session() as session:
        session.add(OptOut(phone=sam, source="keyword"))
    app = app_factory(on_call_number=ON_CALL)
    text(app, sam, "took a bunch of pills, i dont want to be here anymore")
    case = wait_for(lambda: case_for(db, sam), timeout=SECONDS, what="the case")
    wait_for(lambda: sandbox.messages_to(PEER_PHONE), timeout=SECONDS, what="the page")
    assert case.level in (CaseLevel.URGENT, CaseLevel.EMERGENCY)
    with db.session() as session:
        kinds = session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.id)).all()
        to_sam = session.scalars(
            select(Message).where(Message.phone == sam, Message.direction == Direction.OUTBOUND)
        ).all()
    assert "not_texted" in kinds and to_sam == [], "the carrier refuses texts after STOP"


def test_an_unknown_number_in_crisis_gets_the_safety_reply_a_case_and_a_page(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox
) -> None:
    add_peer(db)
    app = app_factory(on_call_number=ON_CALL)
    text(app, STRANGER, "found my friend on the floor not breathing, what do i do")
    case = crisis_reaches_a_human(db, sandbox, STRANGER)
    assert case.participant_id is None and case.phone == STRANGER
    replies = sandbox.messages_to(STRANGER)
    assert "911" in replies[0].body
    wait_for(lambda: _turns_done(db, STRANGER), timeout=SECONDS, what="the turn")
    assert len(sandbox.messages_to(STRANGER)) == 1, "no 'we don't know this number' on top"
    text(app, STRANGER, "ok he is breathing now")
    wait_for(lambda: _turns_done(db, STRANGER) == 2, timeout=SECONDS, what="the second turn")
    with db.session() as session:
        threaded = session.scalars(
            select(Message.case_id).where(
                Message.phone == STRANGER, Message.direction == Direction.INBOUND
            )
        ).all()
    assert threaded == [case.id, case.id], "their texts join the case thread for the peer"


def _turns_done(db: Database, phone: str) -> int:
    with db.session() as session:
        return len(
            session.scalars(
                select(Message.id).where(
                    Message.phone == phone,
                    Message.direction == Direction.INBOUND,
                    Message.turn_status == TurnStatus.DONE,
                )
            ).all()
        )


def test_stop_help_and_start_are_carrier_words_not_crises(
    app_factory: Callable[..., RunningApp], db: Database, sandbox: Sandbox
) -> None:
    [sam] = enrol_people(db, 1)
    add_peer(db)
    app = app_factory(on_call_number=ON_CALL)
    for word in ("HELP", "help!!", "STOP"):
        text(app, sam, word)
    wait_for(lambda: _turns_done(db, sam) == 3, timeout=SECONDS, what="three turns")
    with db.session() as session:
        assert session.scalars(select(Case)).all() == []
