"""Benchmark: how fast a crisis text reaches a human, under each kind of fault.

For every fault, over repeated runs on a fresh database and a fresh app: the time from the
crisis webhook to its case being visible, to its safety reply queued, to the safety reply
handed to the carrier (the sandbox), and to the first page handed to the carrier; p50 and
p99. Targets: case and reply queued within 1 s; reply and page at the carrier within 5 s.

Faults:
  hung     the engine accepts connections and never answers; 10 people are waiting on it
  down     the engine refuses; the same person's earlier "hi" is pending a retry
  backlog  1,000 routine texts queued in the outbox, paced at 1 text/s
  crowd    100 people text at once against the real engine (one of them in crisis)

    .venv/bin/python -m scripts.bench_safety [--runs N] [--faults hung,down,...] [--no-postgres]
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from messaging.outbox import enqueue
from messaging.sandbox import Sandbox, create_sandbox_app
from peerline.engine_process import EngineProcesses
from records import migrate
from records.db import Database
from records.models import Case, Message, MessageKind
from records.participants import enrol
from scripts.bench_support import database_url, free_port
from tests.support.hung import HungServer
from tests.support.processes import serve_processes
from tests.support.records import rae_the_peer
from tests.support.servers import serve_in_thread
from tests.support.twilio import inbound_params

FAULTS = ("hung", "down", "backlog", "crowd")
TARGETS = {"ack": 1.0, "case": 1.0, "queued": 1.0, "reply": 5.0, "page": 5.0}
ACCOUNT_SID, AUTH_TOKEN = "AC" + "7" * 32, "bench-auth-token-0000000000000000"
PROGRAM, PEER = "+12125550100", "+12125550150"
CRISIS = "my friend used and now hes not breathing, his lips are blue"
PG_ADMIN = os.environ.get("PEERLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
console = Console(width=120)


@dataclass
class Timing:
    """Seconds from the crisis webhook to each step, for one run."""

    ack: float | None = None
    case: float | None = None
    queued: float | None = None
    reply: float | None = None
    page: float | None = None


@dataclass
class Fault:
    name: str
    people: int
    engine_url: Callable[[], str]
    before: Callable[[Harness], None]
    settings: dict[str, object] = field(default_factory=dict)


@dataclass
class Harness:
    """One fresh app on a fresh database, the sandbox carrier, and the people enrolled."""

    url: str
    db: Database
    sandbox: Sandbox
    phones: list[str]
    client: httpx.Client = field(
        default_factory=lambda: httpx.Client(timeout=30, limits=httpx.Limits(max_connections=100))
    )

    def text(self, phone: str, body: str) -> None:
        """Post as Twilio does: signed, over kept-alive connections (a fresh client per text
        would measure the client's TLS set-up, not the gateway)."""
        url = f"{self.url}/sms/inbound"
        params = inbound_params(phone, body)
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = self.client.post(url, data=params, headers={"X-Twilio-Signature": signature})
        if response.status_code != 200:
            raise RuntimeError(f"webhook answered {response.status_code}")


# --- the faults ----------------------------------------------------------------------------


def _ten_waiting(h: Harness) -> None:
    for phone in h.phones[:10]:
        h.text(phone, "hey, long day, just checking in")
    time.sleep(0.5)  # their turns are now stuck inside the hung engine


def _earlier_pending(h: Harness) -> None:
    h.text(h.phones[-1], "hi")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with h.db.session() as session:
            hi = session.scalar(select(Message.attempts).where(Message.body == "hi"))
        if hi:
            return
        time.sleep(0.02)
    raise RuntimeError("the first turn never ran")


def _backlog(h: Harness) -> None:
    now = datetime.now(UTC)
    with h.db.session() as session:
        for i in range(1000):
            enqueue(
                session,
                phone=f"+1555{i:07d}",
                body="Good morning! Time for a quick check-in?",
                kind=MessageKind.NUDGE,
                now=now,
                max_segments=3,
            )
    time.sleep(1.0)  # the routine lane has picked the batch up and is sending


def _nothing(_h: Harness) -> None:
    return None


# --- one run -------------------------------------------------------------------------------


def run_once(fault: Fault, sandbox_url: str, sandbox: Sandbox, url: str, logs: Path) -> Timing:
    """One run: a fresh database, a fresh `peerline serve` process (its own CPU and GIL, as
    in production), the fault set up, then the crisis text."""
    migrate.upgrade(url)
    db = Database(url)
    phones = [f"+1212555{2000 + i:04d}" for i in range(fault.people)]
    with db.session() as session:
        for i, phone in enumerate(phones):
            enrol(session, phone=phone, alias=f"P{i}", timezone="UTC", consented_at=None)
        session.add(rae_the_peer(PEER))
    sandbox.clear()
    env = {
        "DATABASE_URL": url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": PROGRAM,
        "TWILIO_API_BASE_URL": f"{sandbox_url}/sandbox/twilio",
        "SECRET_KEY": "bench-secret-" + "z" * 24,
        "OUTREACH_CHECKIN_DAYS": "",
        "RASA_URL": fault.engine_url(),
        "LOG_LEVEL": "WARNING",
        **{key.upper(): str(value) for key, value in fault.settings.items()},
    }
    try:
        with serve_processes(1, [free_port()], env, logs) as [app_url]:
            harness = Harness(app_url, db, sandbox, phones)
            fault.before(harness)
            try:
                return _measure(harness, fault)
            finally:
                harness.client.close()
    finally:
        db.dispose()


def _measure(h: Harness, fault: Fault) -> Timing:
    """Post the crisis (in a crowd, among everyone else's texts) and watch, from the moment
    its own webhook is sent, for the case, the queued reply and the carrier's receipts."""
    crisis_phone = h.phones[-1]
    sent_at: list[float] = []
    acked: list[float] = []

    def post(phone: str) -> None:
        if phone == crisis_phone:
            sent_at.append(time.time())
            h.text(phone, CRISIS)
            acked.append(time.time() - sent_at[0])
        else:
            h.text(phone, "hi, checking in, doing ok today")

    half = len(h.phones) // 2
    order = [*h.phones[:half], crisis_phone, *h.phones[half:-1]]
    poster = ThreadPoolExecutor(max_workers=32 if fault.name == "crowd" else 1)
    futures = [poster.submit(post, phone) for phone in order if fault.name == "crowd"]
    if not futures:
        futures = [poster.submit(post, crisis_phone)]
    timing = Timing()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and None in (
        timing.case,
        timing.queued,
        timing.reply,
        timing.page,
    ):
        if not sent_at:
            time.sleep(0.001)
            continue
        started = sent_at[0]
        now = time.time() - started
        if timing.case is None or timing.queued is None:
            with h.db.session() as session:
                if timing.case is None and session.scalar(select(Case.id).limit(1)):
                    timing.case = now
                safety = select(Message.id).where(Message.kind == MessageKind.SAFETY)
                if timing.queued is None and session.scalar(safety.limit(1)):
                    timing.queued = now
        timing.reply = timing.reply or _carried(h.sandbox, crisis_phone, started)
        timing.page = timing.page or _carried(h.sandbox, PEER, started)
        time.sleep(0.005)
    for future in futures:
        future.result()
    poster.shutdown()
    timing.ack = acked[0] if acked else None
    return timing


def _carried(sandbox: Sandbox, phone: str, started: float) -> float | None:
    received = sandbox.messages_to(phone)
    if not received:
        return None
    return received[0].created_at.timestamp() - started


# --- the whole benchmark ---------------------------------------------------------------------


@contextmanager
def faults(selected: list[str], engine: EngineProcesses | None) -> Iterator[list[Fault]]:
    hung = HungServer()
    try:
        table = {
            "hung": Fault("hung", 11, lambda: hung.url, _ten_waiting),
            "down": Fault(
                "down",
                1,
                lambda: "http://127.0.0.1:9",
                _earlier_pending,
                {"turn_retry_seconds": 300},
            ),
            "backlog": Fault(
                "backlog", 1, lambda: "http://127.0.0.1:9", _backlog, {"send_rate_per_second": 1.0}
            ),
        }
        if engine is not None:
            table["crowd"] = Fault(
                "crowd",
                100,
                lambda: engine.url,
                _nothing,
                {"rasa_token": engine.token, "worker_poll_seconds": 0.1},
            )
        yield [table[name] for name in selected if name in table]
    finally:
        hung.close()


def run(
    selected: list[str],
    runs: int,
    postgres: bool,
    engine: EngineProcesses | None,
    progress: Callable[[str], None] = lambda _line: None,
) -> dict[tuple[str, str], list[Timing]]:
    """Every selected fault, `runs` times, on SQLite (and PostgreSQL); results by (fault, db)."""
    results: dict[tuple[str, str], list[Timing]] = {}
    sandbox = Sandbox(ACCOUNT_SID, AUTH_TOKEN, PROGRAM, webhook_url="http://127.0.0.1:9/unset")
    databases = ["sqlite", "postgresql"] if postgres else ["sqlite"]
    with (
        serve_in_thread(create_sandbox_app(sandbox)) as sandbox_url,
        tempfile.TemporaryDirectory() as tmp,
        faults(selected, engine) as chosen,
    ):
        for fault in chosen:
            for database in databases:
                timings = []
                for index in range(runs):
                    with database_url(database == "postgresql", Path(tmp)) as url:
                        timings.append(run_once(fault, sandbox_url, sandbox, url, Path(tmp)))
                    progress(f"{fault.name} on {database}: run {index + 1}/{runs}")
                results[fault.name, database] = timings
    return results


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def report(results: dict[tuple[str, str], list[Timing]]) -> bool:
    """Print the table; True when every run met every target."""
    table = Table(
        "fault",
        "db",
        "runs",
        *(f"{step} p50 / p99 (s)" for step in TARGETS),
        title="crisis text to a human (targets: case, queued <= 1 s; reply, page <= 5 s)",
    )
    ok = True
    for (fault, database), timings in results.items():
        cells = []
        for step, target in TARGETS.items():
            values = [getattr(t, step) for t in timings]
            missing = sum(v is None for v in values)
            seen = [v for v in values if v is not None]
            if not seen:
                cells.append("[red]never[/red]")
                ok = False
                continue
            p50, p99 = percentile(seen, 50), percentile(seen, 99)
            met = missing == 0 and p99 <= target
            ok &= met
            colour = "green" if met else "red"
            extra = f" ({missing} never)" if missing else ""
            cells.append(f"[{colour}]{p50:.3f} / {p99:.3f}[/{colour}]{extra}")
        table.add_row(fault, database, str(len(timings)), *cells)
    console.print(table)
    return ok


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--faults", default=",".join(FAULTS))
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    selected = [f.strip() for f in args.faults.split(",") if f.strip()]
    logging.basicConfig(level=logging.ERROR)  # the runs' own logs would drown the figures
    postgres = not args.no_postgres and _postgres_reachable()
    engine: EngineProcesses | None = None
    with ExitStack() as stack:
        if "crowd" in selected:
            engine = EngineProcesses(
                token=secrets.token_hex(8),
                rasa_port=free_port(),
                action_port=free_port(),
                state_dir=Path(stack.enter_context(tempfile.TemporaryDirectory())),
            )
            with console.status("starting the real Rasa engine for the crowd fault..."):
                engine.start()
                stack.callback(engine.stop)
                engine.wait_ready(timeout=300)
        lock = threading.Lock()

        def say(line: str) -> None:
            with lock:
                console.print(f"  {line}", style="dim")

        results = run(selected, args.runs, postgres, engine, say)
    if not postgres:
        console.print("[yellow]PostgreSQL not reachable: SQLite only[/yellow]")
    report(results)


if __name__ == "__main__":
    main()
