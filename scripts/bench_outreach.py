"""Benchmark: plan a day of outreach for N participants (default 100,000).

Prints, for SQLite and for PostgreSQL (when reachable): seeding time, the first planning
pass (every row new), the next pass (what runs every 15 minutes: nothing new), rows
planned, and peak memory. Target: under 10 s per pass for 100,000 participants.

    .venv/bin/python scripts/bench_planner.py [--participants N] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import insert

from outreach import planner
from records import migrate
from records.db import Database
from records.models import Appointment, OutreachSchedule, Participant
from records.settings import Settings

PG_ADMIN = os.environ.get("PEERLINE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
CHUNK = 10_000
console = Console(width=120)


def seed(db: Database, count: int, now: datetime) -> float:
    """N participants across four zones; 10% with their own routine, 5% with an appointment
    tomorrow. Synthetic 555-01xx-style numbers, made unique with extra digits."""
    started = time.perf_counter()
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"seeding {count:,} participants", total=count)
        for start in range(0, count, CHUNK):
            ids = range(start + 1, min(start + CHUNK, count) + 1)
            with db.session() as session:
                session.execute(
                    insert(Participant),
                    [
                        {
                            "id": i,
                            "public_id": f"p-{i:016x}",
                            "phone": f"+1555{i:07d}",
                            "alias": f"P{i}",
                            "timezone": ZONES[i % len(ZONES)],
                            "status": "active",
                            "consented_at": now - timedelta(days=3),
                            "created_at": now - timedelta(days=3),
                            "updated_at": now,
                        }
                        for i in ids
                    ],
                )
                session.execute(
                    insert(OutreachSchedule),
                    [
                        {
                            "participant_id": i,
                            "checkin_days": "mon,wed,fri",
                            "send_window": "17:00-19:00",
                            "medication_every_days": 7,
                            "updated_at": now,
                        }
                        for i in ids
                        if i % 10 == 0
                    ],
                )
                session.execute(
                    insert(Appointment),
                    [
                        {
                            "participant_id": i,
                            "starts_at": now + timedelta(hours=20 + i % 8),
                            "kind": "prescriber visit",
                            "location": "",
                            "status": "scheduled",
                            "created_at": now - timedelta(days=2),
                        }
                        for i in ids
                        if i % 20 == 0
                    ],
                )
            progress.advance(task, len(ids))
    return time.perf_counter() - started


def measure(name: str, url: str, count: int) -> list[str]:
    migrate.upgrade(url)
    db = Database(url)
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    # a Monday, 05:00 in New York: the day's check-ins are all ahead
    now = datetime(2026, 11, 2, 5, 0, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
    seeded = seed(db, count, now)
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        with db.session() as session:
            added = planner.plan(session, settings, now, horizon=timedelta(hours=24))
        timings.append((time.perf_counter() - started, added))
    db.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    (first, rows), (again, extra) = timings
    verdict = "[green]ok[/green]" if max(first, again) < 10 else "[red]over 10 s[/red]"
    return [
        name,
        f"{count:,}",
        f"{seeded:.1f}",
        f"{first:.2f}",
        f"{rows:,}",
        f"{again:.2f} ({extra} new)",
        f"{peak_mb:,.0f}",
        verdict,
    ]


def postgres_url() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2, autocommit=True) as conn:
            name = f"peerline_bench_{secrets.token_hex(4)}"
            conn.execute(f'CREATE DATABASE "{name}"')
            return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    except psycopg.Error as exc:
        console.print(f"[yellow]PostgreSQL not reachable at {PG_ADMIN} ({exc}); skipped[/yellow]")
        return None


def drop(url: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    table = Table(
        "database",
        "participants",
        "seed s",
        "plan a day s",
        "rows planned",
        "re-plan s",
        "peak MB",
        "target <10 s",
        title="outreach planning",
    )
    with tempfile.TemporaryDirectory() as tmp:
        table.add_row(*measure("SQLite", f"sqlite:///{tmp}/bench.db", args.participants))
    url = None if args.no_postgres else postgres_url()
    if url:
        try:
            table.add_row(*measure("PostgreSQL", url, args.participants))
        finally:
            drop(url)
    console.print(table)


if __name__ == "__main__":
    main()
