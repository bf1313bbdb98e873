"""The short version of `make bench`'s side-by-side benchmark: 10 people, 2 texts each per
round, against the real engine. It checks that every turn was answered on both sides and
that every figure is printed; it does not judge them (the full run is `make bench`)."""

from __future__ import annotations

import math

import pytest

from peerline.engine_process import EngineProcesses
from scripts import bench_engine, bench_engine_report, bench_floor
from scripts.bench_engine_report import TURN_LIMIT_S, Round, waits

FIGURES = ("webhook ack p50 / p99", "turn p50 / p99", "throughput", "gateway RSS")


@pytest.mark.engine
@pytest.mark.parametrize(
    "split", [False, pytest.param(True, marks=pytest.mark.postgres, id="split-postgres")]
)
def test_side_by_side_runs_and_prints_every_figure(
    engine: EngineProcesses,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    split: bool,
) -> None:
    """One process on SQLite (the embedded default), and split roles on PostgreSQL."""
    if split:
        request.getfixturevalue("postgres_admin")  # skips, and says why, without PostgreSQL
    results = bench_engine.run(engine, people=10, turns=2, postgres=split, split=split)
    floor = bench_floor.measure(people=10, bursts=2)
    figures = bench_engine.report(results, people=10, floor=floor)
    printed = capsys.readouterr().out
    assert [r.side for r in results] == ["peerline", "raw", "raw", "peerline", "server"]
    rounds = results[:4]
    assert all(len(r.turns) == 20 and r.missed == 0 for r in rounds), "a text went unanswered"
    for name in FIGURES:
        assert name in printed
    assert "CPU ms per turn" in printed  # where each side's CPU went, process by process
    assert all(r.cpu["rasa"] > 0 for r in rounds)
    assert all(r.cpu["carrier"] > 0 for r in rounds if r.side == "peerline")  # it sent the replies
    for name, value in figures.items():
        assert not math.isnan(value), f"{name} was not measured"
    assert figures["rss_mb"] > 0
    assert (figures["worker_rss_mb"] > 0) == split
    assert ("work process RSS" in printed) == split
    assert "a server that does nothing" in printed  # this machine's floor, beside the figure
    assert floor.opening_p99_ms > 0 and floor.open_p99_ms > 0 and floor.server_cpu_ms > 0


def test_a_turn_that_timed_out_counts_as_a_wait_at_the_limit() -> None:
    """A saturated side loses its slowest turns to the clients' limit: they still count,
    at the limit, so that side's median is not computed over the survivors alone."""
    raw = Round("raw", turns=[1.0, 2.0, 3.0], missed=3, timed_out=2, wall=10.0)
    ours = Round("peerline", acks=[0.01], later_acks=[0.01], turns=[2.0, 2.0, 2.0, 2.0, 2.0])
    ours.wall = 10.0
    figures = bench_engine_report.figures([ours, raw])
    assert waits([raw]) == [1.0, 2.0, 3.0, TURN_LIMIT_S, TURN_LIMIT_S]
    assert figures["raw_turn_p50_s"] == 3.0  # 2.0 over the answered turns alone
    assert figures["throughput_ratio"] == 5 / 3  # throughput still counts answers only
