"""End to end with a real `rasa` process serving the trained model and its action server:
signed webhook -> gateway -> turn -> Rasa -> outbox -> real twilio client -> sandbox."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import func, select

from messaging.sandbox import Sandbox
from peerline.engine_process import EngineProcesses
from records.db import Database
from records.models import Direction, Message, MessageKind, TurnStatus
from records.participants import enrol
from tests.conftest import RunningApp
from tests.support.proxy import SwitchableProxy
from tests.support.twilio import inbound_params, phone_send, signed_post
from tests.support.waiting import wait_for

pytestmark = pytest.mark.engine

SAM = "+12125550101"
PARTICIPANTS = {
    SAM: "Sam",
    "+12125550102": "Alex",
    "+12125550103": "Jordan",
    "+12125550104": "Casey",
    "+12125550105": "Riley",
}


@pytest.fixture
def enrolled(db: Database) -> None:
    with db.session() as session:
        for phone, alias in PARTICIPANTS.items():
            enrol(session, phone=phone, alias=alias, timezone="America/New_York", consented_at=None)


@pytest.fixture
def engine_proxy(engine: EngineProcesses) -> Iterator[SwitchableProxy]:
    proxy = SwitchableProxy("127.0.0.1", engine.rasa_port)
    proxy.up()
    yield proxy
    proxy.down()


@pytest.fixture
def running(
    app_factory: Callable[..., RunningApp],
    engine: EngineProcesses,
    engine_proxy: SwitchableProxy,
    enrolled: None,
) -> RunningApp:
    return app_factory(rasa_url=engine_proxy.url, rasa_token=engine.token)


def text(app: RunningApp, sender: str, body: str, sid: str | None = None) -> httpx.Response:
    params = inbound_params(sender, body)
    if sid:
        params["MessageSid"] = sid
    return signed_post(app.url, "/sms/inbound", params, app.settings.auth_token)


def test_a_text_gets_the_engines_reply_on_the_phone(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    assert text(running, SAM, "hi").status_code == 200
    replies = wait_for(lambda: sandbox.messages_to(SAM), timeout=30, what="the engine's reply")
    # The greeting comes from a custom action that read the participant's alias from the
    # metadata the gateway passed, so this proves the whole path, actions included.
    assert "Sam" in replies[0].body
    with db.session() as session:
        kinds = session.scalars(select(Message.kind).where(Message.direction == Direction.OUTBOUND))
        assert set(kinds) == {MessageKind.REPLY}


def test_the_same_message_sid_twice_is_one_message_and_one_reply(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    params = inbound_params(SAM, "hello")
    for _ in range(2):
        signed_post(running.url, "/sms/inbound", params, running.settings.auth_token)
    first = wait_for(lambda: sandbox.messages_to(SAM), timeout=30, what="the reply")
    wait_for(lambda: _idle(db), what="everything to settle")
    with db.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.direction == Direction.INBOUND)
            )
            == 1
        )
    assert len(sandbox.messages_to(SAM)) == len(first)


def test_engine_down_the_text_is_kept_and_answered_when_it_is_back(
    running: RunningApp, db: Database, sandbox: Sandbox, engine_proxy: SwitchableProxy
) -> None:
    engine_proxy.down()
    response = text(running, SAM, "hey")
    assert response.status_code == 200 and "<Response>" in response.text

    def retried_once() -> bool:
        with db.session() as session:
            stored = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
            return stored is not None and stored.attempts >= 1

    wait_for(retried_once, timeout=15, what="a failed engine attempt")
    with db.session() as session:
        stored = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
        assert stored is not None and stored.turn_status == TurnStatus.PENDING
        assert stored.body == "hey"
    assert sandbox.messages_to(SAM) == []

    engine_proxy.up()
    wait_for(lambda: sandbox.messages_to(SAM), timeout=30, what="the reply after recovery")
    with db.session() as session:
        assert (
            session.scalar(
                select(Message.turn_status).where(Message.direction == Direction.INBOUND)
            )
            == TurnStatus.DONE
        )


def test_many_people_at_once_each_get_their_own_reply(
    running: RunningApp, sandbox: Sandbox
) -> None:
    for phone in PARTICIPANTS:
        text(running, phone, "hello")
    for phone, alias in PARTICIPANTS.items():
        replies = wait_for(
            lambda p=phone: sandbox.messages_to(p), timeout=60, what=f"a reply to {alias}"
        )
        assert alias in replies[0].body
        others = set(PARTICIPANTS.values()) - {alias}
        assert not any(other in r.body for r in replies for other in others)


def test_logs_carry_no_bodies_and_no_full_numbers(
    running: RunningApp, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "my landlord Quentin said"
    text(running, SAM, f"hi {secret}")
    text(running, "+12125550188", f"who is this {secret}")
    wait_for(
        lambda: sandbox.messages_to(SAM) and sandbox.messages_to("+12125550188"),
        timeout=30,
        what="both replies",
    )
    replies = [m.body for m in sandbox.messages]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert logged, "expected the gateway to log its work"
    for forbidden in [secret, "5550101", "5550188", *replies]:
        assert forbidden not in logged


def test_the_sandbox_phone_page_round_trip(
    app_factory: Callable[..., RunningApp],
    engine: EngineProcesses,
    engine_proxy: SwitchableProxy,
    enrolled: None,
) -> None:
    """What `make demo` offers: no Twilio credentials, the embedded sandbox and phone page."""
    demo = app_factory(
        twilio_account_sid=None,
        twilio_auth_token=None,
        twilio_api_base_url=None,
        twilio_from_number=None,
        rasa_url=engine_proxy.url,
        rasa_token=engine.token,
    )
    page = httpx.get(f"{demo.url}/sandbox/phone", params={"number": SAM})
    assert page.status_code == 200 and "<form" in page.text
    sent = phone_send(demo.url, data={"number": SAM, "body": "hi"}, timeout=20)
    assert sent.status_code < 300, sent.text

    def reply() -> list[dict[str, object]]:
        thread = httpx.get(f"{demo.url}/sandbox/phone/thread.json", params={"number": SAM}).json()
        items = thread["messages"] if isinstance(thread, dict) else thread
        return [m for m in items if m.get("direction") != "inbound"]

    replies = wait_for(reply, timeout=30, what="the reply on the sandbox phone")
    assert "Sam" in str(replies[0].get("body"))


def _idle(db: Database) -> bool:
    with db.session() as session:
        return not session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.turn_status == TurnStatus.PENDING)
        )
