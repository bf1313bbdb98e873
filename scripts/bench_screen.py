"""Benchmark: the safety screen's cost per text, and the memory its learned layer adds.

Runs in a fresh process so memory is measured from a bare start: resident memory before
the screen is imported, after the model is loaded and has read one text, and at the end.
Latency is `triage.decide` (lexicon, learned layer, combination) on every text of the
tuning sets plus long, chatty texts, one at a time as the safety lane runs them.
Targets (issue 12): p99 at most 30 ms per text on 2 cores; at most 300 MB added. Then the
worst cases, timed once each: the longest text a phone can send (1,600 characters) and the
largest body the gateway accepts (64 KB), both a crisis clause over and over, the most work
per character the lexicon can be given.

    .venv/bin/python -m scripts.bench_screen [--texts N]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
console = Console(width=110)


def rss_mb() -> float:
    """Resident memory now, from /proc (the peak-memory counter would hide what is freed)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass(frozen=True)
class Figures:
    texts: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    rss_before_mb: float
    rss_loaded_mb: float
    rss_after_mb: float
    worst_ms: dict[str, float]

    @property
    def added_mb(self) -> float:
        return max(self.rss_loaded_mb, self.rss_after_mb) - self.rss_before_mb


def corpus(limit: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((ROOT / "data" / "safety").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            texts += [row["text"] for row in csv.DictReader(handle)]
    chatty = "work ran late, the bus broke down, my sister called twice about the kids. "
    texts += [chatty * n + "anyway i think i'll just take all of them tonight" for n in (5, 12, 21)]
    return (texts * (limit // len(texts) + 1))[:limit]


def worst_cases() -> dict[str, str]:
    from messaging.webhooks import MAX_WEBHOOK_BYTES

    crisis = "i want to die tonight lol. "
    return {
        "longest SMS (1,600 characters)": (crisis * 60)[:1600],
        f"largest webhook body ({MAX_WEBHOOK_BYTES // 1024} KB)": (crisis * 2500)[
            :MAX_WEBHOOK_BYTES
        ],
    }


def time_once(text: str) -> float:
    from escalation import triage

    start = time.perf_counter()
    triage.decide(text)
    return (time.perf_counter() - start) * 1000


def run(limit: int) -> Figures:
    before = rss_mb()
    from escalation import learned, triage

    learned.load()
    triage.decide("warming up: loading the encoder")
    loaded = rss_mb()
    timings: list[float] = []
    for text in track(corpus(limit), description="screening", console=console, transient=True):
        start = time.perf_counter()
        triage.decide(text)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return Figures(
        texts=len(timings),
        p50_ms=statistics.median(timings),
        p99_ms=timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        max_ms=timings[-1],
        rss_before_mb=before,
        rss_loaded_mb=loaded,
        rss_after_mb=rss_mb(),
        worst_ms={name: time_once(text) for name, text in worst_cases().items()},
    )


def report(f: Figures) -> None:
    table = Table(title="safety screen: one text at a time, no engine")
    for column in ("texts", "p50 ms", "p99 ms", "max ms", "memory added MB", "target"):
        table.add_column(column, justify="right")
    table.add_row(
        str(f.texts),
        f"{f.p50_ms:.2f}",
        f"{f.p99_ms:.2f}",
        f"{f.max_ms:.1f}",
        f"{f.added_mb:.0f}",
        "p99 <= 30 ms, <= 300 MB",
    )
    console.print(table)
    for name, ms in f.worst_ms.items():
        console.print(f"worst case, {name}: {ms:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=5000, help="texts to screen (default 5000)")
    report(run(parser.parse_args().texts))


if __name__ == "__main__":
    main()
