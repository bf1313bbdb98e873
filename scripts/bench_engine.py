"""Benchmark: peerline's webhook path beside raw Rasa, same model, same load.

One run, one trained model, one engine process. N simulated people text at once; each sends
their next text when the reply to the previous one arrives. Peerline is driven as Twilio
drives it (signed POSTs to /sms/inbound; replies reach the sandbox carrier); raw Rasa is
driven by direct POSTs to its REST webhook. After a warm-up, two alternating rounds
(peerline then raw, raw then peerline), so neither side always runs on a warmer machine.

Prints, against targets: webhook ack p50/p99 (<= 20 ms p99), turn latency p50/p99 (webhook
to reply queued; <= 1.2x raw on the median), throughput in turns/s (>= 0.9x raw), and the
gateway process's resident memory (<= 150 MB).

    .venv/bin/python -m scripts.bench_engine [--people 100] [--turns 5] [--postgres] [--split]
        [--prefill 1000000]   # rounds on a table already this large: do they stay flat?
        [--engine-nice 10]    # the engine's CPU niceness, as ENGINE_NICE sets it
        [--rounds 2]          # alternating rounds a side: a round-to-round swing of 10-20%
                              # is common on a shared machine, so 4 or more to compare changes
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvloop
from rich.console import Console
from twilio.request_validator import RequestValidator

from peerline.engine_process import EngineProcesses
from records import migrate
from records.db import Database
from records.models import Participant
from records.participants import enrol
from scripts import bench_floor
from scripts.bench_carrier import carrier_process
from scripts.bench_engine_report import TURN_LIMIT_S, Round, report
from scripts.bench_growth import prefill
from scripts.bench_http import Connection, form
from scripts.bench_support import (
    AppProcess,
    ReplyWatcher,
    ack_buckets,
    bucket_quantile,
    cpu_seconds,
    database_url,
    free_port,
    readings_reused,
    rss_mb,
)
from tests.support.twilio import inbound_params

ACCOUNT_SID, AUTH_TOKEN = "AC" + "8" * 32, "bench-engine-token-000000000000000"
PROGRAM = "+12125550100"
TEXTS = ("hi", "doing ok today", "thanks", "what is this program", "ok thank you")
TURN_TIMEOUT = TURN_LIMIT_S
FORM = "application/x-www-form-urlencoded"
console = Console(width=120)


@dataclass
class Peerline:
    """The app under test: its URL, its database (to see replies queued) and its pid."""

    url: str
    db: Database
    app: AppProcess
    phones: list[str]
    watcher: ReplyWatcher
    worker: AppProcess | None = None  # split roles: the `work` process beside the `web` one
    carrier_pid: int = 0  # the sandbox carrier, standing in for Twilio (scripts/bench_carrier.py)

    @property
    def inbound_url(self) -> str:
        return f"{self.url}/sms/inbound"


@dataclass(frozen=True)
class Signed:
    """One text as Twilio would post it, signed before anyone's clock starts."""

    sid: str
    body: bytes
    headers: dict[str, str]


def _signed_texts(p: Peerline, phone: str, n: int) -> list[Signed]:
    validator = RequestValidator(AUTH_TOKEN)
    texts = []
    for turn in range(n):
        params = inbound_params(phone, TEXTS[turn % len(TEXTS)], to=PROGRAM)
        signature = validator.compute_signature(p.inbound_url, params)
        texts.append(Signed(params["MessageSid"], form(params), {"X-Twilio-Signature": signature}))
    return texts


async def _peerline_person(p: Peerline, texts: list[Signed]) -> Round:
    result = Round("peerline")
    connection = Connection(p.url)
    for turn, text in enumerate(texts):
        replied = p.watcher.expect(text.sid)
        sent = time.time()
        answer = await connection.post("/sms/inbound", text.body, FORM, text.headers)
        result.acks.append(time.time() - sent)
        if turn:
            result.later_acks.append(result.acks[-1])
        if answer.status != 200:
            raise RuntimeError(f"webhook answered {answer.status}")
        try:
            queued_at = await asyncio.wait_for(replied, TURN_TIMEOUT)
        except TimeoutError:
            result.missed += 1
            result.timed_out += 1
            continue
        result.turns.append(max(queued_at - sent, 0.0))
    await connection.close()
    return result


