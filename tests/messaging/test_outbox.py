"""The outbox with the real twilio client against the sandbox Twilio server, and a clock
that moves only when told, so backoff is tested without sleeping."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from messaging import segments
from messaging.outbox import OutboxSender, enqueue
from messaging.sandbox import Sandbox
from messaging.twilio_client import build_twilio_client
from records.clock import Clock, ManualClock
from records.db import Database
from records.models import Message, MessageKind, MessageStatus, OptOut
from records.settings import Settings
from tests.conftest import SandboxServer, make_settings

SAM = "+12125550101"
ALEX = "+12125550102"


@pytest.fixture
def settings(db: Database, sandbox_server: SandboxServer) -> Settings:
    return make_settings(
        str(db.engine.url.render_as_string(hide_password=False)),
        sandbox_server.url,
        outbox_backoff_seconds=2.0,
        outbox_backoff_max_seconds=60.0,
        outbox_max_attempts=4,
    )


@pytest.fixture
def sender(db: Database, settings: Settings, clock: ManualClock) -> OutboxSender:
    return OutboxSender(db, build_twilio_client(settings), settings, clock)


def queue(
    db: Database,
    clock: Clock,
    phone: str,
    body: str,
    kind: MessageKind = MessageKind.REPLY,
    max_segments: int = 3,
) -> int:
    with db.session() as session:
        return enqueue(
            session, phone=phone, body=body, kind=kind, now=clock.now(), max_segments=max_segments
        ).id


def row(db: Database, message_id: int) -> Message:
    with db.session() as session:
        return session.get_one(Message, message_id)


def test_sends_through_the_real_client(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox, settings: Settings
) -> None:
    message_id = queue(db, clock, SAM, "See you Tuesday.")
    assert sender.send_due() == 1
    [sent] = sandbox.messages_to(SAM)
    assert sent.body == "See you Tuesday." and sent.from_ == settings.twilio_from_number
    stored = row(db, message_id)
    assert stored.status == MessageStatus.QUEUED and stored.twilio_sid == sent.sid


@pytest.mark.parametrize(("status", "code"), [(500, 20500), (503, 20503), (429, 20429)])
def test_server_errors_and_rate_limits_are_retried_with_backoff(
    db: Database,
    sender: OutboxSender,
    clock: ManualClock,
    sandbox: Sandbox,
    status: int,
    code: int,
) -> None:
    sandbox.script_failure(status, code, "try later", count=2)
    message_id = queue(db, clock, SAM, "hello")
    sender.send_due()
    first = row(db, message_id)
    assert first.status == MessageStatus.PENDING and first.error_code == code
    assert sender.send_due() == 0, "not due again before the backoff has passed"
    clock.advance(seconds=2)
    sender.send_due()  # second failure: backoff doubles to 4 s
    clock.advance(seconds=3)
    assert sender.send_due() == 0
    clock.advance(seconds=1)
    assert sender.send_due() == 1
    assert row(db, message_id).status == MessageStatus.QUEUED
    assert sandbox.create_attempts == 3 and len(sandbox.messages_to(SAM)) == 1


def test_gives_up_after_max_attempts(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    sandbox.script_failure(500, 20500, "down", count=10)
    message_id = queue(db, clock, SAM, "hello")
    for _ in range(6):
        sender.send_due()
        clock.advance(seconds=120)
    assert row(db, message_id).status == MessageStatus.FAILED
    assert sandbox.create_attempts == 4


def test_21610_is_not_retried_and_opts_the_number_out(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    sandbox.script_failure(400, 21610, "Attempt to send to unsubscribed recipient")
    first = queue(db, clock, SAM, "hello")
    sender.send_due()
    clock.advance(minutes=10)
    sender.send_due()
    assert sandbox.create_attempts == 1
    assert row(db, first).status == MessageStatus.FAILED and row(db, first).error_code == 21610
    with db.session() as session:
        assert session.get_one(OptOut, SAM).source == "carrier"
    later = queue(db, clock, SAM, "a later nudge")
    sender.send_due()
    assert row(db, later).status == MessageStatus.SUPPRESSED and sandbox.create_attempts == 1


def test_invalid_number_21211_is_not_retried(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    sandbox.script_failure(400, 21211, "Invalid 'To' Phone Number")
    message_id = queue(db, clock, SAM, "hello")
    sender.send_due()
    clock.advance(minutes=10)
    sender.send_due()
    assert sandbox.create_attempts == 1 and row(db, message_id).status == MessageStatus.FAILED


def test_network_error_is_retried(db: Database, settings: Settings, clock: ManualClock) -> None:
    broken = settings.model_copy(update={"twilio_api_base_url": "http://127.0.0.1:9"})
    sender = OutboxSender(db, build_twilio_client(broken), broken, clock)
    message_id = queue(db, clock, SAM, "hello")
    sender.send_due()
    stored = row(db, message_id)
    assert stored.status == MessageStatus.PENDING and stored.attempts == 1


def test_one_recipients_texts_keep_their_order_while_others_flow(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    sandbox.script_failure(500, 20500, "blip")
    first = queue(db, clock, SAM, "one")
    queue(db, clock, SAM, "two")
    queue(db, clock, ALEX, "for alex")
    sender.send_due()
    assert [m.body for m in sandbox.messages_to(SAM)] == []
    assert [m.body for m in sandbox.messages_to(ALEX)] == ["for alex"]
    clock.advance(seconds=5)
    while sender.send_due():
        pass
    assert [m.body for m in sandbox.messages_to(SAM)] == ["one", "two"]
    assert row(db, first).attempts == 2


def test_never_sends_more_than_the_segment_limit(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    long_gsm = "Your check-in matters to us. " * 40
    long_emoji = "You've got this 💪 " * 40
    for body in (long_gsm, long_emoji):
        message_id = queue(db, clock, SAM, body, max_segments=3)
        stored = row(db, message_id)
        assert stored.truncated and stored.segments <= 3
    while sender.send_due():
        pass
    for sent in sandbox.messages_to(SAM):
        assert segments.count(sent.body).segments <= 3
        assert sent.body.endswith("...")


def test_opt_out_confirmation_is_the_one_text_allowed_after_stop(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    with db.session() as session:
        session.add(OptOut(phone=SAM, source="keyword", opted_out_at=clock.now()))
    confirmation = queue(db, clock, SAM, "unsubscribed", kind=MessageKind.OPT_OUT_CONFIRMATION)
    reply = queue(db, clock, SAM, "a reply", kind=MessageKind.REPLY)
    while sender.send_due():
        pass
    assert row(db, confirmation).status == MessageStatus.QUEUED
    assert row(db, reply).status == MessageStatus.SUPPRESSED
    assert [m.body for m in sandbox.messages_to(SAM)] == ["unsubscribed"]


def test_a_send_interrupted_by_a_crash_is_picked_up_again(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    message_id = queue(db, clock, SAM, "hello")
    with db.session() as session:  # as if a sender claimed it and then died
        stuck = session.get_one(Message, message_id)
        stuck.status = MessageStatus.SENDING
        stuck.updated_at = clock.now()
    assert sender.send_due() == 0
    clock.advance(minutes=3)
    assert sender.send_due() == 1
    assert len(sandbox.messages_to(SAM)) == 1
    with db.session() as session:
        assert session.scalar(select(Message.status).where(Message.id == message_id)) == (
            MessageStatus.QUEUED
        )


def test_a_nudge_past_its_send_before_time_is_suppressed_not_sent(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    """A retried nudge must not arrive in the participant's quiet hours."""
    message_id = queue(db, clock, SAM, "Time for a quick check-in.", kind=MessageKind.NUDGE)
    with db.session() as session:
        session.get_one(Message, message_id).send_before = clock.now()
    clock.advance(seconds=1)
    assert sender.send_due() == 1
    assert sandbox.messages_to(SAM) == []
    stored = row(db, message_id)
    assert stored.status == MessageStatus.SUPPRESSED
    assert stored.error_message == "too late to send politely"


