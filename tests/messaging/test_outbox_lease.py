"""Outbox leases: a sender working through a batch slower than its lease keeps it (the
heartbeat), so a second sender never sends its texts again; a dead or stalled sender's
texts are picked up once its lease lapses, and the stalled one then sends nothing."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from messaging.outbox import OutboxSender
from messaging.sandbox import Sandbox
from messaging.twilio_client import build_twilio_client
from records.clock import ManualClock, SystemClock
from records.db import Database
from records.models import Message, MessageKind, MessageStatus
from records.settings import Settings
from tests.conftest import SandboxServer, make_settings
from tests.messaging.test_outbox import queue
from tests.support.waiting import wait_for

LEASE_SECONDS = 2.0
CARRIER_SECONDS = 0.7  # each create: a batch of six takes over twice the lease
BATCH = 6


@pytest.fixture
def settings(db: Database, sandbox_server: SandboxServer) -> Settings:
    return make_settings(
        str(db.engine.url.render_as_string(hide_password=False)),
        sandbox_server.url,
        outbox_lease_seconds=LEASE_SECONDS,
        send_rate_per_second=100.0,
    )


def statuses(db: Database) -> list[MessageStatus]:
    with db.session() as session:
        return list(session.scalars(select(Message.status).order_by(Message.id)))


def test_a_batch_slower_than_the_lease_is_never_sent_twice(
    db: Database, settings: Settings, sandbox: Sandbox
) -> None:
    clock = SystemClock()
    for i in range(BATCH):
        queue(db, clock, f"+1555555014{i}", f"check-in {i}", kind=MessageKind.NUDGE)
    sandbox.script_delay(CARRIER_SECONDS, count=BATCH)  # a really slow carrier
    slow = OutboxSender(db, build_twilio_client(settings), settings, clock)
    eager = OutboxSender(db, build_twilio_client(settings), settings, clock)
    started = time.monotonic()
    worker = threading.Thread(target=slow.send_routine, args=(BATCH,))
    worker.start()
    wait_for(lambda: MessageStatus.PENDING not in statuses(db), what="the slow sender's claim")
    taken_by_eager = 0
    while worker.is_alive():  # another sender, polling all the while
        taken_by_eager += eager.send_routine(BATCH)
        time.sleep(0.05)
    worker.join()
    elapsed = time.monotonic() - started

    assert elapsed > LEASE_SECONDS * 1.5, "the batch outlasted its lease, or proves nothing"
    sent = Counter(m.body for m in sandbox.messages)
    assert sent == Counter(f"check-in {i}" for i in range(BATCH)), "each text exactly once"
    assert taken_by_eager == 0
    assert statuses(db) == [MessageStatus.QUEUED] * BATCH


def test_a_dead_senders_texts_are_sent_once_its_lease_lapses(
    db: Database, settings: Settings, sandbox: Sandbox
) -> None:
    clock = ManualClock()
    ids = [queue(db, clock, f"+1555555015{i}", f"reply {i}") for i in range(3)]
    stalled = OutboxSender(db, build_twilio_client(settings), settings, clock)
    token, claimed = stalled._claim(3, safety=False)  # claims, then stops (SIGKILL, a hang)
    assert claimed == ids
    survivor = OutboxSender(db, build_twilio_client(settings), settings, clock)

    assert survivor.send_due() == 0, "a live lease is never taken"
    clock.advance(seconds=LEASE_SECONDS + 1)
    assert survivor.send_due() == 3
    for message_id in ids:  # the stalled sender wakes up: it no longer holds them
        stalled._send(message_id, token, paced=False)

    assert sorted(m.body for m in sandbox.messages) == ["reply 0", "reply 1", "reply 2"]
    assert statuses(db) == [MessageStatus.QUEUED] * 3
    with db.session() as session:
        leases = session.execute(select(Message.lease_owner, Message.lease_until)).all()
    assert all(owner is None and until is None for owner, until in leases), "released"


def test_a_send_that_outlasts_its_lease_never_overwrites_the_new_holders_record(
    db: Database, settings: Settings, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    clock = SystemClock()
    queue(db, clock, "+15555550161", "see you thursday", kind=MessageKind.NUDGE)
    sandbox.script_delay(LEASE_SECONDS + 1.0, count=1)  # only the first send is this slow
    slow = OutboxSender(db, build_twilio_client(settings), settings, clock)
    eager = OutboxSender(db, build_twilio_client(settings), settings, clock)
    worker = threading.Thread(target=slow.send_routine, args=(1,))
    worker.start()
    wait_for(lambda: statuses(db) == [MessageStatus.SENDING], what="the slow sender's claim")
    wait_for(lambda: eager.send_routine(1) == 1, timeout=LEASE_SECONDS * 3, what="a lapsed lease")
    worker.join()

    assert len(sandbox.messages) == 2, "the carrier outlasted the lease: both sends reached it"
    with db.session() as session:
        row = session.scalars(select(Message)).one()
    assert row.status == MessageStatus.QUEUED
    new_holders_send = sandbox.messages[0]  # the slow send is held before the carrier takes it
    assert row.twilio_sid == new_holders_send.sid, "the record is the new holder's send"
    assert row.lease_owner is None
    assert "lease lost mid-send" in caplog.text