async def _raw_person(engine: EngineProcesses, i: int, n: int) -> Round:
    result = Round("raw")
    connection = Connection(engine.url)
    path = f"/webhooks/rest/webhook?token={engine.token}"
    for turn in range(n):
        payload = {"sender": f"bench-raw-{i}", "message": TEXTS[turn % len(TEXTS)]}
        sent = time.time()
        try:
            answer = await asyncio.wait_for(
                connection.post(path, json.dumps(payload).encode(), "application/json"),
                TURN_TIMEOUT,
            )
        except TimeoutError:
            result.missed += 1
            result.timed_out += 1
            await connection.close()
            continue
        elapsed = time.time() - sent
        if answer.status != 200 or not json.loads(answer.body or b"[]"):
            result.missed += 1
            continue
        result.turns.append(elapsed)
    await connection.close()
    return result


async def _crowd(side: str, people: int, turns: int, p: Peerline, engine: EngineProcesses) -> Round:
    """Every person at once, each on a keep-alive connection of the lean client
    (scripts/bench_http.py), on both sides alike."""
    if side == "peerline":  # signed first: a person's clock never runs during another's set-up
        signed = [_signed_texts(p, p.phones[i], turns) for i in range(people)]
        jobs = [_peerline_person(p, texts) for texts in signed]
    else:
        jobs = [_raw_person(engine, i, turns) for i in range(people)]
    pids = _pids(p, engine)
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.monotonic()  # the coroutines above have not started yet
    parts = await asyncio.gather(*jobs)
    total = Round(side, wall=time.monotonic() - started)
    total.cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    for part in parts:
        total.acks += part.acks
        total.later_acks += part.later_acks
        total.turns += part.turns
        total.missed += part.missed
        total.timed_out += part.timed_out
    if side == "peerline":
        total.rss_mb = rss_mb(p.app.pid)
        total.worker_rss_mb = rss_mb(p.worker.pid) if p.worker else None
    return total


def _pids(p: Peerline, engine: EngineProcesses) -> dict[str, int]:
    """Whose CPU a round costs: Rasa, its action server, peerline's processes, the sandbox
    carrier (standing in for Twilio's servers), this one (the clients) and the reply watcher."""
    pids = {"rasa": engine.rasa_pid, "app": p.app.pid}
    if len(engine.pids) > 1:
        pids["actions"] = engine.pids[0]
    if p.worker:
        pids["work"] = p.worker.pid
    return {**pids, "carrier": p.carrier_pid, "bench": os.getpid(), "watcher": p.watcher.pid}


def run_round(side: str, people: int, turns: int, p: Peerline, engine: EngineProcesses) -> Round:
    p.watcher.loop = None
    return uvloop.run(_with_watcher(side, people, turns, p, engine))  # the lighter client loop


async def _with_watcher(
    side: str, people: int, turns: int, p: Peerline, engine: EngineProcesses
) -> Round:
    p.watcher.loop = asyncio.get_running_loop()
    return await _crowd(side, people, turns, p, engine)


# --- set-up --------------------------------------------------------------------------------


def _enrol(db: Database, people: int) -> list[str]:
    phones = [f"+1212555{3000 + i:04d}" for i in range(people)]
    with db.session() as session:
        for i, phone in enumerate(phones):
            enrol(session, phone=phone, alias=f"B{i}", timezone="UTC", consented_at=None)
    with db.session() as session:
        assert session.query(Participant).count() == people
    return phones


