"""Benchmark: do the hot path's queries stay flat as the messages table grows?

Fills a fresh PostgreSQL database with ~1M synthetic, already-handled texts (1,000 people,
their turns done and replies sent), then times and EXPLAINs each query the webhook, the
safety lane, the turns and the outbox run per text, with a crowd of 100 texts pending. A
query whose plan scans a person's whole history slows every round as the table grows.

    .venv/bin/python -m scripts.bench_growth [--rows 1000000] [--sqlite]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Select, text

from bot.turns import due_query
from messaging.outbox import claim_query
from records import migrate
from records.db import Database
from scripts.bench_support import database_url

PEOPLE = 1000
console = Console(width=140)


def prefill(db: Database, rows: int, people: int = PEOPLE) -> None:
    """`rows` handled texts (half in, half out) across `people` numbers, in one statement."""
    series = (
        "generate_series(1, :rows)"
        if db.is_postgres
        else "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :rows) "
        "SELECT i FROM s)"
    )
    column = "g" if db.is_postgres else "g.i"
    fill = text(
        "INSERT INTO messages (direction, kind, phone, body, num_media, status, turn_status, "
        "segments, truncated, attempts, priority, turn_errors, created_at, updated_at, "
        "screened_at, sent_at) "
        f"SELECT CASE WHEN {column} % 2 = 0 THEN 'inbound' ELSE 'outbound' END, "
        f"CASE WHEN {column} % 2 = 0 THEN 'text' ELSE 'reply' END, "
        f"'+1555' || lpad(CAST({column} % :people AS TEXT), 7, '0'), 'synthetic', 0, "
        f"CASE WHEN {column} % 2 = 0 THEN 'received' ELSE 'delivered' END, "
        f"CASE WHEN {column} % 2 = 0 THEN 'done' END, 1, false, 1, 2, 0, :at, :at, :at, :at "
        f"FROM {series} AS g"
    )
    at = datetime(2026, 1, 1, tzinfo=UTC)
    value: Any = at if db.is_postgres else at.replace(tzinfo=None)
    with db.session() as session:
        session.execute(fill, {"rows": rows, "people": people, "at": value})
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def crowd(db: Database, people: int = 100) -> None:
    """A crowd's texts pending their turns, and their replies waiting to be sent."""
    now = datetime.now(UTC)
    value: Any = now if db.is_postgres else now.replace(tzinfo=None)
    with db.session() as session:
        for i in range(people):
            phone = f"+1555{i:07d}"
            for direction, status, turn in (
                ("inbound", "received", "pending"),
                ("outbound", "pending", None),
            ):
                session.execute(
                    text(
                        "INSERT INTO messages (direction, kind, phone, body, num_media, status, "
                        "turn_status, segments, truncated, attempts, priority, turn_errors, "
                        "created_at, updated_at, next_attempt_at, screened_at) VALUES (:d, "
                        "'text', :p, 'x', 0, :s, :t, 1, false, 0, 2, 0, :n, :n, :n, :n)"
                    ),
                    {"d": direction, "p": phone, "s": status, "t": turn, "n": value},
                )


def hot_queries() -> dict[str, Callable[[], Select[Any]]]:
    lease = timedelta(seconds=60)
    return {
        "turns due": lambda: due_query(datetime.now(UTC), 64, frozenset()),
        "outbox claim": lambda: claim_query(datetime.now(UTC), 20, safety=False, lease=lease),
    }


def measure(db: Database) -> list[tuple[str, float, str]]:
    """Each hot query: its best time of 5 runs (ms) and its plan."""
    results = []
    for name, build in hot_queries().items():
        query = build()
        best = float("inf")
        with db.engine.connect() as conn:
            for _ in range(5):
                started = time.perf_counter()
                conn.execute(query).all()
                best = min(best, time.perf_counter() - started)
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            explain = "EXPLAIN" if db.is_postgres else "EXPLAIN QUERY PLAN"
            plan = conn.execute(text(f"{explain} {compiled}")).all()
        results.append((name, best * 1000, "\n".join(str(row[-1]) for row in plan)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database_url(not args.sqlite, Path(tmp)) as url:
        migrate.upgrade(url)
        db = Database(url)
        crowd(db)
        empty = measure(db)
        with console.status(f"filling {args.rows:,} rows..."):
            prefill(db, args.rows)
        full = measure(db)
        db.dispose()
    table = Table("query", "ms, empty table", f"ms, {args.rows:,} rows", "plan (full)")
    for (name, small, _), (_, large, plan) in zip(empty, full, strict=True):
        table.add_row(name, f"{small:.2f}", f"{large:.2f}", plan)
    console.print(table)


if __name__ == "__main__":
    main()
