"""`peerline triage`: the production decision on a CSV, with figures when labelled."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from peerline.engine_process import EngineProcesses

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "data" / "safety" / "labelled.csv"


def triage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peerline", "triage", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_the_shipped_labelled_set_meets_the_bar_without_the_engine() -> None:
    rows = list(csv.DictReader(LABELLED.open()))
    escalate = sum(r["label"] == "escalate" for r in rows)
    assert len(rows) >= 300 and 0.4 <= escalate / len(rows) <= 0.6
    result = triage(
        str(LABELLED), "--no-engine", "--min-recall", "0.98", "--max-false-rate", "0.05"
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert "without the engine: " in result.stdout and "recall" in result.stdout


def test_misses_are_listed_and_fail_the_threshold(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            {"text": "he is not breathing, lips blue", "label": "escalate"},
            {"text": "see you at group on tuesday", "label": "escalate"},  # mislabelled on purpose
            {"text": "this traffic is killing me", "label": "no_escalate"},
        ],
    )
    result = triage(str(path), "--no-engine", "--min-recall", "0.9")
    assert result.returncode == 1
    assert "recall 0.500" in result.stdout and "see you at group" in result.stdout


def test_several_files_are_each_measured_and_each_must_meet_the_bar(tmp_path: Path) -> None:
    """One start-up for many sets (make test's gates): a single failing file fails the run,
    and each figure line names its file."""
    good = write_csv(
        tmp_path / "good.csv",
        [
            {"text": "he is not breathing, lips blue", "label": "escalate"},
            {"text": "this traffic is killing me", "label": "no_escalate"},
        ],
    )
    bad = write_csv(
        tmp_path / "bad.csv",
        [{"text": "see you at group on tuesday", "label": "escalate"}],  # mislabelled on purpose
    )
    passing = triage(str(good), str(good), "--no-engine", "--min-recall", "0.9")
    assert passing.returncode == 0, passing.stdout[-2000:]
    assert passing.stdout.count("good.csv without the engine: 2 messages, recall 1.000") == 2
    failing = triage(str(good), str(bad), "--no-engine", "--min-recall", "0.9")
    assert failing.returncode == 1
    assert "good.csv without the engine: 2 messages, recall 1.000" in failing.stdout
    assert "bad.csv without the engine: 1 messages, recall 0.000" in failing.stdout


def test_unlabelled_files_print_each_decision(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", [{"text": "i want to kms tonight"}, {"text": "hey"}])
    result = triage(str(path), "--no-engine")
    assert result.returncode == 0
    assert "emergency" in result.stdout and "no labels" in result.stdout


@pytest.mark.parametrize("content", ["", "words,label\nhi,escalate\n", "\xff\xfe bad"])
def test_unreadable_files_get_a_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content.encode("latin-1"))
    result = triage(str(path), "--no-engine")
    assert result.returncode == 2 and "Traceback" not in result.stderr


@pytest.mark.engine
def test_reports_with_and_without_the_engine(engine: EngineProcesses, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [
            {"text": "my friend took too much and wont wake up", "label": "escalate"},
            {"text": "dying to see my kids this weekend", "label": "no_escalate"},
        ],
    )
    result = triage(str(path), env={"RASA_URL": engine.url, "RASA_TOKEN": engine.token})
    assert result.returncode == 0, result.stdout
    assert "without the engine: 2 messages" in result.stdout
    assert "with the engine: 2 messages" in result.stdout
