"""A whole check-in by text, through the gateway and the real engine, ending as a record."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from messaging.sandbox import Sandbox
from peerline.engine_process import EngineProcesses
from records.db import Database
from records.models import CheckIn
from records.participants import enrol
from tests.conftest import RunningApp
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

pytestmark = pytest.mark.engine

SAM = "+12125550101"


@pytest.fixture
def running(
    app_factory: Callable[..., RunningApp], engine: EngineProcesses, db: Database
) -> RunningApp:
    with db.session() as session:
        enrol(session, phone=SAM, alias="Sam", timezone="America/New_York", consented_at=None)
    return app_factory(rasa_url=engine.url, rasa_token=engine.token)


def converse(app: RunningApp, sandbox: Sandbox, body: str) -> str:
    """Text the bot and return everything it said back, once it has answered."""
    before = len(sandbox.messages_to(SAM))
    signed_post(app.url, "/sms/inbound", inbound_params(SAM, body), app.settings.auth_token)
    wait_for(lambda: len(sandbox.messages_to(SAM)) > before, timeout=30, what=f"reply to {body!r}")
    wait_for(lambda: _quiet(app), timeout=10, what="the turn to finish")
    return " / ".join(m.body for m in sandbox.messages_to(SAM)[before:])


def _quiet(app: RunningApp) -> bool:
    from sqlalchemy import func

    from records.models import Message, MessageStatus, TurnStatus

    with app.peerline.db.session() as session:
        return not session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                (Message.turn_status == TurnStatus.PENDING)
                | Message.status.in_([MessageStatus.PENDING, MessageStatus.SENDING])
            )
        )


def stored_checkins(db: Database) -> list[CheckIn]:
    with db.session() as session:
        return list(session.scalars(select(CheckIn)))


def test_a_full_checkin_by_text_is_stored(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    first = converse(running, sandbox, "can we do my check in")
    assert first, "the bot should start the check-in"
    converse(running, sandbox, "mood 4 cravings 2 no use took my dose")
    # Answer whatever is still asked (barriers, reaching out) until the record is complete;
    # it exists from the first answer on (answers are stored as they are given).
    for answer in ["no problems this week", "no thanks", "no", "no"]:
        if any(c.complete for c in stored_checkins(db)):
            break
        converse(running, sandbox, answer)
    [checkin] = wait_for(lambda: stored_checkins(db), timeout=10, what="the check-in record")
    assert checkin.mood == 4
    assert checkin.craving == 2
    assert checkin.use is not None and checkin.use.lower().startswith("n")
    assert checkin.complete


def test_stopping_halfway_keeps_a_partial_checkin(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    converse(running, sandbox, "check in")
    converse(running, sandbox, "3")
    converse(running, sandbox, "not now, later")
    [checkin] = wait_for(lambda: stored_checkins(db), timeout=10, what="a partial check-in")
    assert not checkin.complete
