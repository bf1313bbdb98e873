"""No PHI in logs, even when things break: a signed text from a known number with a
distinctive body arrives while the database refuses it, its table is gone, and the carrier
fails a reply to that number; every log line (root at DEBUG, uvicorn's, stderr, and a real
`peerline serve` process's output) is searched for the number in any form and the body."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, text

from messaging.outbox import enqueue
from messaging.sandbox import Sandbox
from peerline import logs
from records import migrate
from records.clock import SystemClock
from records.db import Database
from records.models import Message, MessageKind, MessageStatus
from tests.conftest import RunningApp, SandboxServer, free_port
from tests.peerline.test_two_processes import app_env
from tests.support.processes import serve_processes
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

NUMBER = "+15555550142"
NUMBER_FORMS = (NUMBER, "15555550142", "5555550142", "555-555-0142", "555 555 0142")
BODY = "quokka-marmalade-4417 walked the dog twice"
MARKER = "quokka"  # the distinctive part of every body this test sends
OUTBOUND = "quokka reply: see you Thursday at the clinic"


class Everything(logging.Handler):
    """Keeps every record, formatted as a real handler would (message and traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Everything]:
    root, uvicorn = logging.getLogger(), logging.getLogger("uvicorn")
    levels = (root.level, uvicorn.level)
    factory = logging.getLogRecordFactory()
    handler = Everything()
    logs.configure("DEBUG")
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    uvicorn.addHandler(handler)  # uvicorn's loggers do not propagate to the root
    yield handler
    root.removeHandler(handler)
    uvicorn.removeHandler(handler)
    root.setLevel(levels[0])
    uvicorn.setLevel(levels[1])
    logging.setLogRecordFactory(factory)


def refuse_screening(db: Database) -> None:
    """The database refuses to settle the text: a constraint that quotes the row on failure."""
    with db.engine.begin() as conn:
        if db.is_postgres:
            conn.execute(
                text(
                    "ALTER TABLE messages ADD CONSTRAINT refuse_marked CHECK "
                    f"(body NOT LIKE '%{MARKER}%' OR screened_at IS NULL) NOT VALID"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_marked BEFORE UPDATE OF screened_at ON messages "
                    f"WHEN NEW.body LIKE '%{MARKER}%' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )


def allow_screening(db: Database) -> None:
    with db.engine.begin() as conn:
        if db.is_postgres:
            conn.execute(text("ALTER TABLE messages DROP CONSTRAINT refuse_marked"))
        else:
            conn.execute(text("DROP TRIGGER refuse_marked"))


def rename_messages(db: Database, old: str, new: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


def logged_since(captured: Everything, start: int, words: str) -> bool:
    return any(words in line for line in captured.lines[start:])


def assert_no_phi(output: str) -> None:
    for form in NUMBER_FORMS:
        assert form not in output, f"the number ({form}) is in the logs"
    assert MARKER not in output, "a message body is in the logs"


def test_breakage_logs_no_number_and_no_body(
    app_factory: Callable[..., RunningApp],
    db: Database,
    sandbox: Sandbox,
    captured: Everything,
    capfd: pytest.CaptureFixture[str],
) -> None:
    running = app_factory()
    base, token = running.url, running.settings.twilio_auth_token
    refuse_screening(db)
    params = inbound_params(NUMBER, BODY)
    assert signed_post(base, "/sms/inbound", params, token).status_code == 200
    assert signed_post(base, "/sms/inbound", params, token).status_code == 200  # a retry
    wait_for(lambda: logged_since(captured, 0, "safety: step failed"), what="a lane error")
    allow_screening(db)

    before = len(captured.lines)
    rename_messages(db, "messages", "messages_gone")  # the table is gone for a moment
    gone = signed_post(base, "/sms/inbound", inbound_params(NUMBER, BODY + " again"), token)
    assert gone.status_code == 503, "not stored, so Twilio must hear it failed"
    wait_for(lambda: logged_since(captured, before, "step failed"), what="a loop error")
    rename_messages(db, "messages_gone", "messages")

    sandbox.script_failure(500, 20500, "carrier down")  # the reply's first try fails
    with db.session() as session:
        clock = SystemClock()
        enqueue(
            session,
            phone=NUMBER,
            body=OUTBOUND,
            kind=MessageKind.REPLY,
            now=clock.now(),
            max_segments=3,
        )
    running.peerline.wake_outbox()
    wait_for(lambda: [m for m in sandbox.messages_to(NUMBER) if m.body == OUTBOUND], what="send")

    with db.session() as session:
        stored = session.scalars(select(Message.body)).all()
    assert BODY in stored, "the text itself was kept, in the database where it belongs"
    joined = "\n".join(captured.lines)
    assert "not stored: database error" in joined and "failed (code 20500" in joined
    assert "Traceback" in joined, "tracebacks were logged, and searched"
    out, err = capfd.readouterr()
    assert_no_phi(joined + out + err)


def test_a_served_process_logs_no_number_and_no_body(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    """The real `peerline serve` at DEBUG: its whole stdout and stderr, start to stop."""
    sandbox_server.sandbox.clear()
    url = f"sqlite:///{tmp_path / 'served.db'}"
    migrate.upgrade(url)
    env = app_env(url, sandbox_server) | {"LOG_LEVEL": "DEBUG"}
    sandbox_server.sandbox.script_failure(500, 20500, "carrier down")
    with serve_processes(1, [free_port()], env, tmp_path) as [base]:
        with sqlite3.connect(tmp_path / "served.db") as conn:
            conn.execute(
                "CREATE TRIGGER refuse_marked BEFORE UPDATE OF screened_at ON messages "
                f"WHEN NEW.body LIKE '%{MARKER}%' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        params = inbound_params(NUMBER, BODY)
        assert signed_post(base, "/sms/inbound", params, env["TWILIO_AUTH_TOKEN"]).is_success
        log_file = tmp_path / "app-0.log"
        wait_for(lambda: b"step failed" in log_file.read_bytes(), what="a lane error")
        with sqlite3.connect(tmp_path / "served.db") as conn:
            conn.execute("DROP TRIGGER refuse_marked")
        # An unknown number is told so: a reply to it, whose first try the carrier fails.
        wait_for(lambda: sandbox_server.sandbox.messages_to(NUMBER), what="the reply", timeout=60)
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    output = log_file.read_text(errors="replace")
    assert "failed (code 20500" in output and "Traceback" in output
    assert_no_phi(output)
    with Database(url).session() as session:
        statuses = session.scalars(select(Message.status)).all()
    assert MessageStatus.QUEUED in statuses or MessageStatus.DELIVERED in statuses