def test_a_safety_text_overtakes_routine_texts_but_order_holds_within_a_priority(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    queue(db, clock, SAM, "time for a check-in?", kind=MessageKind.NUDGE)
    queue(db, clock, SAM, "a bot reply", kind=MessageKind.REPLY)
    queue(db, clock, SAM, "safety one", kind=MessageKind.SAFETY)
    queue(db, clock, SAM, "safety two", kind=MessageKind.SAFETY)
    queue(db, clock, ALEX, "a peer's text", kind=MessageKind.PEER)
    while sender.send_safety():
        pass
    assert [m.body for m in sandbox.messages_to(SAM)] == ["safety one", "safety two"]
    while sender.send_routine():
        pass
    assert [m.body for m in sandbox.messages_to(SAM)] == [
        "safety one",
        "safety two",
        "a bot reply",
        "time for a check-in?",
    ], "the reply (priority 2) before the nudge (3)"
    assert [m.body for m in sandbox.messages_to(ALEX)] == ["a peer's text"]


def test_a_routine_text_waits_for_the_same_persons_unsent_safety_text(
    db: Database, sender: OutboxSender, clock: ManualClock, sandbox: Sandbox
) -> None:
    sandbox.script_failure(503, 20503, "carrier busy")
    safety = queue(db, clock, SAM, "call 911", kind=MessageKind.SAFETY)
    queue(db, clock, SAM, "later, a routine reply", kind=MessageKind.REPLY)
    sender.send_safety()
    assert row(db, safety).status == MessageStatus.PENDING, "retrying"
    assert sender.send_routine() == 0, "never before the safety text it follows"
    clock.advance(seconds=5)
    sender.send_due()
    assert [m.body for m in sandbox.messages_to(SAM)] == ["call 911", "later, a routine reply"]


def test_the_safety_lane_never_waits_for_pacing(
    db: Database, settings: Settings, clock: ManualClock, sandbox: Sandbox
) -> None:
    slow = settings.model_copy(update={"send_rate_per_second": 0.2})  # one text per 5 s
    paced = OutboxSender(db, build_twilio_client(slow), slow, clock)
    for i in range(3):
        queue(db, clock, f"+1212555012{i}", "a check-in", kind=MessageKind.NUDGE)
    queue(db, clock, SAM, "call 911", kind=MessageKind.SAFETY)
    queue(db, clock, ALEX, "a page", kind=MessageKind.PAGE)
    assert paced.send_routine() == 1, "the routine lane claims what it can send soon"
    started = time.monotonic()
    assert paced.send_safety() == 2  # two recipients, both at once
    assert time.monotonic() - started < 2.0, "the safety lane did not wait its turn"
