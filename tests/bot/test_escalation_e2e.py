"""The safety path end to end with a real rasa process: an emergency text, the case, the
page, the bot standing aside, the peer's reply, and the bot resuming after hand-back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from escalation import cases
from messaging.sandbox import Sandbox
from peerline.engine_process import EngineProcesses
from records.db import Database
from records.models import Case, Direction, Message, StaffUser, TurnStatus
from tests.conftest import RunningApp
from tests.support.records import sam_and_a_peer_on_shift
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

pytestmark = pytest.mark.engine

SAM = "+12125550101"
PEER_PHONE = "+12125550150"


@pytest.fixture
def running(
    app_factory: Callable[..., RunningApp], engine: EngineProcesses, db: Database
) -> RunningApp:
    sam_and_a_peer_on_shift(db, SAM, PEER_PHONE)
    return app_factory(rasa_url=engine.url, rasa_token=engine.token)


def text(app: RunningApp, body: str) -> None:
    signed_post(app.url, "/sms/inbound", inbound_params(SAM, body), app.settings.auth_token)


def inbound(db: Database) -> list[Message]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Message)
                .where(
                    Message.direction == Direction.INBOUND, Message.turn_status == TurnStatus.DONE
                )
                .order_by(Message.id)
            )
        )


def test_emergency_peer_takes_over_then_hands_back(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(running, "sams not breathing after he used, what do i do")
    safety = wait_for(lambda: sandbox.messages_to(SAM), timeout=30, what="the safety reply")
    assert "911" in safety[0].body
    wait_for(lambda: sandbox.messages_to(PEER_PHONE), timeout=10, what="the page")
    with db.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.pauses_bot
        peer = session.scalars(select(StaffUser)).one()
        assert cases.claim(session, case.id, peer, running.peerline.clock.now()).ok
        cases.reply(
            session,
            case,
            peer,
            "Rae here, a peer. Is he breathing now?",
            running.peerline.clock.now(),
            3,
        )
    running.peerline.outbox_loop.wake()
    wait_for(
        lambda: any("Rae here" in m.body for m in sandbox.messages_to(SAM)),
        timeout=10,
        what="the peer's text on the participant's phone",
    )

    sent_before = len(sandbox.messages_to(SAM))
    text(running, "hi yes he is breathing now, ambulance came")
    wait_for(lambda: len(inbound(db)) == 2, timeout=15, what="the second turn")
    assert inbound(db)[1].case_id == case.id, "the text joined the case thread"
    assert len(sandbox.messages_to(SAM)) == sent_before, "the bot stayed quiet"

    with db.session() as session:
        case = session.get_one(Case, case.id)
        peer = session.scalars(select(StaffUser)).one()
        cases.hand_back(session, case, peer, running.peerline.clock.now())
    text(running, "hi")
    after = wait_for(
        lambda: (
            len(sandbox.messages_to(SAM)) > sent_before + 1
            and sandbox.messages_to(SAM)[sent_before:]
        ),
        timeout=30,
        what="the bot's replies after hand-back",
    )
    assert "back with the automated helper" in after[0].body  # a clean start, said once
    assert "Sam" in after[1].body
    assert inbound(db)[2].case_id is None
