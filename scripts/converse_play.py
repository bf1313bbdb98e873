"""Playing one scripted conversation through the phone's path: signed Twilio webhooks into a
running app, replies read back from the sandbox carrier, outcomes read from the records.

Used by `scripts/converse.py` (its own engine, app process and carrier) and by
tests/bot/test_converse.py (the suite's fixtures), so both judge the bot the same way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import func, or_, select
from twilio.request_validator import RequestValidator

from messaging import segments
from messaging.sandbox import Sandbox
from records.db import Database
from records.models import (
    Case,
    CaseLevel,
    CaseStatus,
    CheckIn,
    Direction,
    Message,
    MessageStatus,
    TurnStatus,
)
from records.participants import enrol
from tests.support.records import add_peer
from tests.support.twilio import inbound_params

PEER_PHONE = "+12125550105"  # the synthetic on-shift peer crisis pages go to
AREAS = ("212", "312", "415", "617", "718", "646", "202", "303", "206", "305")
ALIASES = ("Sam", "Jo", "Alex", "Casey", "Dee", "Lee", "Max", "Nico", "Pat", "Ray")
LEVEL_RANK = {CaseLevel.SUPPORT: 1, CaseLevel.URGENT: 2, CaseLevel.EMERGENCY: 3}
SETTLE_SECONDS = 0.4  # a second reply of the same turn can trail the first by a poll


@dataclass(frozen=True)
class Turn:
    text: str
    expect: str = ""
    crisis: bool | None = None


@dataclass(frozen=True)
class Conversation:
    id: str
    about: str
    turns: tuple[Turn, ...]


@dataclass
class Played:
    """One participant text as it went: what came back, how fast, and what it changed."""

    turn: Turn
    replies: list[str] = field(default_factory=list)
    seconds: float | None = None  # to the first reply at the carrier; None: no reply
    case_level: str | None = None  # a case opened or raised by this text
    bot_paused: bool = False  # a case had the bot standing aside for a peer
    checkin: str | None = None  # the person's latest check-in record after this text


@dataclass
class Transcript:
    conversation: Conversation
    played: list[Played] = field(default_factory=list)


@dataclass
class Line:
    """A running product as a phone reaches it: the app's URL, its carrier and records."""

    url: str
    auth_token: str
    sandbox: Sandbox
    db: Database
    program: str
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def text(self, phone: str, body: str) -> None:
        """Post as Twilio does: a signed form to the inbound webhook."""
        url = f"{self.url}/sms/inbound"
        params = inbound_params(phone, body, to=self.program)
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        response = self.client.post(url, data=params, headers={"X-Twilio-Signature": signature})
        if response.status_code != 200:
            raise RuntimeError(f"the webhook answered {response.status_code}")


