"""The endpoints file peerline writes is read by Rasa 3.6 itself (the engine environment's
own `AvailableEndpoints`, `TrackerStore.create`, `LockStore.create`), against the real
PostgreSQL and Redis: a key Rasa does not know, or a driver missing from the engine
environment, fails here rather than at a replica's start."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from peerline import engine_process
from peerline.cli import app
from peerline.cli import engine as engine_cli
from peerline.engine_endpoints import write_endpoints
from peerline.engine_process import ENGINE_BIN, engine_env
from records.migrate import REPO_ROOT

# Runs in the engine environment: builds the stores the file names, and uses them once.
PROBE = """
import asyncio, json, sys
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

async def main():
    endpoints = AvailableEndpoints.read_endpoints(sys.argv[1])
    tracker_store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    lock_store = LockStore.create(endpoints.lock_store)
    async with lock_store.lock("p-probe"):
        locked_elsewhere = lock_store.get_lock("p-probe") is not None
        tracker = DialogueStateTracker("p-probe", slots=[])
        tracker.update(UserUttered("hello"))
        await tracker_store.save(tracker)
    again = await tracker_store.retrieve("p-probe")
    store = getattr(tracker_store, "_tracker_store", tracker_store)
    print(json.dumps({
        "tracker_store": type(store).__name__,
        "dialect": store.engine.dialect.name if hasattr(store, "engine") else None,
        "lock_store": type(lock_store).__name__,
        "locked_while_held": locked_elsewhere,
        "events": len(again.events) if again else 0,
    }))

asyncio.run(main())
"""


def probe(endpoints: Path) -> dict[str, object]:
    result = subprocess.run(
        [str(ENGINE_BIN / "python"), "-c", PROBE, str(endpoints)],
        cwd=REPO_ROOT,
        env=engine_env("t" * 32),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_embedded_default_is_a_sqlite_tracker_and_no_lock_store(tmp_path: Path) -> None:
    path = write_endpoints(
        tmp_path / "endpoints.yml", "http://127.0.0.1:5055/webhook", tmp_path / "tracker.db"
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "it may hold a store's password"
    answer = probe(path)
    assert answer["tracker_store"] == "SQLTrackerStore"
    assert answer["dialect"] == "sqlite"
    assert answer["lock_store"] == "InMemoryLockStore"
    assert answer["events"] == 1
    assert (tmp_path / "tracker.db").exists()


@pytest.mark.postgres
def test_postgres_tracker_and_redis_lock_store_as_rasa_reads_them(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    """The app's URL spelling (psycopg 3 driver, a password) becomes Rasa's keys; the
    engine environment drives PostgreSQL with psycopg2 and Redis with redis-py."""
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://")
    path = write_endpoints(
        tmp_path / "endpoints.yml",
        "http://127.0.0.1:5055/webhook",
        tmp_path / "unused.db",
        tracker_store_url=url,
        lock_store_url=redis_url,
    )
    answer = probe(path)
    assert answer["tracker_store"] == "SQLTrackerStore"
    assert answer["dialect"] == "postgresql"
    assert answer["lock_store"] == "RedisLockStore"
    assert answer["locked_while_held"] is True, "the lock lives in Redis while held"
    assert answer["events"] == 1
    assert not (tmp_path / "unused.db").exists()
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT count(*) FROM events WHERE sender_id = 'p-probe'").fetchone()
    assert row is not None and row[0] == 1, "the conversation is in the shared PostgreSQL"


def test_peerline_engine_rasa_writes_its_endpoints_and_keeps_the_token_off_argv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`peerline engine rasa` (a replica under a supervisor) becomes `rasa run` by exec:
    its endpoints file names the shared stores, its token is in the environment only."""
    token = "k" * 40
    execs: list[tuple[list[str], dict[str, str]]] = []

    def fake_exec(_path: str, argv: list[str], env: dict[str, str]) -> None:
        execs.append((argv, env))

    monkeypatch.setattr(engine_process, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(engine_process, "current_model", lambda: tmp_path / "model.tar.gz")
    monkeypatch.setattr(engine_cli.os, "execve", fake_exec)
    monkeypatch.setattr(engine_cli.os, "chdir", lambda _path: None)
    monkeypatch.setenv("RASA_TOKEN", token)
    monkeypatch.setenv("RASA_TRACKER_STORE_URL", "postgresql://rasa:pw@127.0.0.1:5432/rasa")
    monkeypatch.setenv("RASA_LOCK_STORE_URL", "redis://127.0.0.1:6379/1")
    result = CliRunner().invoke(app, ["engine", "rasa", "--port", "5006"])
    assert result.exit_code == 0, result.output
    [(argv, env)] = execs
    assert token not in " ".join(argv) and env["RASA_TOKEN"] == token
    assert argv[argv.index("--port") + 1] == "5006"
    endpoints = Path(argv[argv.index("--endpoints") + 1])
    assert endpoints == tmp_path / "var" / "endpoints-5006.yml"
    assert stat.S_IMODE(endpoints.stat().st_mode) == 0o600
    text = endpoints.read_text()
    assert 'dialect: "postgresql"' in text and 'password: "pw"' in text
    assert "lock_store:" in text and "db: 1" in text
