"""The conversation runner's core, on the sample set, through the real gateway and engine:
every text answered, the crisis text caught, and a report that carries every figure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from messaging.sandbox import Sandbox
from peerline.engine_process import EngineProcesses
from records.db import Database
from scripts.converse_play import Line, add_peer_on_shift, load, play
from scripts.converse_report import FIGURE_NAMES, fallback_patterns, figures, markdown
from tests.conftest import PROGRAM_NUMBER, RunningApp

pytestmark = pytest.mark.engine

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "conversations" / "sample.yml"


def test_the_sample_set_is_answered_and_the_crisis_caught(
    app_factory: Callable[..., RunningApp],
    engine: EngineProcesses,
    db: Database,
    sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    add_peer_on_shift(db)
    app = app_factory(rasa_url=engine.url, rasa_token=engine.token)
    line = Line(app.url, app.settings.auth_token, sandbox, db, PROGRAM_NUMBER)
    conversations = load(SAMPLE)
    assert len(conversations) == 3
    try:
        transcripts = [play(line, c, i, timeout=90) for i, c in enumerate(conversations)]
    finally:
        line.client.close()

    played = [p for t in transcripts for p in t.played]
    assert all(p.replies for p in played), [p.turn.text for p in played if not p.replies]
    [crisis] = [p for p in played if p.turn.crisis]
    assert crisis.case_level in {"urgent", "emergency"}
    assert not any(p.case_level for p in played if p.turn.crisis is False)
    checkin = transcripts[0].played[-1].checkin
    assert checkin is not None and "mood=4" in checkin and "craving=2" in checkin

    patterns = fallback_patterns()
    result = figures(transcripts, patterns)
    assert result.no_reply == 0 and result.crisis_caught == result.crisis_texts == 1
    assert result.crisis_covered == 1
    report = tmp_path / "conversations-sample.md"
    report.write_text(markdown("sample", transcripts, patterns, "SQLite"), encoding="utf-8")
    text = report.read_text(encoding="utf-8")
    for name in FIGURE_NAMES:
        assert f"| {name} |" in text
    for conversation in conversations:
        assert f"## {conversation.id}:" in text
