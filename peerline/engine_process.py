"""Starting the Rasa engine and its action server from the engine environment.

Both listen on loopback only. Used by `peerline demo` / `peerline serve --with-engine`
and by the test suite, which starts one engine per test session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from peerline.engine_endpoints import write_endpoints
from records.install import private_dir
from records.migrate import REPO_ROOT
from records.settings import Settings

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


def tracker_store_url(configured: str = "", state_dir: Path = REPO_ROOT / "var") -> str | None:
    """Where the engine keeps conversations, for the retention purge: the shared SQL store
    when one is configured, the embedded SQLite file otherwise. None for a Redis tracker
    store, which the purge does not reach (see README, RETENTION_DAYS)."""
    if configured.startswith("redis"):
        return None
    return configured or f"sqlite:///{state_dir / 'rasa-tracker.db'}"


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
    tracker_store_url: str = ""  # empty: a SQLite file in state_dir
    lock_store_url: str = ""  # empty: Rasa's in-process lock
    with_actions: bool = True  # False: a further replica using an action server run elsewhere
    # Routine turns yield the CPU to the webhooks and the safety lane on a shared host: with
    # the engine at the same priority, a busy engine made the webhook's ack wait for it.
    nice: int = 10
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def pids(self) -> list[int]:
        return [proc.pid for proc in self._procs]

    @property
    def rasa_pid(self) -> int:
        return self._procs[-1].pid

    def endpoints(self) -> Path:
        """This start's endpoints file (one per replica port: replicas may share var/)."""
        private_dir(self.state_dir)  # the tracker store holds conversations: owner only
        return write_endpoints(
            self.state_dir / f"endpoints-{self.rasa_port}.yml",
            f"http://127.0.0.1:{self.action_port}/webhook",
            self.state_dir / "rasa-tracker.db",
            self.tracker_store_url,
            self.lock_store_url,
        )

    def rasa_argv(self, endpoints: Path) -> list[str]:
        model = self.model or current_model()
        return [
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
        ]

    def actions_argv(self) -> list[str]:
        return [
            str(ENGINE_BIN / "rasa"),
            "run",
            "actions",
            "--actions",
            "actions",
            "--port",
            str(self.action_port),
        ]

    def start(self) -> None:
        env = engine_env(self.token)
        endpoints = self.endpoints()
        if self.with_actions:
            self._spawn("actions", self.actions_argv(), env)
        self._spawn(f"rasa-{self.rasa_port}", self.rasa_argv(endpoints), env)

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        log_path = self.state_dir / f"{name}.log"
        log_file = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        if self.nice and (nice := shutil.which("nice")):
            argv = [nice, "-n", str(self.nice), *argv]  # nice execs in place: the pid is rasa's
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
            and (actions.status_code == 200 or not self.with_actions)
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


def engine_processes(settings: Settings, rasa_port: int | None = None) -> EngineProcesses:
    """The engine a deployment's settings describe: its stores, its action server."""
    return EngineProcesses(
        token=settings.rasa_token,
        rasa_port=rasa_port or settings.rasa_port,
        action_port=settings.action_port,
        tracker_store_url=settings.rasa_tracker_store_url,
        lock_store_url=settings.rasa_lock_store_url,
        nice=settings.engine_nice,
    )
