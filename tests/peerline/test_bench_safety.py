"""The short version of `make bench`'s safety-lane benchmark: every fault once, on SQLite.

It checks that under each fault the crisis text got its case, its queued safety reply, the
reply at the carrier and the page at the carrier; it prints the figures and does not time
them (the full benchmark, with p50/p99 over repeated runs, is `make bench`)."""

from __future__ import annotations

import pytest

from peerline.engine_process import EngineProcesses
from scripts import bench_safety

STEPS = ("ack", "case", "queued", "reply", "page")


def check(results: dict[tuple[str, str], list[bench_safety.Timing]]) -> None:
    bench_safety.report(results)
    for (fault, database), timings in results.items():
        for timing in timings:
            missing = [step for step in STEPS if getattr(timing, step) is None]
            assert missing == [], f"{fault} on {database}: never reached {missing}"


def test_each_fault_once_without_the_engine() -> None:
    check(bench_safety.run(["hung", "down", "backlog"], runs=1, postgres=False, engine=None))


@pytest.mark.engine
def test_a_crowd_against_the_real_engine_once(engine: EngineProcesses) -> None:
    check(bench_safety.run(["crowd"], runs=1, postgres=False, engine=engine))
