"""The short version of `make bench`'s coordinators' pages benchmark: a small synthetic
program on SQLite, served by a real `peerline serve` process, every timed page fetched twice
and answered (the full run, 10,000 people and 2,000,000 texts on PostgreSQL, prints p95s)."""

from __future__ import annotations

from pathlib import Path

from scripts import bench_console


def test_the_benchmark_makes_a_program_and_times_every_page(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/bench.db"
    people, texts = bench_console.make_program(url, people=60, per_week=3)
    assert people == 60 and texts > 500
    times = bench_console.run_pages(url, runs=2, logs=tmp_path)
    assert set(times) >= {"dashboard (30 days)", "summary (30 days)", "needs attention"}
    assert all(len(samples) == 2 for samples in times.values())
    bench_console.report(times, people, texts, "SQLite")
