"""Synthetic history for a program: people, their texts, check-ins, appointments, outreach
and cases, so `make demo` shows a living dashboard at once and `make bench` can time the
coordinators' pages on a program of 10,000 people and 2,000,000 texts.

Only synthetic people: aliases from a short list and numbers in the 555 range. Random but
seeded, so a run can be repeated. Rows go in with bulk Core inserts, in chunks.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from console.auth import hash_password
from records.db import Database
from records.models import (
    Appointment,
    Case,
    CheckIn,
    Message,
    Outreach,
    Participant,
    StaffRole,
    StaffUser,
)

ALIASES = ["Sam", "Robin", "Kit", "Jo", "Alex", "Lou", "Dee", "Max", "Ana", "Bo", "Cy", "Eli"]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
INBOUND = [
    "doing ok today",
    "rough night but i'm hanging in",
    "7",
    "3",
    "no",
    "yes",
    "can't make it thursday, no ride",
    "thanks",
    "feeling better",
    "meh",
    "good day",
    "took my dose",
    "ran out, pharmacy closed",
    "stressed about work",
    "all good",
]
BOT = ["Thanks for checking in.", "How are you feeling today, 1 to 5?", "Got it. Talk soon."]
OUTCOMES = ["safe", "connected_to_care", "no_response", "emergency_services_called"]
LINKAGE = ["started", "resumed", "stayed", "not_linked", None]
REASONS = {
    "emergency": ["overdose_now"],
    "urgent": ["suicidal_thoughts", "return_to_use"],
    "support": ["wants_peer", "barrier:transport"],
}
CHUNK = 20_000


@dataclass(frozen=True)
class Shape:
    """How big a program to make."""

    people: int = 12
    days: int = 28
    texts_per_week: float = 6.0  # each way, per person
    peers: int = 3
    seed: int = 7


@dataclass(frozen=True)
class Staffing:
    staff_ids: list[int]
    passwords: dict[str, str]  # e-mail -> password, for the demo's log-ins


def add_staff(db: Database, shape: Shape, password: Callable[[], str]) -> Staffing:
    """Peers (on shift), a supervisor, a coordinator and an admin, with fresh passwords."""
    people = [
        (f"peer{i + 1}@peers.example", f"Peer {i + 1}", StaffRole.PEER) for i in range(shape.peers)
    ]
    people += [
        ("lee@peers.example", "Lee (supervisor)", StaffRole.SUPERVISOR),
        ("cat@program.example", "Cat (coordinator)", StaffRole.COORDINATOR),
        ("ada@program.example", "Ada (admin)", StaffRole.ADMIN),
    ]
    ids, passwords = [], {}
    with db.session() as session:
        for index, (email, name, role) in enumerate(people):
            found = session.scalar(select(StaffUser).where(StaffUser.email == email))
            secret = password()
            if found is None:
                found = StaffUser(email=email, display_name=name, role=role)
                session.add(found)
            found.password_hash = hash_password(secret)
            found.phone = f"+1212555{180 + index:04d}" if role == StaffRole.PEER else None
            session.flush()
            ids.append(found.id)
            passwords[email] = secret
    return Staffing(ids, passwords)


def generate(
    db: Database,
    shape: Shape,
    now: datetime,
    peer_ids: list[int],
    progress: Callable[[str, int], None] = lambda _what, _n: None,
) -> int:
    """Make the history; returns how many participants were added."""
    rng = random.Random(shape.seed)
    with db.session() as session:
        start = session.scalar(select(Participant.id).order_by(Participant.id.desc())) or 0
    people = list(_people(rng, shape, now, start))
    _insert(db, Participant, people, progress, "participants")
    with db.session() as session:
        rows = session.execute(
            select(Participant.id, Participant.phone, Participant.created_at).where(
                Participant.id > start
            )
        ).all()
    for table, make in (
        (Message, _messages),
        (CheckIn, _checkins),
        (Appointment, _appointments),
        (Outreach, _outreach),
        (Case, _cases),
    ):
        _insert(
            db, table, _each(rows, rng, shape, now, peer_ids, make), progress, table.__tablename__
        )
    return len(people)


def _people(
    rng: random.Random, shape: Shape, now: datetime, start: int
) -> Iterator[dict[str, Any]]:
    for i in range(shape.people):
        created = now - timedelta(days=rng.uniform(1, shape.days), hours=rng.uniform(0, 12))
        number = start + i + 1
        yield {
            "public_id": f"p-{rng.getrandbits(64):016x}",
            "phone": f"+1555{number:07d}" if shape.people > 90 else f"+1212555{100 + number:04d}",
            "alias": ALIASES[number % len(ALIASES)]
            + ("" if shape.people <= len(ALIASES) else f" {number}"),
            "timezone": ZONES[number % len(ZONES)],
            "status": "active" if rng.random() > 0.08 else rng.choice(["paused", "discharged"]),
            "consented_at": created,
            "created_at": created,
            "updated_at": created,
            "last_inbound_at": None,
        }


Row = Any
Maker = Callable[[Row, random.Random, Shape, datetime, list[int]], Iterator[dict[str, Any]]]


def _each(
    rows: Sequence[Row],
    rng: random.Random,
    shape: Shape,
    now: datetime,
    peers: list[int],
    make: Maker,
) -> Iterator[dict[str, Any]]:
    for row in rows:
        yield from make(row, rng, shape, now, peers)


def _moments(row: Row, rng: random.Random, per_week: float, now: datetime) -> list[datetime]:
    span = (now - row.created_at).total_seconds()
    count = max(1, int(per_week * span / (7 * 86400)))
    return sorted(row.created_at + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))


def _messages(
    row: Row, rng: random.Random, shape: Shape, now: datetime, peers: list[int]
) -> Iterator[dict[str, Any]]:
    for moment in _moments(row, rng, shape.texts_per_week, now):
        base = {
            "participant_id": row.id,
            "phone": row.phone,
            "num_media": 0,
            "segments": 1,
            "truncated": False,
            "attempts": 1,
            "turn_errors": 0,
            "updated_at": moment,
        }
        yield {
            **base,
            "direction": "inbound",
            "kind": "text",
            "body": rng.choice(INBOUND),
            "status": "received",
            "turn_status": "done",
            "priority": 2,
            "created_at": moment,
            "screened_at": moment,
        }
        failed = rng.random() < 0.01
        yield {
            **base,
            "direction": "outbound",
            "kind": "reply",
            "body": rng.choice(BOT),
            "status": "failed" if failed else "delivered",
            "error_code": rng.choice([30003, 30007, 21610]) if failed else None,
            "priority": 2,
            "created_at": moment + timedelta(seconds=2),
            "sent_at": moment + timedelta(seconds=2),
        }


def _checkins(
    row: Row, rng: random.Random, shape: Shape, now: datetime, peers: list[int]
) -> Iterator[dict[str, Any]]:
    mood, craving = rng.randint(2, 4), rng.randint(1, 6)
    for moment in _moments(row, rng, 1.5, now):
        mood = min(5, max(1, mood + rng.choice([-1, 0, 0, 1])))
        craving = min(10, max(0, craving + rng.choice([-2, -1, 0, 1, 2])))
        yield {
            "participant_id": row.id,
            "mood": mood,
            "craving": craving,
            "use": "yes" if rng.random() < 0.06 else "no",
            "medication": "missed doses" if rng.random() < 0.1 else "as prescribed",
            "barriers": ["transport"] if rng.random() < 0.1 else [],
            "complete": rng.random() > 0.15,
            "created_at": moment,
        }


def _appointments(
    row: Row, rng: random.Random, shape: Shape, now: datetime, peers: list[int]
) -> Iterator[dict[str, Any]]:
    for moment in _moments(row, rng, 0.5, now + timedelta(days=10)):
        past = moment < now
        status = rng.choice(["attended"] * 4 + ["missed"]) if past else "scheduled"
        yield {
            "participant_id": row.id,
            "starts_at": moment,
            "kind": rng.choice(["dosing", "prescriber visit", "group"]),
            "location": "the Main St office",
            "status": status,
            "created_at": row.created_at,
        }


def _outreach(
    row: Row, rng: random.Random, shape: Shape, now: datetime, peers: list[int]
) -> Iterator[dict[str, Any]]:
    for moment in _moments(row, rng, 2, now):
        roll = rng.random()
        status, reason = (
            ("sent", None)
            if roll > 0.15
            else rng.choice(
                [
                    ("dropped", "quiet_hours:too_late"),
                    ("dropped", "daily_cap:too_late"),
                    ("dropped", "paused:too_late"),
                ]
            )
        )
        yield {
            "participant_id": row.id,
            "kind": "checkin",
            "target_at": moment,
            "due_at": moment,
            "expires_at": moment + timedelta(hours=12),
            "status": status,
            "reason": reason,
            "attempts": 0,
            "sent_at": moment if status == "sent" else None,
            "answered_at": moment + timedelta(hours=2) if status == "sent" and roll > 0.5 else None,
            "created_at": moment,
            "updated_at": moment,
            "version": 1,
        }


def _cases(
    row: Row, rng: random.Random, shape: Shape, now: datetime, peers: list[int]
) -> Iterator[dict[str, Any]]:
    if rng.random() > 0.15 or not peers:
        return
    opened = row.created_at + (now - row.created_at) * rng.random()
    level = rng.choice(["emergency", "urgent", "urgent", "support", "support"])
    claimed = opened + timedelta(minutes=rng.expovariate(1 / 6))
    done = claimed + timedelta(hours=rng.uniform(0.5, 6))
    resolved = done < now - timedelta(hours=1)
    yield {
        "participant_id": row.id,
        "level": level,
        "reasons": REASONS[level],
        "pauses_bot": False,
        "status": "resolved" if resolved else "claimed",
        "claimed_by_id": rng.choice(peers),
        "claimed_at": claimed,
        "page_rounds": 1 + int(claimed - opened > timedelta(minutes=10)),
        "paged_to": "peers",
        "outcome": rng.choice(OUTCOMES) if resolved else None,
        "moud_linkage": rng.choice(LINKAGE) if resolved else None,
        "fidelity": {
            "safety_assessed": True,
            "naloxone_discussed": rng.random() > 0.3,
            "moud_discussed": rng.random() > 0.4,
            "follow_up_planned": rng.random() > 0.2,
        },
        "opened_at": opened,
        "resolved_at": done if resolved else None,
    }


def _insert(
    db: Database,
    table: type[Any],
    rows: Any,
    progress: Callable[[str, int], None],
    what: str,
) -> None:
    chunk: list[dict[str, Any]] = []
    total = 0
    for item in rows:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            total += _flush(db, table, chunk)
            progress(what, total)
            chunk = []
    if chunk:
        total += _flush(db, table, chunk)
        progress(what, total)
    if table is Message:
        _last_inbound(db)


def _flush(db: Database, table: type[Any], chunk: list[dict[str, Any]]) -> int:
    if db.is_postgres:  # COPY: a couple of million rows in a minute, not ten
        return _copy(db, table, chunk)
    with db.session() as session:
        session.execute(insert(table), chunk)
    return len(chunk)


def _copy(db: Database, table: type[Any], chunk: list[dict[str, Any]]) -> int:
    columns = sorted({key for row in chunk for key in row})
    sql = f"COPY {table.__tablename__} ({', '.join(columns)}) FROM STDIN"
    with db.engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            for row in chunk:
                copy.write_row([_copyable(row.get(name)) for name in columns])
    return len(chunk)


def _copyable(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _last_inbound(db: Database) -> None:
    """What the gateway keeps on each text, filled in once for the made-up history."""
    with db.session() as session:
        last = (
            select(func.max(Message.created_at))
            .where(Message.participant_id == Participant.id, Message.direction == "inbound")
            .scalar_subquery()
        )
        session.execute(update(Participant).values(last_inbound_at=last))
