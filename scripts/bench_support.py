"""What the engine benchmarks share: a `peerline serve` process of their own (to read its
memory), a fresh database, and a watcher that sees each reply queued."""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.process
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from types import TracebackType

import httpx
import psycopg
from sqlalchemy import select
from sqlalchemy.orm import aliased

from records.db import Database
from records.models import Direction, Message

PG_ADMIN = os.environ.get("PEERLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
POLL_SECONDS = 0.05  # the figures use the rows' own queue times; polling costs only CPU


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process (Linux), in MB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used so far (Linux); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def database_url(postgres: bool, tmp: Path) -> Iterator[str]:
    """A fresh SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if not postgres:
        yield f"sqlite:///{tmp / f'bench-{secrets.token_hex(4)}.db'}"
        return
    with postgres_database("peerline_bench") as url:
        yield url


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class AppProcess:
    """One `peerline serve` process, as production runs it (its own CPU and GIL)."""

    def __init__(
        self, env: dict[str, str], port: int, log_dir: Path, argv: list[str] | None = None
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        own = {**os.environ, **env, "PORT": str(port), "PUBLIC_BASE_URL": self.url}
        self._log = (log_dir / f"app-{port}.log").open("wb")
        self._process = subprocess.Popen(
            argv or [sys.executable, "-m", "peerline", "serve"],
            env={**own, "PYTHONUNBUFFERED": "1"},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    def __enter__(self) -> AppProcess:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the app exited with {self._process.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=5).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TimeoutError("the app did not start")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


class ReplyWatcher:
    """Resolves, per inbound MessageSid, a future with the time (epoch seconds) its first
    reply was queued. The polling runs in a process of its own: in the clients' process its
    queries held their GIL for milliseconds at a time, and every acknowledgement that came
    back meanwhile was timed late (the app's figure, not the benchmark's)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.loop: asyncio.AbstractEventLoop | None = None
        self._waiting: dict[str, asyncio.Future[float]] = {}
        self._lock = threading.Lock()
        self._stop = multiprocessing.get_context("spawn").Event()
        self._poller: multiprocessing.process.BaseProcess | None = None
        self._reader = threading.Thread(target=self._read, name="reply-reader", daemon=True)
        self._replies: Connection | None = None

    @property
    def pid(self) -> int:
        """The polling process (its CPU is the benchmark's, not the app's)."""
        return (self._poller.pid or 0) if self._poller else 0

    def expect(self, sid: str) -> asyncio.Future[float]:
        assert self.loop is not None
        future: asyncio.Future[float] = self.loop.create_future()
        with self._lock:
            self._waiting[sid] = future
        return future

    def start(self) -> None:
        with self.db.session() as session:
            last_id = session.scalar(select(Message.id).order_by(Message.id.desc())) or 0
        spawn = multiprocessing.get_context("spawn")
        self._replies, sending = spawn.Pipe(duplex=False)
        url = self.db.engine.url.render_as_string(hide_password=False)
        self._poller = spawn.Process(
            target=_poll_replies, args=(url, last_id, sending, self._stop), daemon=True
        )
        self._poller.start()
        sending.close()  # the poller holds the only sending end: its exit ends the reader
        self._reader.start()

    def stop(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(5)
        self._reader.join(5)

    def _read(self) -> None:
        assert self._replies is not None
        while True:
            try:
                sid, queued_at = self._replies.recv()
            except (EOFError, OSError):  # the poller has exited
                if not self._stop.is_set():
                    self._fail_waiting()
                return
            with self._lock:
                future = self._waiting.pop(sid, None)
            if future is not None and self.loop is not None:
                self.loop.call_soon_threadsafe(_resolve, future, queued_at)

    def _fail_waiting(self) -> None:
        """The poller died early: no reply will be seen, so nobody waits out its timeout."""
        with self._lock:
            waiting, self._waiting = list(self._waiting.values()), {}
        if self.loop is not None:
            for future in waiting:
                self.loop.call_soon_threadsafe(_fail, future)


def _fail(future: asyncio.Future[float]) -> None:
    if not future.done():
        future.set_exception(RuntimeError("the reply watcher's poller exited"))


def _poll_replies(url: str, last_id: int, out: Connection, stop: Event) -> None:
    """In its own process: each first reply's inbound sid and queue time, sent once."""
    db = Database(url)
    inbound = aliased(Message)
    told: set[str] = set()
    with out:
        while not stop.wait(POLL_SECONDS):
            query = (
                select(Message.id, Message.created_at, inbound.twilio_sid)
                .join(inbound, inbound.id == Message.reply_to_id)
                .where(Message.direction == Direction.OUTBOUND, Message.id > last_id - 500)
                .order_by(Message.id)
            )
            with db.session() as session:
                rows = session.execute(query).all()
            for row in rows:
                last_id = max(last_id, row.id)
                if row.twilio_sid and row.twilio_sid not in told:
                    told.add(row.twilio_sid)
                    out.send((row.twilio_sid, row.created_at.timestamp()))
    db.dispose()


def _resolve(future: asyncio.Future[float], value: float) -> None:
    if not future.done():
        future.set_result(value)


def ack_buckets(url: str) -> dict[float, float]:
    """The app's own webhook-ack histogram (/metrics): cumulative count per upper bound."""
    buckets: dict[float, float] = {}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("peerline_webhook_ack_seconds_bucket{"):
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def bucket_quantile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """Upper bound (seconds) of the bucket holding the q-quantile of what arrived between."""
    counts = {bound: after[bound] - before.get(bound, 0.0) for bound in sorted(after)}
    total = counts.get(float("inf"), 0.0)
    if not total:
        return float("nan")
    return next(bound for bound, count in counts.items() if count >= q * total)


def readings_reused(url: str) -> tuple[float, float]:
    """Turns that reused the safety lane's reading of their text, and turns whose text the
    engine parsed again (/metrics of the process running the turns: bot/parses.py)."""
    counts = {"reused": 0.0, "parsed_again": 0.0}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("peerline_engine_readings_total{"):
            use = line.split('use="', 1)[1].split('"', 1)[0]
            counts[use] = float(line.rsplit(" ", 1)[1])
    return counts["reused"], counts["parsed_again"]
