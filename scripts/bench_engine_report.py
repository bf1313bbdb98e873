"""The engine benchmark's figures (scripts/bench_engine.py): each round's counts, and the
report against the targets of issue 15."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # bench_floor reads its percentiles from here
    from scripts.bench_floor import Floor

TURN_LIMIT_S = 60.0  # the clients' wait for one reply (scripts/bench_engine.py)
TARGETS = {"ack_p99_ms": 20.0, "turn_p50_ratio": 1.2, "throughput_ratio": 0.9, "rss_mb": 150.0}
console = Console(width=120)


@dataclass
class Round:
    """One side's figures for one round."""

    side: str
    acks: list[float] = field(default_factory=list)
    later_acks: list[float] = field(default_factory=list)  # after each person's first text
    turns: list[float] = field(default_factory=list)
    missed: int = 0
    timed_out: int = 0  # of the missed: no answer within the limit (a wait of at least that)
    wall: float = 0.0
    rss_mb: float | None = None
    worker_rss_mb: float | None = None  # split roles: the `work` process
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process, this round

    @property
    def throughput(self) -> float:
        return len(self.turns) / self.wall if self.wall else 0.0


def percentile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[q - 1]


def figures(results: list[Round]) -> dict[str, float]:
    """Every figure the report prints, peerline against raw over all rounds."""
    ours = [r for r in results if r.side == "peerline"]
    server = next((r.acks for r in results if r.side == "server"), [math.nan, math.nan])
    raw = [r for r in results if r.side == "raw"]
    acks = [a for r in ours for a in r.acks]
    turns, raw_turns = waits(ours), waits(raw)
    throughput = statistics.median(r.throughput for r in ours)
    raw_throughput = statistics.median(r.throughput for r in raw)
    return {
        "ack_p50_ms": percentile(acks, 50) * 1000,
        "ack_p99_ms": percentile(acks, 99) * 1000,
        "later_ack_p99_ms": percentile([a for r in ours for a in r.later_acks], 99) * 1000,
        "server_ack_p50_ms": server[0] * 1000,
        "server_ack_p99_ms": server[1] * 1000,
        "turn_p50_s": percentile(turns, 50),
        "turn_p99_s": percentile(turns, 99),
        "raw_turn_p50_s": percentile(raw_turns, 50),
        "raw_turn_p99_s": percentile(raw_turns, 99),
        "turn_p50_ratio": percentile(turns, 50) / percentile(raw_turns, 50),
        "throughput": throughput,
        "raw_throughput": raw_throughput,
        "throughput_ratio": throughput / raw_throughput if raw_throughput else 0.0,
        "rss_mb": max((r.rss_mb or 0.0) for r in ours),
        "worker_rss_mb": max((r.worker_rss_mb or 0.0) for r in ours),
        "missed": float(sum(r.missed for r in results)),
    }


def waits(rounds: list[Round]) -> list[float]:
    """Every turn's wait, the answered ones and, at the limit, those that timed out: a
    saturated side loses its slowest turns to the limit, and leaving them out would make
    its percentiles look faster than what its people waited."""
    return [t for r in rounds for t in r.turns] + [TURN_LIMIT_S] * sum(r.timed_out for r in rounds)


def met(name: str, value: float) -> bool:
    target = TARGETS[name]
    return value >= target if name == "throughput_ratio" else value <= target


def cpu_table(results: list[Round]) -> Table:
    """CPU milliseconds per answered turn, by process, on each side: where the cost goes."""
    names = list(dict.fromkeys(name for r in results for name in r.cpu))
    table = Table("side", *names, "all", title="CPU ms per turn (2 cores: 2,000 ms per s)")
    for side in ("peerline", "raw"):
        rounds = [r for r in results if r.side == side]
        turns = sum(len(r.turns) for r in rounds) or 1
        per = {name: 1000 * sum(r.cpu.get(name, 0.0) for r in rounds) / turns for name in names}
        cells = [f"{per[name]:.0f}" for name in names]
        table.add_row(side, *cells, f"{sum(per.values()):.0f}")
    return table


def report(results: list[Round], people: int, floor: Floor | None = None) -> dict[str, float]:
    rounds = Table("round", "side", "turns", "missed", "wall s", "turns/s", "ack p99 ms", "RSS MB")
    for index, r in enumerate(r for r in results if r.side != "server"):
        ack = f"{percentile(r.acks, 99) * 1000:.1f}" if r.acks else "-"
        rss = f"{r.rss_mb:.0f}" if r.rss_mb else "-"
        rounds.add_row(
            str(index // 2 + 1), r.side, str(len(r.turns)), str(r.missed), f"{r.wall:.1f}",
            f"{r.throughput:.1f}", ack, rss,
        )  # fmt: skip
    console.print(rounds)
    console.print(cpu_table(results))
    f = figures(results)

    def mark(name: str, text: str) -> str:
        colour = "green" if met(name, f[name]) else "red"
        return f"[{colour}]{text}[/{colour}]"

    table = Table("figure", "peerline", "raw Rasa", "target", title=f"{people} people at once")
    table.add_row(
        "webhook ack p50 / p99",
        mark("ack_p99_ms", f"{f['ack_p50_ms']:.1f} / {f['ack_p99_ms']:.1f} ms"),
        "-",
        "p99 <= 20 ms",
    )
    table.add_row(
        "  p99 after each person's first text",
        f"{f['later_ack_p99_ms']:.1f} ms",
        "-",
        "without the round's opening burst of 100 new connections",
    )
    table.add_row(
        "  in the app (/metrics, bucket bound)",
        f"<= {f['server_ack_p50_ms']:g} / <= {f['server_ack_p99_ms']:g} ms",
        "-",
        "the client's figure adds its own queueing",
    )
    if floor is not None:
        table.add_row(
            "  a server that does nothing, same client",
            f"{floor.opening_p99_ms:.1f} ms ({floor.open_p99_ms:.1f})",
            "-",
            "this machine's floor: a burst's p99 on new (open) connections, median of ten",
        )
    table.add_row(
        "turn p50 / p99",
        mark("turn_p50_ratio", f"{f['turn_p50_s']:.2f} / {f['turn_p99_s']:.2f} s"),
        f"{f['raw_turn_p50_s']:.2f} / {f['raw_turn_p99_s']:.2f} s",
        f"p50 <= 1.2x raw (now {f['turn_p50_ratio']:.2f}x); a timed-out turn counts as "
        f"{TURN_LIMIT_S:.0f} s",
    )
    table.add_row(
        "throughput",
        mark("throughput_ratio", f"{f['throughput']:.1f} turns/s"),
        f"{f['raw_throughput']:.1f} turns/s",
        f">= 0.9x raw (now {f['throughput_ratio']:.2f}x)",
    )
    table.add_row("gateway RSS", mark("rss_mb", f"{f['rss_mb']:.0f} MB"), "-", "<= 150 MB")
    if f["worker_rss_mb"]:
        table.add_row(
            "  work process RSS (split roles)",
            f"{f['worker_rss_mb']:.0f} MB",
            "-",
            "the screen's encoder lives here (issue 12 allows +300 MB)",
        )
    console.print(table)
    return f
