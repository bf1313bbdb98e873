"""The engine's edge, attacked: its REST channel asks for the token, the token is in no
process's command line, its files are the service user's alone, it runs below the app's CPU
priority, it listens on loopback only, and every install has its own token."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from peerline.engine_process import EngineProcesses
from records.install import install_token
from records.settings import Settings

WEBHOOK = "/webhooks/rest/webhook"
TURN = {"sender": "edge-test-1", "message": "hi"}


@pytest.mark.engine
@pytest.mark.parametrize(
    ("params", "headers"),
    [({}, {}), ({"token": "wrong"}, {}), ({}, {"Authorization": "Bearer wrong"})],
)
def test_the_rest_channel_refuses_a_missing_or_wrong_token(
    engine: EngineProcesses, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = httpx.post(engine.url + WEBHOOK, json=TURN, params=params, headers=headers)
    assert response.status_code == 401


@pytest.mark.engine
def test_the_rest_channel_answers_with_the_token(engine: EngineProcesses) -> None:
    response = httpx.post(
        engine.url + WEBHOOK, json=TURN, params={"token": engine.token}, timeout=30
    )
    assert response.status_code == 200 and isinstance(response.json(), list)


@pytest.mark.engine
def test_the_token_is_in_no_command_line(engine: EngineProcesses) -> None:
    assert engine.pids
    for pid in engine.pids:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        assert engine.token.encode() not in cmdline
    assert b"--auth-token" not in cmdline


@pytest.mark.engine
def test_the_engine_yields_the_cpu_to_webhooks_and_the_safety_lane(
    engine: EngineProcesses,
) -> None:
    """Rasa and the action server run at ENGINE_NICE (10) above the app's priority, so a
    busy engine does not make Twilio's acknowledgement or a crisis screen wait for it."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert [os.getpriority(os.PRIO_PROCESS, pid) for pid in engine.pids] == [own + 10] * 2


@pytest.mark.engine
def test_the_engine_files_are_the_service_users_alone(engine: EngineProcesses) -> None:
    assert stat.S_IMODE(engine.state_dir.stat().st_mode) == 0o700
    files = [p for p in engine.state_dir.rglob("*") if p.is_file()]
    assert any(p.name == "rasa-tracker.db" for p in files) or files
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"


def _outside_address() -> str | None:
    """This machine's address on its default route, if it has one other than loopback."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for UDP connect
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") else address


@pytest.mark.engine
def test_the_engine_listens_on_loopback_only(engine: EngineProcesses) -> None:
    address = _outside_address()
    if address is None:
        pytest.skip("this machine has no address but loopback to try from")
    for port in (engine.rasa_port, engine.action_port):
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()


def test_each_install_generates_its_own_private_token(tmp_path: Path) -> None:
    first = install_token(tmp_path / "var" / "rasa-token")
    again = install_token(tmp_path / "var" / "rasa-token")
    other = install_token(tmp_path / "elsewhere" / "rasa-token")
    assert first == again and first != other and len(first) >= 32
    assert stat.S_IMODE((tmp_path / "var" / "rasa-token").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700


def test_a_short_or_old_default_token_is_refused() -> None:
    for weak in ("peerline-local-engine-token", "x" * 31):
        with pytest.raises(ValidationError, match="rasa_token"):
            Settings(rasa_token=weak)
    assert len(Settings(rasa_token="t" * 40).rasa_token) == 40


def test_settings_default_to_the_install_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RASA_TOKEN", raising=False)
    token = Settings().rasa_token
    assert token == (tmp_path / "var" / "rasa-token").read_text().strip()
    assert Settings().rasa_token == token
    assert os.environ.get("RASA_TOKEN") is None
