"""The short version of `make bench`'s screen benchmark: it runs, in its own process, and
prints the figures issue 12 is judged by (latency per text and memory added), and the
worst cases: the longest SMS and the largest webhook body."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_screen_benchmark_prints_latency_and_memory() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "scripts.bench_screen", "--texts", "150"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    row = re.search(r"│\s+150 │\s+([\d.]+) │\s+([\d.]+) │\s+([\d.]+) │\s+(\d+) │", run.stdout)
    assert row, run.stdout
    p50, p99, worst, added = (float(v) for v in row.groups())
    assert 0 < p50 <= p99 <= worst
    assert added > 50  # the encoder really loaded: it is ~140 MB of weights and arrays
    worst = re.findall(r"worst case, (longest SMS|largest webhook body).*: (\d+) ms", run.stdout)
    assert [name for name, _ in worst] == ["longest SMS", "largest webhook body"], run.stdout
    assert all(int(ms) > 0 for _, ms in worst)
