"""Crisis words in a non-crisis, through the real path (issue 14): the webhook, the safety
lane, the real rasa engine's second opinion and the conversation. A long text that says the
person did not use, a past use told with regret, and a naloxone question open no urgent case
and get no rescue script; the emergencies that look like them still do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from messaging.sandbox import Sandbox
from peerline.engine_process import EngineProcesses
from records.db import Database
from records.models import Case, CaseLevel, Direction, Message, TurnStatus
from tests.conftest import RunningApp
from tests.support.records import sam_and_a_peer_on_shift
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

pytestmark = pytest.mark.engine

SAM = "+12125550102"
PEER_PHONE = "+12125550151"
RESCUE = "rescue breaths"


@pytest.fixture
def running(
    app_factory: Callable[..., RunningApp], engine: EngineProcesses, db: Database
) -> RunningApp:
    sam_and_a_peer_on_shift(db, SAM, PEER_PHONE)
    return app_factory(rasa_url=engine.url, rasa_token=engine.token)


def settled(app: RunningApp, db: Database, body: str) -> None:
    """Text Sam's message and wait until the screen, the engine's second opinion and the
    turn are all done."""
    signed_post(app.url, "/sms/inbound", inbound_params(SAM, body), app.settings.auth_token)

    def done() -> bool:
        with db.session() as session:
            turn = session.scalars(
                select(Message.turn_status).where(Message.direction == Direction.INBOUND)
            ).one()
        return turn != TurnStatus.PENDING and app.peerline.lane.opinions_pending == 0

    wait_for(done, timeout=60, what="the screen, the engine's opinion and the turn")


def case_level(db: Database) -> CaseLevel | None:
    with db.session() as session:
        case = session.scalars(select(Case)).one_or_none()
        return case.level if case is not None else None


@pytest.mark.parametrize(
    "body",
    [
        "It's been a crazy month with the rent and the new bus schedule and court, but I'm "
        "proud to say I have not used and have not drank at all",
        "if someone is overdosing do I spray the narcan first or call 911 first? asking so I know",
        "Where can I get naloxone to keep at home?",
    ],
)
def test_a_denial_or_a_question_opens_no_urgent_case(
    running: RunningApp, db: Database, sandbox: Sandbox, body: str
) -> None:
    settled(running, db, body)
    assert case_level(db) in (None, CaseLevel.SUPPORT)
    replies = wait_for(lambda: sandbox.messages_to(SAM), timeout=10, what="the bot's reply")
    assert not any(RESCUE in m.body or "Call 911 now" in m.body for m in replies)


@pytest.mark.parametrize(
    "body",
    [
        "I used last night and I feel like garbage about it",
        "I took a couple pills last night and now I feel like death",
    ],
)
def test_a_past_use_told_with_regret_is_urgent_with_a_use_reply(
    running: RunningApp, db: Database, sandbox: Sandbox, body: str
) -> None:
    settled(running, db, body)
    assert case_level(db) == CaseLevel.URGENT
    safety = wait_for(lambda: sandbox.messages_to(SAM), timeout=10, what="the safety reply")
    assert "no judgement" in safety[0].body, "the reply for a return to use"
    assert not any(RESCUE in m.body for m in sandbox.messages_to(SAM))


@pytest.mark.parametrize(
    "body",
    [
        "He's not breathing, where is the narcan",
        "I just used and I feel really weird, my chest is tight and I can barely keep my eyes open",
    ],
)
def test_an_overdose_under_way_is_still_an_emergency(
    running: RunningApp, db: Database, sandbox: Sandbox, body: str
) -> None:
    settled(running, db, body)
    assert case_level(db) == CaseLevel.EMERGENCY
    safety = wait_for(lambda: sandbox.messages_to(SAM), timeout=10, what="the safety reply")
    assert "Call 911 now" in safety[0].body and "naloxone" in safety[0].body
    wait_for(lambda: sandbox.messages_to(PEER_PHONE), timeout=10, what="the page")


def test_suicidal_words_after_a_use_still_reach_a_human_with_988(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    settled(running, db, "i used last night and honestly i dont want to wake up tomorrow")
    assert case_level(db) in (CaseLevel.URGENT, CaseLevel.EMERGENCY)
    safety = wait_for(lambda: sandbox.messages_to(SAM), timeout=10, what="the safety reply")
    assert "988" in safety[0].body
    assert RESCUE not in safety[0].body
