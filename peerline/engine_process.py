"""Starting the Rasa engine and its action server from the engine environment.

Both listen on loopback only. Used by `peerline demo` / `peerline serve --with-engine`
and by the test suite, which starts one engine per test session.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from records.install import private_dir
from records.migrate import REPO_ROOT

ENGINE_BIN = REPO_ROOT / ".venv-engine" / "bin"


class EngineError(RuntimeError):
    pass


def current_model() -> Path:
    """The model `scripts/train.sh` built for the current content of bot/ and data/."""
    marker = REPO_ROOT / "models" / "current"
    if not marker.exists():
        raise EngineError("no trained model: run `make train` (or `make demo`) first")
    model = Path(marker.read_text().strip())
    model = model if model.is_absolute() else REPO_ROOT / model
    if not model.exists():
        raise EngineError(f"model {model.name} is missing: run `make train`")
    return model


def tracker_store_url(state_dir: Path = REPO_ROOT / "var") -> str:
    """The embedded engine's SQL tracker store (what `write_endpoints` points Rasa at)."""
    return f"sqlite:///{state_dir / 'rasa-tracker.db'}"


def write_endpoints(path: Path, action_port: int, tracker_db: Path) -> Path:
    """Endpoints for this run: Rasa 3.6 has no ${VAR:-default}, so ports are written here."""
    path.touch(mode=0o600)
    path.write_text(
        "# written by peerline/engine_process.py for one run; bot/endpoints.yml is the default\n"
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_db}"\n'
    )
    return path


def engine_env(token: str) -> dict[str, str]:
    """The engine's environment; the token travels here, never on a command line."""
    env = dict(os.environ)
    env.update(
        RASA_TOKEN=token,
        RASA_TELEMETRY_ENABLED="false",
        SANIC_HOST="127.0.0.1",  # rasa-sdk has no --interface flag; without this it binds 0.0.0.0
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",
    )
    return env


@dataclass
class EngineProcesses:
    """The `rasa run` engine and `rasa run actions`, as child processes."""

    token: str
    rasa_port: int = 5005
    action_port: int = 5055
    state_dir: Path = field(default_factory=lambda: REPO_ROOT / "var")
    model: Path | None = None
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self._procs]

    def start(self) -> None:
        private_dir(self.state_dir)  # the tracker store holds conversations: owner only
        model = self.model or current_model()
        env = engine_env(self.token)
        endpoints = write_endpoints(
            self.state_dir / "endpoints.yml", self.action_port, self.state_dir / "rasa-tracker.db"
        )
        self._spawn(
            "actions",
            [
                str(ENGINE_BIN / "rasa"),
                "run",
                "actions",
                "--actions",
                "actions",
                "--port",
                str(self.action_port),
            ],
            env,
        )
        self._spawn(
            "rasa",
            [
                str(ENGINE_BIN / "python"),
                "scripts/engine_main.py",  # adds --auth-token from RASA_TOKEN inside rasa
                "run",
                "--enable-api",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                "--endpoints",
                str(endpoints),
                "--credentials",
                "bot/credentials.yml",
                "--model",
                str(model),
            ],
            env,
        )

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log_path = self.state_dir / f"{name}.log"
        log_file = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        self._procs.append(
            subprocess.Popen(
                argv,
                cwd=REPO_ROOT,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                umask=0o077,  # logs, tracker store, endpoints: readable by this user only
            )
        )

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Block until the engine has its model loaded and the action server answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self._procs:
                if proc.poll() is not None:
                    raise EngineError(f"engine process exited; see {self.state_dir}/*.log")
            if self._ready():
                return
            time.sleep(0.5)
        raise EngineError(f"engine not ready after {timeout:.0f}s; see {self.state_dir}/*.log")

    def _ready(self) -> bool:
        try:
            status = httpx.get(f"{self.url}/status", params={"token": self.token}, timeout=2)
            actions = httpx.get(f"http://127.0.0.1:{self.action_port}/health", timeout=2)
        except httpx.HTTPError:
            return False
        return (
            status.status_code == 200
            and bool(status.json().get("model_file"))
            and (actions.status_code == 200)
        )

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._procs.clear()
