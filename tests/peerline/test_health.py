"""/healthz and /metrics mean something: a dead work loop or a backlog past its threshold
turns the check red (503), latencies are measured, and neither carries PHI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from sqlalchemy import update

from peerline.engine_process import EngineProcesses
from records.db import Database
from records.models import Direction, Message
from records.participants import enrol
from tests.conftest import RunningApp
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

SAM = "+12125550101"
BODY = "feeling steady today, thanks for asking"


def _text(app: RunningApp, body: str) -> None:
    params = inbound_params(SAM, body)
    response = signed_post(app.url, "/sms/inbound", params, app.settings.auth_token)
    assert response.status_code == 200


def _age_texts(app: RunningApp, db: Database, by: timedelta) -> None:
    """Make every arrived text look `by` older, as if it had waited that long."""
    with db.session() as session:
        session.execute(
            update(Message)
            .where(Message.direction == Direction.INBOUND)
            .values(created_at=app.peerline.clock.now() - by)
        )


def _enrol(db: Database) -> None:
    with db.session() as session:
        enrol(session, phone=SAM, alias="Sam", timezone="UTC", consented_at=None)


def test_healthy_app_reports_loops_engine_and_backlogs(
    app_factory: Callable[..., RunningApp], db: Database
) -> None:
    app = app_factory()
    health = wait_for(lambda: httpx.get(f"{app.url}/healthz").json(), what="healthz")
    assert health["ok"] is True
    assert set(health["loops"]) >= {"safety", "turns", "outbox", "outbox-safety", "timers"}
    assert all(loop["alive"] for loop in health["loops"].values())
    assert health["engine"]["reachable"] is False  # nothing listens on the test engine url
    assert set(health["backlogs"]) == {
        "unscreened_text",
        "pending_turn",
        "unsent_text",
        "unclaimed_case",
    }


def test_each_engine_replica_is_reported(
    app_factory: Callable[..., RunningApp], db: Database, engine: EngineProcesses
) -> None:
    down = "http://127.0.0.1:9"  # discard port: nothing answers
    app = app_factory(rasa_urls=f"{engine.url},{down}", rasa_token=engine.token)
    health = wait_for(lambda: httpx.get(f"{app.url}/healthz").json(), what="healthz")
    assert health["engine"] == {"reachable": True, "replicas": {engine.url: True, down: False}}
    metrics = httpx.get(f"{app.url}/metrics").text
    assert f'peerline_engine_replica_ready{{replica="{down}"}} 0.0' in metrics
    assert f'peerline_engine_replica_ready{{replica="{engine.url}"}} 1.0' in metrics


def test_a_dead_loop_answers_503(app_factory: Callable[..., RunningApp], db: Database) -> None:
    app = app_factory()
    wait_for(lambda: httpx.get(f"{app.url}/healthz").status_code == 200, what="healthy")
    app.peerline.outbox_loop.stop()
    response = httpx.get(f"{app.url}/healthz")
    assert response.status_code == 503
    assert response.json()["loops"]["outbox"]["alive"] is False


def test_an_old_pending_turn_answers_503_and_shows_on_metrics(
    app_factory: Callable[..., RunningApp], db: Database
) -> None:
    """The engine is down, so Sam's turn waits; once it is older than the threshold, the
    check fails, and /metrics reports its age, without Sam's number or words anywhere."""
    _enrol(db)
    app = app_factory(health_turn_backlog_seconds=60)
    _text(app, BODY)
    assert httpx.get(f"{app.url}/healthz").status_code == 200
    _age_texts(app, db, timedelta(minutes=5))
    response = httpx.get(f"{app.url}/healthz")
    assert response.status_code == 503
    assert response.json()["backlogs"]["pending_turn"]["oldest_age_s"] >= 299
    metrics = httpx.get(f"{app.url}/metrics").text
    assert 'peerline_backlog_oldest_age_seconds{backlog="pending_turn"}' in metrics
    assert "peerline_healthy 0.0" in metrics
    assert "peerline_webhook_ack_seconds_count 1.0" in metrics
    for page in (metrics, response.text):
        assert BODY not in page and SAM not in page and SAM[2:] not in page and "Sam" not in page


def test_a_web_process_with_nobody_screening_turns_red(
    app_factory: Callable[..., RunningApp], db: Database
) -> None:
    """ROLE=web runs no loops of its own; if no work process screens what it stores, its
    check fails on the unscreened text's age rather than passing for want of loops."""
    _enrol(db)
    app = app_factory(role="web", health_screen_backlog_seconds=30)
    _text(app, BODY)
    health = httpx.get(f"{app.url}/healthz").json()
    assert (health["ok"], health["role"], health["loops"]) == (True, "web", {})
    _age_texts(app, db, timedelta(minutes=1))
    response = httpx.get(f"{app.url}/healthz")
    assert response.status_code == 503
    assert response.json()["backlogs"]["unscreened_text"]["ok"] is False


def test_metrics_times_turns_and_sends(
    app_factory: Callable[..., RunningApp], db: Database
) -> None:
    """A HELP text needs no engine: its turn runs and its answer is sent; both are timed."""
    _enrol(db)
    app = app_factory()
    _text(app, "HELP")

    def counted() -> str | None:
        text = httpx.get(f"{app.url}/metrics").text
        done = "peerline_turn_seconds_count 1.0" in text
        sent = 'peerline_send_seconds_count{lane="routine"} 1.0' in text
        return text if done and sent else None

    metrics = wait_for(counted, what="turn and send timed")
    assert "peerline_loop_alive" in metrics and SAM[2:] not in metrics
