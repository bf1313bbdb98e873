"""The scaled-out layout under a SIGKILL: two app processes and two real Rasa replicas on
a shared PostgreSQL tracker store and Redis lock store; one app process and one replica
killed in the middle of 100 texts from 20 people (`make bench` runs 1,000 from 200)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import bench_scale

pytestmark = [pytest.mark.engine, pytest.mark.postgres]


def test_kill_an_app_process_and_a_replica_mid_traffic(
    postgres_admin: str, redis_url: str, tmp_path: Path
) -> None:
    report = bench_scale.run(people=20, texts=100, logs=tmp_path, timeout=900)
    print("\n".join(report.lines()))  # the duplicate window's count, for the record
    assert report.texts == 100
    assert report.unanswered == [], "every text answered (a reply, or the safety reply)"
    assert report.out_of_order == [], "each person's replies in the order of their texts"
    assert report.crises > 0 and report.cases == report.crises, "one case per crisis, paged"
    assert report.cases_paged_twice == 0
    assert report.set_aside == 0
    assert report.unexplained_duplicates == 0, "no text sent twice outside the window"
    assert report.duplicates <= 2, "at most the sends in flight when the process died"
