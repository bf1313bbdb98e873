"""`ROLE=web` and `ROLE=work`: one process answers Twilio and staff, another does the work.

The web process stays small because it never loads the screen's encoder (numpy and the
model live in the work process), and a crisis text posted to it still reaches a human at
once: on PostgreSQL the web process wakes the work process with a NOTIFY, so the work
process's long idle poll is never what the person waits for.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from records import migrate
from records.db import Database
from records.models import Case, Message, MessageKind
from records.participants import enrol
from tests.conftest import SandboxServer, free_port
from tests.peerline.test_two_processes import PEERS, app_env
from tests.support.processes import serve_processes
from tests.support.records import peers_on_shift
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

PERSON = "+12125550131"
LONG_POLL = "30"  # the work loops' idle poll: only a wake-up can beat it


def _prepare(url: str) -> Database:
    migrate.upgrade(url)
    db = Database(url)
    with db.session() as session:
        session.add_all(peers_on_shift(PEERS))
        enrol(session, phone=PERSON, alias="Split", timezone="UTC", consented_at=None)
    return db


def _reaches_a_human(sandbox_server: SandboxServer, timeout: float) -> None:
    wait_for(
        lambda: {m.to for m in sandbox_server.sandbox.messages} >= {PERSON, *PEERS},
        timeout=timeout,
        what="the safety reply and both pages at the carrier",
    )


def _maps(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


@pytest.mark.postgres
def test_a_crisis_posted_to_the_web_process_is_handled_by_the_work_process_at_once(
    postgres_url: str, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    sandbox_server.sandbox.clear()
    db = _prepare(postgres_url)
    env = app_env(postgres_url, sandbox_server, repage_seconds=3600)
    ports = [free_port(), free_port()]
    env["WORKER_POLL_SECONDS"] = LONG_POLL
    env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{ports[0]}"  # status callbacks reach web
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with serve_processes(
            2, ports, env, tmp_path, processes=processes, roles=["web", "work"]
        ) as (web, work):
            web_health = httpx.get(f"{web}/healthz").json()
            work_health = httpx.get(f"{work}/healthz").json()
            assert (web_health["role"], web_health["loops"]) == ("web", {})
            assert work_health["role"] == "work" and "safety" in work_health["loops"]
            # The work process takes no texts and serves no console: Twilio points at web.
            assert httpx.post(f"{work}/sms/inbound", data={}).status_code == 404
            assert httpx.get(f"{work}/console/login").status_code == 404
            time.sleep(1.0)  # the work process has settled into its long idle wait

            posted = time.monotonic()
            params = inbound_params(PERSON, "took way too many pills, everything is spinning")
            response = signed_post(web, "/sms/inbound", params, env["TWILIO_AUTH_TOKEN"])
            assert response.status_code == 200
            _reaches_a_human(sandbox_server, timeout=15)
            waited = time.monotonic() - posted
            assert waited < float(LONG_POLL) / 2, f"took {waited:.1f}s: the work process slept"
            web, work = _maps(processes[0].pid), _maps(processes[1].pid)
            assert "numpy" not in web, "the web process loaded the encoder"
            assert "onnxruntime" not in web, "the web process loaded the fine-tuned reader"
            assert "numpy" in work and "onnxruntime" in work
    finally:
        db.dispose()
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        safety = session.scalar(
            select(func.count()).select_from(Message).where(Message.kind == MessageKind.SAFETY)
        )
        assert safety == 1


def test_split_roles_on_sqlite_find_the_text_at_the_next_poll(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    """Without PostgreSQL there is no NOTIFY: the work process polls, and still answers."""
    sandbox_server.sandbox.clear()
    url = f"sqlite:///{tmp_path / 'split.db'}"
    db = _prepare(url)
    env = app_env(url, sandbox_server, repage_seconds=3600)
    ports = [free_port(), free_port()]
    env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{ports[0]}"
    try:
        with serve_processes(2, ports, env, tmp_path, roles=["web", "work"]) as (web, _work):
            params = inbound_params(PERSON, "my roommate is blue and wont wake up")
            response = signed_post(web, "/sms/inbound", params, env["TWILIO_AUTH_TOKEN"])
            assert response.status_code == 200
            _reaches_a_human(sandbox_server, timeout=20)
    finally:
        db.dispose()
