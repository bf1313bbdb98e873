"""The webhook path without the engine: signatures, retries, compliance words, unknown
numbers, pictures and malformed posts. Runs on SQLite and PostgreSQL, with the real twilio
client sending to the sandbox Twilio server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from messaging.sandbox import Sandbox
from records.db import Database
from records.models import (
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    OptOut,
    Outreach,
    OutreachKind,
    OutreachStatus,
    Participant,
    TurnStatus,
)
from records.participants import enrol
from tests.conftest import RunningApp
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

SAM = "+12125550101"
STRANGER = "+12125550177"


@pytest.fixture
def running(app_factory: Callable[..., RunningApp], db: Database) -> RunningApp:
    with db.session() as session:
        enrol(session, phone=SAM, alias="Sam", timezone="America/New_York", consented_at=None)
    return app_factory()


def text(app: RunningApp, sender: str, body: str | None, **extra: str) -> httpx.Response:
    params = inbound_params(sender, body, **extra)
    return signed_post(app.url, "/sms/inbound", params, app.settings.auth_token)


def inbound_count(db: Database) -> int:
    with db.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.direction == Direction.INBOUND)
            )
            or 0
        )


def settled(db: Database) -> bool:
    """Every turn has run and nothing is left in the outbox."""
    with db.session() as session:
        busy = session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                (Message.turn_status == TurnStatus.PENDING)
                | Message.status.in_([MessageStatus.PENDING, MessageStatus.SENDING])
            )
        )
    return busy == 0


def test_acknowledges_with_empty_twiml(running: RunningApp, db: Database) -> None:
    response = text(running, SAM, "HELP")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response></Response>" in response.text
    assert inbound_count(db) == 1


@pytest.mark.parametrize("signature", ["forged-signature", ""])
def test_forged_or_missing_signature_is_refused_and_leaves_no_trace(
    running: RunningApp,
    db: Database,
    sandbox: Sandbox,
    signature: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    params = inbound_params(SAM, "HELP")
    response = signed_post(running.url, "/sms/inbound", params, "", signature=signature)
    assert response.status_code == 403
    assert inbound_count(db) == 0
    assert sandbox.create_attempts == 0
    assert any(r.name == "peerline.security" for r in caplog.records)


def test_signature_from_another_account_is_refused(running: RunningApp, db: Database) -> None:
    params = inbound_params(SAM, "HELP")
    response = signed_post(running.url, "/sms/inbound", params, "someone-elses-token")
    assert response.status_code == 403
    assert inbound_count(db) == 0


def test_twilio_retry_of_the_same_message_sid_is_stored_and_answered_once(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    params = inbound_params(SAM, "HELP")
    for _ in range(3):
        response = signed_post(running.url, "/sms/inbound", params, running.settings.auth_token)
        assert response.status_code == 200
    wait_for(lambda: sandbox.messages_to(SAM), what="the HELP reply")
    wait_for(lambda: settled(db), what="the outbox to drain")
    assert inbound_count(db) == 1
    assert len(sandbox.messages_to(SAM)) == 1


def test_help_answers_with_program_contact_frequency_rates_and_988(
    running: RunningApp, sandbox: Sandbox
) -> None:
    text(running, SAM, " help ")
    reply = wait_for(lambda: sandbox.messages_to(SAM), what="HELP reply")[0]
    settings = running.settings
    for must in (
        settings.program_name,
        settings.support_contact,
        settings.message_frequency,
        "Msg & data rates may apply",
        "988",
    ):
        assert must in reply.body
    assert reply.from_ == settings.twilio_from_number


def test_stop_opts_out_with_one_confirmation_and_nothing_after(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(running, SAM, "STOP")
    wait_for(lambda: sandbox.messages_to(SAM), what="the opt-out confirmation")
    text(running, SAM, "stop")  # a second STOP gets no second confirmation
    text(running, SAM, "HELP")  # nor does anything else while opted out
    text(running, SAM, "hi there")
    wait_for(lambda: inbound_count(db) == 4 and settled(db), what="all turns to finish")
    replies = sandbox.messages_to(SAM)
    assert len(replies) == 1
    assert "unsubscribed" in replies[0].body and "START" in replies[0].body
    with db.session() as session:
        assert session.get(OptOut, SAM) is not None


def test_later_sends_to_an_opted_out_number_are_suppressed(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    from messaging.outbox import enqueue

    text(running, SAM, "unsubscribe")
    wait_for(lambda: sandbox.messages_to(SAM), what="the opt-out confirmation")
    with db.session() as session:
        queued = enqueue(
            session,
            phone=SAM,
            body="A nudge",
            kind=MessageKind.REPLY,
            now=running.peerline.clock.now(),
            max_segments=3,
        )
        queued_id = queued.id
    running.peerline.outbox_loop.wake()
    wait_for(lambda: settled(db), what="the outbox to drain")
    with db.session() as session:
        assert session.get_one(Message, queued_id).status == MessageStatus.SUPPRESSED
    assert len(sandbox.messages_to(SAM)) == 1


@pytest.mark.parametrize("word", ["START", "unstop", "Yes"])
def test_start_opts_back_in(running: RunningApp, db: Database, sandbox: Sandbox, word: str) -> None:
    text(running, SAM, "Opt Out")
    wait_for(lambda: sandbox.messages_to(SAM), what="the opt-out confirmation")
    text(running, SAM, word)
    replies = wait_for(
        lambda: len(sandbox.messages_to(SAM)) == 2 and sandbox.messages_to(SAM),
        what="the opt-in confirmation",
    )
    assert "subscribed again" in replies[1].body
    with db.session() as session:
        assert session.get(OptOut, SAM) is None


def test_unknown_number_gets_one_polite_reply_and_is_recorded(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(running, STRANGER, "hey is this the program? my name is Jo and I'm on meds")
    wait_for(lambda: sandbox.messages_to(STRANGER), what="the unknown-number reply")
    text(running, STRANGER, "hello??")
    wait_for(lambda: inbound_count(db) == 2 and settled(db), what="both turns")
    replies = sandbox.messages_to(STRANGER)
    assert len(replies) == 1
    assert running.settings.support_contact in replies[0].body
    assert "988" in replies[0].body
    with db.session() as session:
        stored = session.scalars(
            select(Message).where(Message.phone == STRANGER, Message.direction == Direction.INBOUND)
        )
        assert [m.participant_id for m in stored] == [None, None]


def test_a_picture_is_recorded_and_answered(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(
        running,
        SAM,
        "",
        NumMedia="1",
        MediaUrl0="https://example.invalid/m.jpg",
        MediaContentType0="image/jpeg",
    )
    reply = wait_for(lambda: sandbox.messages_to(SAM), what="the picture notice")[0]
    assert "pictures" in reply.body
    with db.session() as session:
        stored = session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
        assert stored is not None and stored.num_media == 1


def test_status_callbacks_record_delivery(
    running: RunningApp, db: Database, sandbox: Sandbox
) -> None:
    text(running, SAM, "info")
    wait_for(lambda: sandbox.messages_to(SAM), what="the reply")

    def delivered() -> bool:
        with db.session() as session:
            out = session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
            return out is not None and out.status == MessageStatus.DELIVERED

    wait_for(delivered, timeout=10, what="the delivered status callback")


def test_forged_status_callback_is_refused(running: RunningApp) -> None:
    params = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    response = signed_post(running.url, "/sms/status", params, "", signature="nope")
    assert response.status_code == 403


# --- malformed posts: a clear 4xx or a handled, recorded outcome; never a 500 ---


def test_no_body_is_recorded_and_handled(running: RunningApp, db: Database) -> None:
    response = text(running, SAM, None)
    assert response.status_code == 200
    wait_for(lambda: settled(db), what="the turn")
    assert inbound_count(db) == 1


@pytest.mark.parametrize("missing", ["From", "MessageSid"])
def test_missing_from_or_sid_is_a_clear_400(
    running: RunningApp, db: Database, missing: str
) -> None:
    params = inbound_params(SAM, "hello")
    del params[missing]
    response = signed_post(running.url, "/sms/inbound", params, running.settings.auth_token)
    assert response.status_code == 400
    assert missing in response.text
    assert inbound_count(db) == 0


@pytest.mark.parametrize(
    "body", ["x" * 5000, "🙂🙏🏽 héllo ｆｕｌｌ-width ‮rtl", "\x00\x01 nul", "   "]
)
def test_odd_bodies_are_stored_exactly(running: RunningApp, db: Database, body: str) -> None:
    response = text(running, STRANGER, body)
    assert response.status_code == 200
    with db.session() as session:
        stored = session.scalar(select(Message.body).where(Message.direction == Direction.INBOUND))
    assert stored == body.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL


def test_invalid_utf8_is_not_a_500(running: RunningApp, db: Database) -> None:
    raw = b"MessageSid=SM1&From=%2B12125550101&Body=%FF%FE%FA"
    response = httpx.post(
        f"{running.url}/sms/inbound",
        content=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "x"},
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", "application/x-www-form-urlencoded"),
        (b'{"Body": "hi"}', "application/json"),
        (b"not a form at all &&&===", "text/plain"),
    ],
)
def test_garbage_posts_are_refused_cleanly(
    running: RunningApp, db: Database, content: bytes, content_type: str
) -> None:
    response = httpx.post(
        f"{running.url}/sms/inbound", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == 403
    assert inbound_count(db) == 0


def test_huge_post_is_413(running: RunningApp, db: Database) -> None:
    response = httpx.post(
        f"{running.url}/sms/inbound",
        content=b"Body=" + b"a" * 200_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert inbound_count(db) == 0


def test_get_on_the_webhook_is_405(running: RunningApp) -> None:
    assert httpx.get(f"{running.url}/sms/inbound").status_code == 405


def test_a_text_records_engagement_for_the_coordinators(running: RunningApp, db: Database) -> None:
    """When they last texted, and which outreach of the last day it answers (recorded by the
    safety lane as it screens the text, outside the webhook's transaction)."""
    now = datetime.now(UTC)
    with db.session() as session:
        sam = session.scalars(select(Participant).where(Participant.phone == SAM)).one()
        for hours_ago in (3, 30):  # a check-in this morning, one yesterday
            sent = now - timedelta(hours=hours_ago)
            session.add(
                Outreach(
                    participant_id=sam.id,
                    kind=OutreachKind.CHECKIN,
                    target_at=sent,
                    due_at=sent,
                    expires_at=sent + timedelta(hours=12),
                    status=OutreachStatus.SENT,
                    sent_at=sent,
                )
            )
    assert text(running, SAM, "doing ok").status_code == 200

    def last_texted() -> datetime | None:
        with db.session() as session:
            query = select(Participant.last_inbound_at).where(Participant.phone == SAM)
            return session.scalar(query)

    last = wait_for(last_texted, what="engagement recorded")
    with db.session() as session:
        rows = session.scalars(select(Outreach).order_by(Outreach.sent_at.desc())).all()
    assert now <= last
    assert [r.answered_at is not None for r in rows] == [True, False], "only within a day"