@contextmanager
def peerline_under_test(
    engine: EngineProcesses,
    people: int,
    postgres: bool,
    tmp: Path,
    prefilled: int = 0,
    split: bool = False,
) -> Iterator[Peerline]:
    """One `peerline serve` doing everything, or (split) a `web` process that Twilio posts
    to beside a `work` process that runs the loops, as docs/deploy.md lays them out."""
    carrier = carrier_process(ACCOUNT_SID, AUTH_TOKEN, PROGRAM, free_port(), tmp)
    with carrier as (sandbox_url, carrier_pid), database_url(postgres, tmp) as url:
        migrate.upgrade(url)
        db = Database(url)
        phones = _enrol(db, people)
        if prefilled:
            with console.status(f"filling the messages table with {prefilled:,} rows..."):
                prefill(db, prefilled)
        env = {
            "DATABASE_URL": url,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": PROGRAM,
            "TWILIO_API_BASE_URL": f"{sandbox_url}/sandbox/twilio",
            "SECRET_KEY": "bench-secret-" + "e" * 24,
            "OUTREACH_CHECKIN_DAYS": "",
            "RASA_URL": engine.url,
            "RASA_TOKEN": engine.token,
            "SEND_RATE_PER_SECOND": "1000",
            "LOG_LEVEL": "WARNING",
        }
        watcher = ReplyWatcher(db)
        try:
            with ExitStack() as stack:
                app = stack.enter_context(
                    AppProcess({**env, "ROLE": "web" if split else "all"}, free_port(), tmp)
                )
                worker = (
                    stack.enter_context(AppProcess({**env, "ROLE": "work"}, free_port(), tmp))
                    if split
                    else None
                )
                watcher.start()
                yield Peerline(app.url, db, app, phones, watcher, worker, carrier_pid)
        finally:
            watcher.stop()
            db.dispose()


def run(
    engine: EngineProcesses,
    people: int,
    turns: int,
    postgres: bool = False,
    rounds: int = 2,
    prefilled: int = 0,
    split: bool = False,
) -> list[Round]:
    """Warm-up (one turn each side, not counted), then `rounds` alternating rounds."""
    results: list[Round] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        peerline_under_test(engine, people, postgres, Path(tmp), prefilled, split) as p,
    ):
        for side in ("peerline", "raw"):
            run_round(side, people, 1, p, engine)
        before = ack_buckets(p.url)
        for index in range(rounds):
            order = ("peerline", "raw") if index % 2 == 0 else ("raw", "peerline")
            for side in order:
                results.append(run_round(side, people, turns, p, engine))
        after = ack_buckets(p.url)
        reused, again = readings_reused((p.worker or p.app).url)
        share = reused / (reused + again) if reused + again else 0.0
        console.print(
            f"turns whose text the engine read once (the second opinion's reading "
            f"reused): {reused:.0f} of {reused + again:.0f} ({share:.0%})"
        )
    server = Round("server", acks=[bucket_quantile(before, after, q) for q in (0.5, 0.99)])
    return [*results, server]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--turns", type=int, default=5, help="texts per person per round")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating rounds a side (more: less noise)"
    )
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL, not SQLite")
    parser.add_argument(
        "--split",
        action="store_true",
        help="a web process and a work process (docs/deploy.md), not one doing both",
    )
    parser.add_argument(
        "--prefill", type=int, default=0, help="handled texts already in the table (1000000)"
    )
    parser.add_argument(
        "--engine-nice",
        type=int,
        default=10,
        help="the engine's CPU niceness (ENGINE_NICE; 0 runs it beside the app as an equal)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with console.status("measuring this machine's floor: a server that does nothing..."):
        floor = bench_floor.measure(args.people)  # before the engine loads, on a quiet machine
    with ExitStack() as stack:
        engine = EngineProcesses(
            token=secrets.token_hex(16),
            rasa_port=free_port(),
            action_port=free_port(),
            state_dir=Path(stack.enter_context(tempfile.TemporaryDirectory())),
            nice=args.engine_nice,
        )
        with console.status("starting the real Rasa engine..."):
            engine.start()
            stack.callback(engine.stop)
            engine.wait_ready(timeout=900)
        results = run(
            engine,
            args.people,
            args.turns,
            args.postgres,
            rounds=args.rounds,
            prefilled=args.prefill,
            split=args.split,
        )
    report(results, args.people, floor)


if __name__ == "__main__":
    main()
