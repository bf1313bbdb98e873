"""Retention: past RETENTION_DAYS a text's words are gone but its row (counts, cases, the
audit trail) stays; a text still waiting keeps its words; the engine's old conversation
events are deleted; and with several processes, one purges per interval."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from records.clock import ManualClock
from records.db import Database
from records.models import (
    AuditEvent,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    StaffRole,
    StaffUser,
    TurnStatus,
)
from records.participants import enrol
from records.retention import EVERY, Retention

SAM = "+12125550101"
OLD_WORDS = "rough week, talked to my sponsor twice"


def _text(db: Database, clock: ManualClock, body: str, **columns: object) -> int:
    values: dict[str, object] = dict(
        direction=Direction.INBOUND,
        kind=MessageKind.TEXT,
        phone=SAM,
        body=body,
        status=MessageStatus.RECEIVED,
        turn_status=TurnStatus.DONE,
        created_at=clock.now(),
    )
    values.update(columns)
    with db.session() as session:
        message = Message(**values)
        session.add(message)
        session.flush()
        return message.id


def _bodies(db: Database) -> dict[int, str]:
    with db.session() as session:
        return {row.id: row.body for row in session.execute(select(Message.id, Message.body))}


def test_old_handled_texts_lose_their_words_and_keep_their_rows(
    db: Database, clock: ManualClock
) -> None:
    with db.session() as session:
        sam = enrol(session, phone=SAM, alias="Sam", timezone="UTC", consented_at=None)
        staff = StaffUser(email="rae@peers.example", display_name="Rae", role=StaffRole.PEER)
        session.add(staff)
        session.flush()
        session.add(AuditEvent(staff_id=staff.id, participant_id=sam.id, action="view"))
    old = _text(db, clock, OLD_WORDS)
    old_reply = _text(
        db, clock, "glad you called them", direction=Direction.OUTBOUND,
        kind=MessageKind.REPLY, status=MessageStatus.DELIVERED, turn_status=None,
    )  # fmt: skip
    old_pending = _text(db, clock, "still waiting", turn_status=TurnStatus.PENDING)
    old_unsent = _text(
        db, clock, "not sent yet", direction=Direction.OUTBOUND, kind=MessageKind.REPLY,
        status=MessageStatus.PENDING, turn_status=None,
    )  # fmt: skip
    clock.advance(days=100)
    recent = _text(db, clock, "better today")
    clock.advance(days=100)  # the old ones are 200 days old, the recent one 100

    purged = Retention(db, clock, days=180).purge(clock.now())

    assert purged.bodies == 2
    bodies = _bodies(db)
    assert bodies[old] == "" and bodies[old_reply] == ""
    assert bodies[old_pending] == "still waiting" and bodies[old_unsent] == "not sent yet"
    assert bodies[recent] == "better today"
    with db.session() as session:
        assert len(bodies) == 5  # the rows (counts, timelines) stay
        assert session.scalar(select(AuditEvent.id)) is not None


def test_one_process_of_several_purges_per_interval(db: Database, clock: ManualClock) -> None:
    old = _text(db, clock, OLD_WORDS)
    clock.advance(days=200)
    first, second = Retention(db, clock, days=180), Retention(db, clock, days=180)

    assert second.step() == 0 and first.step() == 0  # both tried; the lease picked one
    assert _bodies(db)[old] == ""
    late = _text(db, clock, "texted after the purge", created_at=clock.now() - timedelta(days=190))
    first.step()
    second.step()
    assert _bodies(db)[late] != "", "a second purge ran inside the interval"
    clock.advance(seconds=EVERY.total_seconds() + 1)
    second.step()
    assert _bodies(db)[late] == ""


@pytest.fixture
def tracker_url(database_url: str) -> str:
    """Rasa 3.6's SQL tracker store table, on the same kind of database."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                "action_name VARCHAR(255), data TEXT)"
                if engine.dialect.name == "postgresql"
                else "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT "
                "NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name "
                "VARCHAR(255), action_name VARCHAR(255), data TEXT)"
            )
        )
    engine.dispose()
    return database_url


def test_old_engine_conversation_events_are_deleted(
    db: Database, clock: ManualClock, tracker_url: str
) -> None:
    ages = {"old user text": 200, "old bot reply": 181, "recent user text": 30}
    engine = create_engine(tracker_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        for words, days in ages.items():
            conn.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) "
                    "VALUES ('p-opaque', 'user', :t, :d)"
                ),
                {"t": (clock.now() - timedelta(days=days)).timestamp(), "d": words},
            )

    purged = Retention(db, clock, days=180, tracker_url=tracker_url).purge(clock.now())

    assert purged.tracker_events == 2
    with engine.connect() as conn:
        left = [row[0] for row in conn.execute(text("SELECT data FROM events"))]
    engine.dispose()
    assert left == ["recent user text"]


def test_no_tracker_file_yet_is_left_alone(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    missing = tmp_path / "rasa-tracker.db"
    purged = Retention(db, clock, days=180, tracker_url=f"sqlite:///{missing}").purge(clock.now())
    assert purged.tracker_events == 0 and not missing.exists()