def load(path: Path) -> list[Conversation]:
    """The conversations of a YAML set (see data/conversations/sample.yml)."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Conversation(
            id=str(item["id"]),
            about=str(item.get("about", "")),
            turns=tuple(
                Turn(str(t["text"]), str(t.get("expect", "")), t.get("crisis"))
                for t in item.get("turns", [])
            ),
        )
        for item in raw.get("conversations", [])
    ]


def synthetic_alias(index: int) -> str:
    """A first name the bot can greet, as staff would enrol someone."""
    return ALIASES[index % len(ALIASES)]


def synthetic_phone(index: int) -> str:
    """The index-th fictional 555-01xx number (lines 0110-0199, then the next area code)."""
    area = AREAS[(index // 90) % len(AREAS)]
    return f"+1{area}5550{110 + index % 90}"


def add_peer_on_shift(db: Database) -> None:
    add_peer(db, PEER_PHONE)


def enrol_person(db: Database, phone: str, alias: str) -> int:
    with db.session() as session:
        person = enrol(
            session,
            phone=phone,
            alias=alias,
            timezone="America/New_York",
            consented_at=datetime.now(UTC),
        )
        return person.id


def play(line: Line, conversation: Conversation, index: int, timeout: float = 30.0) -> Transcript:
    """Enrol a fresh consented person (the index-th synthetic one) and text each turn, one at
    a time, each once the turn before has finished."""
    phone = synthetic_phone(index)
    person = enrol_person(line.db, phone, synthetic_alias(index))
    transcript = Transcript(conversation)
    for turn in conversation.turns:
        transcript.played.append(_play_turn(line, person, phone, turn, timeout))
    return transcript


def _play_turn(line: Line, person: int, phone: str, turn: Turn, timeout: float) -> Played:
    before_case = _live_case(line.db, person)
    already = len(line.sandbox.messages_to(phone))
    sent = time.time()
    line.text(phone, turn.text)
    played = Played(turn)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        arrived = line.sandbox.messages_to(phone)[already:]
        quiet = _quiet(line.db, person, phone)
        played.bot_paused = _bot_paused(line.db, person)
        if quiet and (arrived or played.bot_paused):
            time.sleep(SETTLE_SECONDS)
            if _quiet(line.db, person, phone):
                break
        time.sleep(0.05)
    arrived = line.sandbox.messages_to(phone)[already:]
    played.replies = [m.body for m in arrived]
    if arrived:
        played.seconds = max(0.0, arrived[0].created_at.timestamp() - sent)
    played.case_level = _raised(before_case, _live_case(line.db, person))
    played.checkin = _checkin(line.db, person)
    return played


def _quiet(db: Database, person: int, phone: str) -> bool:
    """No turn of this person's still to run and nothing to them still in the outbox."""
    pending_turn = (Message.direction == Direction.INBOUND) & (
        Message.turn_status == TurnStatus.PENDING
    )
    unsent = (Message.direction == Direction.OUTBOUND) & Message.status.in_(
        [MessageStatus.PENDING, MessageStatus.SENDING]
    )
    with db.session() as session:
        count = session.scalar(
            select(func.count())
            .select_from(Message)
            .where(or_(Message.participant_id == person, Message.phone == phone))
            .where(pending_turn | unsent)
        )
    return not count


def _live_case(db: Database, person: int) -> tuple[int, CaseLevel] | None:
    with db.session() as session:
        row = session.execute(
            select(Case.id, Case.level)
            .where(Case.participant_id == person)
            .order_by(Case.id.desc())
            .limit(1)
        ).first()
    return (row[0], CaseLevel(row[1])) if row else None


def _bot_paused(db: Database, person: int) -> bool:
    with db.session() as session:
        return bool(
            session.scalar(
                select(func.count())
                .select_from(Case)
                .where(
                    Case.participant_id == person,
                    Case.pauses_bot,
                    Case.status != CaseStatus.RESOLVED,
                )
            )
        )


def _raised(
    before: tuple[int, CaseLevel] | None, after: tuple[int, CaseLevel] | None
) -> str | None:
    """The level of a case this text opened, or raised to a higher level; else None."""
    if after is None:
        return None
    if before is None or before[0] != after[0] or LEVEL_RANK[after[1]] > LEVEL_RANK[before[1]]:
        return after[1].value
    return None


def _checkin(db: Database, person: int) -> str | None:
    with db.session() as session:
        record = session.scalars(
            select(CheckIn).where(CheckIn.participant_id == person).order_by(CheckIn.id.desc())
        ).first()
        if record is None:
            return None
        answers = {
            "mood": record.mood,
            "craving": record.craving,
            "use": record.use,
            "medication": record.medication,
            "barriers": ",".join(record.barriers) or None,
            "wants_peer": record.wants_peer,
        }
        shown = " ".join(f"{k}={v}" for k, v in answers.items() if v is not None)
        return f"{shown} ({'complete' if record.complete else 'partial'})".strip()


def segment_count(body: str) -> int:
    return segments.count(body).segments
