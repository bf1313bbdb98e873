"""Every path that asks for a human goes through the one escalation function: peer requests
from the conversation (with the real engine), the engine's second opinion, a turn that keeps
failing, and re-engagement. Each gets an "opened" event, a page, a live console update and,
left unclaimed, a re-page on its own level's SLA."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from escalation.screen.engine_trust import TRUST
from messaging.sandbox import Sandbox
from peerline.engine_process import EngineProcesses
from records.db import Database
from records.models import (
    Case,
    CaseEvent,
    CaseLevel,
    Direction,
    Message,
    MessageKind,
    Participant,
    StaffRole,
    TurnStatus,
)
from records.participants import enrol
from tests.conftest import RunningApp
from tests.console.test_console import log_in, make_staff
from tests.support.servers import serve_in_thread
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

SAM, ROBIN = "+12125550101", "+12125550102"
PEER_PHONE = "+12125550150"


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    ids = {}
    with db.session() as session:
        for phone, alias in ((SAM, "Sam"), (ROBIN, "Robin")):
            ids[phone] = enrol(
                session, phone=phone, alias=alias, timezone="America/New_York", consented_at=None
            ).id
    peer = make_staff(db, StaffRole.PEER, "rae@peers.example")
    with db.session() as session:
        staff = session.merge(peer)
        staff.phone, staff.on_shift = PEER_PHONE, True
    return ids


def say(app: RunningApp, sender: str, body: str) -> None:
    response = signed_post(
        app.url, "/sms/inbound", inbound_params(sender, body), app.settings.auth_token
    )
    assert response.status_code == 200


def events(db: Database, case_id: int) -> list[str]:
    with db.session() as session:
        return list(
            session.scalars(
                select(CaseEvent.kind).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
        )


def only_case(db: Database) -> Case | None:
    with db.session() as session:
        return session.scalars(select(Case)).one_or_none()


@pytest.mark.engine
def test_a_peer_request_is_opened_paged_shown_live_and_repaged(
    app_factory: Callable[..., RunningApp],
    engine: EngineProcesses,
    db: Database,
    sandbox: Sandbox,
    people: dict[str, int],
) -> None:
    app = app_factory(rasa_url=engine.url, rasa_token=engine.token, repage_support_minutes=0.02)
    client = log_in(app.url, "rae@peers.example")
    with client.stream("GET", "/console/events") as stream:
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("event")) == "event: ready"
        say(app, SAM, "can i talk to my peer please")
        assert next(line for line in lines if line.startswith("event")) == "event: queue"
    case = wait_for(lambda: only_case(db), timeout=30, what="the peer request's case")
    assert case.level == CaseLevel.SUPPORT and not case.pauses_bot
    wait_for(lambda: sandbox.messages_to(PEER_PHONE), timeout=10, what="the page")
    repaged = wait_for(
        lambda: [m for m in sandbox.messages_to(PEER_PHONE) if "still unclaimed" in m.body],
        timeout=15,
        what="the support re-page",
    )
    assert f"#{case.id}" in repaged[0].body and "Sam" not in repaged[0].body
    assert events(db, case.id)[:2] == ["opened", "paged"]
    assert "Asked for" in client.get("/console").text or "peer" in client.get("/console").text
    client.close()


# --- a turn that keeps failing -------------------------------------------------------------


def poison_outbound_to(db: Database, participant_id: int) -> None:
    """A real fault, not a mock: the database itself refuses to store texts to one person."""
    with db.engine.begin() as conn:
        if db.is_postgres:
            conn.execute(
                text(
                    "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW WHEN "
                    f"(NEW.participant_id = {participant_id} AND NEW.direction = 'outbound') "
                    "EXECUTE FUNCTION poison()"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN "
                    f"NEW.participant_id = {participant_id} AND NEW.direction = 'outbound' "
                    "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"
                )
            )


def cure(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER poison" + (" ON messages" if db.is_postgres else "")))


def inbound_of(db: Database, phone: str) -> list[Message]:
    with db.session() as session:
        return list(
            session.scalars(
                select(Message)
                .where(Message.phone == phone, Message.direction == Direction.INBOUND)
                .order_by(Message.id)
            )
        )


@pytest.mark.engine
def test_a_turn_that_keeps_failing_backs_off_is_set_aside_and_stalls_nobody(
    app_factory: Callable[..., RunningApp],
    engine: EngineProcesses,
    db: Database,
    sandbox: Sandbox,
    people: dict[str, int],
) -> None:
    poison_outbound_to(db, people[SAM])
    app = app_factory(
        rasa_url=engine.url, rasa_token=engine.token, turn_retry_seconds=0.3, turn_max_errors=3
    )
    say(app, SAM, "hi")
    say(app, ROBIN, "hi")
    wait_for(lambda: sandbox.messages_to(ROBIN), timeout=30, what="Robin's reply")
    [first] = wait_for(
        lambda: [m for m in inbound_of(db, SAM) if m.turn_status == TurnStatus.SET_ASIDE],
        timeout=30,
        what="Sam's failing turn to be set aside",
    )
    assert first.turn_errors == 3 and "turn failed" in (first.error_message or "")
    case = wait_for(lambda: only_case(db), timeout=10, what="the follow-up case")
    assert case.reasons == ["bot_could_not_answer"] and case.level == CaseLevel.SUPPORT
    wait_for(lambda: sandbox.messages_to(PEER_PHONE), timeout=10, what="the page")
    cure(db)
    say(app, SAM, "hello again")
    wait_for(lambda: sandbox.messages_to(SAM), timeout=30, what="Sam's next text answered")


# --- the engine's second opinion -------------------------------------------------------------


@pytest.fixture
def worried_engine() -> Iterator[str]:
    """A stand-in engine whose NLU reads every text as suicidal, with all the confidence the
    calibration asks of that intent (escalation/screen/engine_thresholds.json)."""
    app = FastAPI()
    trusted_from = TRUST["risk_suicidal"].raise_from
    assert trusted_from is not None, "the calibration lets risk_suicidal raise a case"

    @app.post("/model/parse")
    def parse() -> dict[str, Any]:
        return {"intent": {"name": "risk_suicidal", "confidence": trusted_from}}

    @app.post("/webhooks/rest/webhook")
    def webhook() -> list[dict[str, Any]]:
        return [{"text": "I'm here."}]

    with serve_in_thread(app) as url:
        yield url


def test_the_engine_may_raise_a_case_the_screen_did_not_open(
    app_factory: Callable[..., RunningApp],
    worried_engine: str,
    db: Database,
    sandbox: Sandbox,
    people: dict[str, int],
) -> None:
    app = app_factory(rasa_url=worried_engine)
    say(app, SAM, "ok, going to bed now")  # the screen finds nothing here
    case = wait_for(lambda: only_case(db), timeout=10, what="the engine-raised case")
    assert case.level == CaseLevel.URGENT and "suicidal_thoughts" in case.reasons
    with db.session() as session:
        opened = session.scalar(
            select(CaseEvent.detail).where(CaseEvent.case_id == case.id, CaseEvent.kind == "opened")
        )
    assert opened is not None and "by engine" in opened
    reply = wait_for(
        lambda: [m for m in sandbox.messages_to(SAM) if "988" in m.body],
        timeout=10,
        what="the safety reply",
    )
    assert "reach out within 15 minutes" in reply[0].body


def test_an_engine_that_disagrees_never_lowers_the_screen(
    app_factory: Callable[..., RunningApp],
    db: Database,
    sandbox: Sandbox,
    people: dict[str, int],
) -> None:
    app = app_factory()  # the engine is down: the screen decides alone, at once
    say(app, SAM, "my boyfriend isnt breathing and his lips are blue")
    case = wait_for(lambda: only_case(db), timeout=10, what="the case")
    assert case.level == CaseLevel.EMERGENCY


# --- re-engagement goes the same way ----------------------------------------------------------


def test_reengagement_requests_go_through_the_one_escalation(
    db: Database, people: dict[str, int]
) -> None:
    from escalation.escalate import Escalator, Signal
    from outreach.scheduler import SILENT_REASON

    changed: list[int] = []
    escalator = Escalator(on_case_change=changed.append)
    with db.session() as session:
        participant = session.get_one(Participant, people[ROBIN])
        signal = Signal(CaseLevel.SUPPORT, (SILENT_REASON,), "reengagement")
        outcome = escalator.escalate(
            session,
            participant=participant,
            phone=participant.phone,
            signal=signal,
            now=participant.created_at + timedelta(days=9),
        )
        assert changed == [], "the console hears only after the commit"
    assert changed == [outcome.case_id]
    assert events(db, outcome.case_id) == ["opened", "paged"]
    with db.session() as session:
        page = session.scalars(select(Message).where(Message.kind == MessageKind.PAGE)).one()
    assert page.phone == PEER_PHONE
