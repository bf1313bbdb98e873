"""Shared fixtures: real databases (SQLite, PostgreSQL), the sandbox Twilio server, a real
Rasa engine (one per test session), and the running app served by uvicorn."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from fastapi import FastAPI
from hypothesis import settings as hypothesis_settings

from messaging.sandbox import Sandbox, create_sandbox_app
from peerline.app import Peerline, create_app
from peerline.engine_process import EngineProcesses
from records import migrate
from records.clock import Clock, ManualClock
from records.db import Database
from records.settings import Settings
from tests.support.servers import serve_in_thread

collect_ignore = ["actions", "nlu"]  # run by the engine environment (scripts/test.sh)

# Fuzzing (tests/messaging/test_fuzz.py): a short run in the suite, a long one from `make
# bench` (`--hypothesis-profile=long`).
hypothesis_settings.register_profile("suite", max_examples=40, deadline=None)
hypothesis_settings.register_profile("long", max_examples=1000, deadline=None)
hypothesis_settings.load_profile("suite")

PG_ADMIN_URL = os.environ.get("PEERLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PEERLINE_TEST_REDIS", "redis://127.0.0.1:6379/0")
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "test-auth-token-" + "0" * 16
PROGRAM_NUMBER = "+12125550100"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- databases -------------------------------------------------------------------------


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=2):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("PEERLINE_REQUIRE_POSTGRES"):
            pytest.fail(problem + " (PEERLINE_REQUIRE_POSTGRES is set)")
        pytest.skip(problem)
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    admin = request.getfixturevalue("postgres_admin")
    name = f"peerline_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using this runs twice: on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'peerline.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    migrate.upgrade(database_url)
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def redis_url() -> str:
    """Redis for Rasa's lock store, with a key prefix of this test's own (the app itself
    never talks to Redis, so a plain PING over a socket checks it is there)."""
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            reachable = sock.recv(16).startswith(b"+PONG")
    except OSError:
        reachable = False
    if not reachable:
        problem = f"Redis not reachable at {REDIS_URL}"
        if os.environ.get("PEERLINE_REQUIRE_POSTGRES"):
            pytest.fail(problem + " (PEERLINE_REQUIRE_POSTGRES is set)")
        pytest.skip(problem)
    return f"{REDIS_URL}?key_prefix=t{secrets.token_hex(4)}"


# --- the sandbox Twilio ----------------------------------------------------------------


@dataclass
class SandboxServer:
    sandbox: Sandbox
    url: str


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    sandbox = Sandbox(
        ACCOUNT_SID, AUTH_TOKEN, PROGRAM_NUMBER, webhook_url="http://127.0.0.1:9/unset"
    )
    with serve_in_thread(create_sandbox_app(sandbox)) as url:
        yield SandboxServer(sandbox, url)


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[Sandbox]:
    sandbox_server.sandbox.clear()
    yield sandbox_server.sandbox
    sandbox_server.sandbox.clear()


# --- the Rasa engine -------------------------------------------------------------------


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineProcesses]:
    """One real `rasa run` + action server for the whole session (loading takes ~30 s)."""
    processes = EngineProcesses(
        token=secrets.token_hex(16),
        rasa_port=free_port(),
        action_port=free_port(),
        state_dir=tmp_path_factory.mktemp("engine"),
    )
    processes.start()
    try:
        processes.wait_ready(timeout=300)
        yield processes
    finally:
        processes.stop()


# --- the app ---------------------------------------------------------------------------


def make_settings(database_url: str, sandbox_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = dict(
        database_url=database_url,
        public_base_url="http://127.0.0.1:9",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=PROGRAM_NUMBER,
        twilio_api_base_url=f"{sandbox_url}/sandbox/twilio",
        rasa_url="http://127.0.0.1:9",
        worker_poll_seconds=0.1,
        outbox_backoff_seconds=0.2,
        outbox_backoff_max_seconds=1.0,
        turn_retry_seconds=0.5,
        secret_key="test-secret-" + "x" * 20,
        outreach_checkin_days="",  # tests that want routine outreach ask for it
        send_rate_per_second=100.0,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class RunningApp:
    url: str
    settings: Settings
    app: FastAPI

    @property
    def peerline(self) -> Peerline:
        peerline: Peerline = self.app.state.peerline
        return peerline


@pytest.fixture
def app_factory(db: Database, sandbox_server: SandboxServer) -> Iterator[object]:
    """Start the real app (its loops running) with settings overrides, and a clock to move
    time by hand if given; stops at teardown."""
    stack: list[object] = []

    def start(clock: Clock | None = None, **overrides: object) -> RunningApp:
        port = free_port()
        settings = make_settings(
            str(db.engine.url.render_as_string(hide_password=False)),
            sandbox_server.url,
            public_base_url=f"http://127.0.0.1:{port}",
            **overrides,
        )
        app = create_app(settings, clock)
        server = serve_in_thread(app, port=port)
        url = server.__enter__()
        stack.append(server)
        return RunningApp(url, settings, app)

    yield start
    for server in reversed(stack):
        server.__exit__(None, None, None)  # type: ignore[attr-defined]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()
