"""Benchmark: the coordinators' pages on a program of 10,000 participants and 2,000,000 texts
on PostgreSQL (made by peerline/synthetic.py), served by a real `peerline serve` process.

Prints p50 and p95 page times for the dashboard and a participant's summary (target: p95
under 1 s each), and for the participant page, the needs-attention list and a CSV.

    .venv/bin/python -m scripts.bench_console [--people N] [--texts-per-week N] [--runs N]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from peerline import synthetic
from records import migrate
from records.db import Database
from records.models import Message, Participant
from tests.support.processes import serve_processes

PG_ADMIN = os.environ.get("PEERLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password-" + "x" * 12
console = Console(width=120)


def make_program(url: str, people: int, per_week: float) -> tuple[int, int]:
    migrate.upgrade(url)
    db = Database(url)
    staffing = synthetic.add_staff(db, synthetic.Shape(peers=8), lambda: PASSWORD)
    shape = synthetic.Shape(people=people, days=180, texts_per_week=per_week, peers=8, seed=11)
    started = time.perf_counter()

    def say(what: str, count: int) -> None:
        if count % 200_000 == 0 or what != "messages":
            console.print(f"  {what}: {count:,}", style="dim")

    synthetic.generate(db, shape, datetime.now(UTC), staffing.staff_ids[:8], say)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    with db.session() as session:
        texts = session.scalar(select(func.count()).select_from(Message)) or 0
        count = session.scalar(select(func.count()).select_from(Participant)) or 0
    db.dispose()
    console.print(
        f"made {count:,} people and {texts:,} texts in {time.perf_counter() - started:.0f} s"
    )
    return count, texts


def time_pages(base: str, url: str, runs: int) -> dict[str, list[float]]:
    db = Database(url)
    with db.session() as session:
        ids = list(session.scalars(select(Participant.public_id).limit(5000)))
    db.dispose()
    rng = random.Random(3)
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/console/login").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(
        "/console/login",
        data={"email": "cat@program.example", "password": PASSWORD, "csrf_token": token},
    )
    pages = {
        "dashboard (30 days)": lambda: "/console/dashboard?period=month",
        "dashboard (182 days)": lambda: "/console/dashboard?period=half",
        "summary (30 days)": lambda: (
            f"/console/participants/{rng.choice(ids)}/summary?period=month"
        ),
        "summary (182 days)": lambda: (
            f"/console/participants/{rng.choice(ids)}/summary?period=half"
        ),
        "participant page": lambda: f"/console/participants/{rng.choice(ids)}",
        "needs attention": lambda: "/console/attention",
        "dashboard CSV": lambda: "/console/dashboard/claims.csv?period=month",
    }
    times: dict[str, list[float]] = {}
    for name, path in pages.items():
        client.get(path())  # warm
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path())
            samples.append(time.perf_counter() - started)
            if response.status_code != 200 or "Log in" in response.text[:2000]:
                raise RuntimeError(f"{name}: HTTP {response.status_code}, not the page")
        times[name] = samples
    client.close()
    return times


def run_pages(url: str, runs: int, logs: Path) -> dict[str, list[float]]:
    """Serve the program with a real `peerline serve` process and time its pages."""
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + "s" * 30,
        "LOG_LEVEL": "WARNING",
        "OUTREACH_CHECKIN_DAYS": "",
        "RASA_URL": "http://127.0.0.1:9",
    }
    with serve_processes(1, [_free_port()], env, logs) as [base]:
        return time_pages(base, url, runs)


def report(times: dict[str, list[float]], people: int, texts: int, db: str = "PostgreSQL") -> None:
    table = Table(
        "page",
        "runs",
        "p50 (s)",
        "p95 (s)",
        "target",
        title=f"coordinators' pages: {people:,} people, {texts:,} texts, {db}",
    )
    for name, samples in times.items():
        ordered = sorted(samples)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        target = "p95 < 1 s" if name.startswith(("dashboard (", "summary (")) else ""
        colour = "green" if p95 < 1.0 else "red"
        table.add_row(
            name,
            str(len(samples)),
            f"{statistics.median(samples):.3f}",
            f"[{colour}]{p95:.3f}[/{colour}]",
            target,
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--texts-per-week", type=float, default=7.75)  # about 2,000,000 texts
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    name = f"peerline_bench_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        people, texts = make_program(url, args.people, args.texts_per_week)
        env = {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "s" * 30,
            "LOG_LEVEL": "WARNING",
            "OUTREACH_CHECKIN_DAYS": "",
            "RASA_URL": "http://127.0.0.1:9",
        }
        with (
            tempfile.TemporaryDirectory() as logs,
            serve_processes(1, [_free_port()], env, Path(logs)) as [base],
        ):
            report(time_pages(base, url, args.runs), people, texts)
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
