"""Delivery statuses stored in groups: each one committed before its webhook's answer, out
of order without going backwards, one failure not taking down the rest of its group.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from concurrent.futures import Future, wait
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from messaging.outbox import enqueue
from messaging.statuses import StatusBook, StatusReport
from records.db import Database
from records.models import Message, MessageKind, MessageStatus, OptOut

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
ORDER = ("queued", "sent", "delivered")


def outbound(db: Database, count: int) -> list[str]:
    """`count` replies already handed to the carrier; their sids."""
    sids = [f"SM{i:032d}" for i in range(count)]
    with db.session() as session:
        for i, sid in enumerate(sids):
            message = enqueue(
                session,
                phone=f"+1212555{100 + i % 100:04d}",
                body="thanks for checking in",
                kind=MessageKind.REPLY,
                now=NOW,
                max_segments=3,
            )
            message.twilio_sid, message.status = sid, MessageStatus.SENDING
    return sids


def statuses(db: Database) -> dict[str, MessageStatus]:
    with db.session() as session:
        return {
            sid: status
            for sid, status in session.execute(select(Message.twilio_sid, Message.status))
        }


def test_a_burst_of_statuses_in_any_order_ends_on_the_furthest(db: Database) -> None:
    sids = outbound(db, 60)
    reports = [StatusReport(sid, state) for sid in sids for state in ORDER]
    random.Random(7).shuffle(reports)  # the carrier's callbacks race each other
    reports.append(StatusReport("SM" + "f" * 32, "delivered"))  # not ours: ignored
    book = StatusBook(db)
    try:
        futures = [book.submit(report) for report in reports]
        done, pending = wait(futures, timeout=30)
    finally:
        book.close()
    assert not pending
    assert all(future.exception(timeout=0) is None for future in done)
    assert set(statuses(db).values()) == {MessageStatus.DELIVERED}


def test_a_stop_from_the_carrier_opts_the_number_out_once(db: Database) -> None:
    sids = outbound(db, 1)
    book = StatusBook(db)
    try:
        first = book.submit(StatusReport(sids[0], "undelivered", "21610"))
        second = book.submit(StatusReport(sids[0], "failed", "21610"))
        wait([first, second], timeout=30)
    finally:
        book.close()
    assert first.exception(timeout=30) is None and second.exception(timeout=30) is None
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(OptOut)) == 1
        message = session.scalar(select(Message))
        assert message is not None and message.error_code == 21610


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_that_cannot_store_fails_each_future_and_keeps_the_writer(
    db: Database, tmp_path: Path
) -> None:
    broken = Database(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")  # no such folder
    book = StatusBook(broken)
    try:
        failed: list[Future[None]] = [book.submit(StatusReport(f"SM{i}", "sent")) for i in range(3)]
        wait(failed, timeout=30)
        assert all(future.exception(timeout=30) is not None for future in failed)  # a 503
        book.db = db  # the database is back: the same writer stores the next one
        sids = outbound(db, 1)
        later = book.submit(StatusReport(sids[0], "delivered"))
        assert later.result(timeout=30) is None
    finally:
        book.close()
        broken.dispose()
    assert statuses(db) == {sids[0]: MessageStatus.DELIVERED}
