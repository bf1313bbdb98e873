"""Two real app processes on one PostgreSQL database: the re-page timer and the safety lane
run in both, and still every case is paged once per round and every text screened once."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from escalation.escalate import Escalator, Policy, Signal
from records import migrate
from records.db import Database
from records.models import (
    Case,
    CaseEvent,
    CaseLevel,
    Direction,
    Message,
    MessageKind,
    Participant,
)
from records.participants import enrol
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PROGRAM_NUMBER, SandboxServer, free_port
from tests.support.processes import serve_processes
from tests.support.records import peers_on_shift
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

pytestmark = pytest.mark.postgres

PEERS = ("+12125550150", "+12125550151")
REPAGE_SECONDS = 3.0


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    migrate.upgrade(postgres_url)
    database = Database(postgres_url)
    with database.session() as session:
        session.add_all(peers_on_shift(PEERS))
    yield database
    database.dispose()


def app_env(
    database_url: str, sandbox: SandboxServer, repage_seconds: float = REPAGE_SECONDS
) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": PROGRAM_NUMBER,
        "TWILIO_API_BASE_URL": f"{sandbox.url}/sandbox/twilio",
        "SECRET_KEY": "test-secret-" + "y" * 24,
        "RASA_URL": "http://127.0.0.1:9",  # the engine is down: only the safety lane works
        "REPAGE_EMERGENCY_MINUTES": str(repage_seconds / 60),
        "WORKER_POLL_SECONDS": "0.1",
        "SEND_RATE_PER_SECOND": "100",
        "OUTREACH_CHECKIN_DAYS": "",
        "LOG_LEVEL": "WARNING",
    }


def test_two_processes_repage_each_round_exactly_once(
    pg: Database, postgres_url: str, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    """Thirty unclaimed emergencies, so both timers are often mid-round at the same time."""
    sandbox_server.sandbox.clear()
    now = datetime.now(UTC)
    case_ids = []
    with pg.session() as session:
        for i in range(30):
            person = enrol(
                session, phone=f"+121255503{i:02d}", alias=f"P{i}", timezone="UTC", consented_at=now
            )
            signal = Signal(CaseLevel.EMERGENCY, ("overdose_now",), "test")
            outcome = Escalator(Policy()).escalate(
                session, participant=person, phone=person.phone, signal=signal, now=now
            )
            case_ids.append(outcome.case_id)
    ports = [free_port(), free_port()]
    with serve_processes(2, ports, app_env(postgres_url, sandbox_server), tmp_path):
        wait_for(
            lambda: min(_rounds(pg, c) for c in case_ids) >= 4,
            timeout=40,
            what="four re-page rounds for every case",
        )
    for case_id in case_ids:
        times = _page_times(pg, case_id)
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert all(gap >= timedelta(seconds=REPAGE_SECONDS * 0.9) for gap in gaps), gaps
        with pg.session() as session:
            pages = session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.case_id == case_id, Message.kind == MessageKind.PAGE)
            )
        assert pages == len(times) * len(PEERS), "each round pages each peer once"


def _page_times(db: Database, case_id: int) -> list[datetime]:
    with db.session() as session:
        return list(
            session.scalars(
                select(CaseEvent.at)
                .where(CaseEvent.case_id == case_id, CaseEvent.kind == "paged")
                .order_by(CaseEvent.at)
            )
        )


def _rounds(db: Database, case_id: int) -> int:
    return len(_page_times(db, case_id))


def test_two_processes_screen_every_text_once_and_open_one_case_per_person(
    pg: Database, postgres_url: str, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    sandbox_server.sandbox.clear()
    phones = [f"+121255502{i:02d}" for i in range(20)]
    with pg.session() as session:
        for i, phone in enumerate(phones):
            enrol(session, phone=phone, alias=f"P{i}", timezone="UTC", consented_at=None)
    crisis = set(phones[:5])
    ports = [free_port(), free_port()]
    # No re-page inside the test: on a busy machine a round could start before it ends, and
    # the pages counted here are the first ones (re-page races have their own test above).
    env = app_env(postgres_url, sandbox_server, repage_seconds=3600)
    with serve_processes(2, ports, env, tmp_path) as urls:
        for round_ in range(2):
            for i, phone in enumerate(phones):
                body = (
                    "my friend is blue and not breathing"
                    if phone in crisis
                    else f"just saying hi, round {round_}"
                )
                url = urls[(i + round_) % 2]  # each person's texts hit both processes
                params = inbound_params(phone, body)
                assert signed_post(url, "/sms/inbound", params, AUTH_TOKEN).status_code == 200
        wait_for(lambda: _unscreened(pg) == 0, timeout=30, what="every text screened")
        wait_for(
            lambda: len(sandbox_server.sandbox.messages) >= 5 + 5 * len(PEERS),
            timeout=30,
            what="safety replies and pages",
        )
    with pg.session() as session:
        cases = session.scalars(select(Case)).all()
        owners = [session.get_one(Participant, c.participant_id).phone for c in cases]
        safety = session.scalars(select(Message).where(Message.kind == MessageKind.SAFETY)).all()
        pages = session.scalars(select(Message).where(Message.kind == MessageKind.PAGE)).all()
    assert sorted(owners) == sorted(crisis), "one case per person in crisis, no more"
    assert sorted(m.phone for m in safety) == sorted(crisis), "one safety reply each"
    assert len(pages) == len(crisis) * len(PEERS), "each case paged once to each peer"
    carried = [m.to for m in sandbox_server.sandbox.messages]
    assert sorted(p for p in carried if p in crisis) == sorted(crisis)


def _unscreened(db: Database) -> int:
    with db.session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.direction == Direction.INBOUND, Message.screened_at.is_(None))
            )
            or 0
        )
