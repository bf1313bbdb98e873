"""The safety screen's learned layer: the shipped model matches its training data, it only
ever raises a level, it flags crisis phrasing the lexicon misses, and it never crashes.

Sentences here are written for this file, not taken from data/safety or data/nlu.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from escalation import learned, triage
from escalation.screen import Decision, Level, Reason, screen

ROOT = Path(__file__).resolve().parents[2]
RETRAIN = ".venv/bin/python scripts/train_screen_model.py"


def trainer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "train_screen_model", ROOT / "scripts" / "train_screen_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_the_shipped_model_was_trained_on_the_current_data() -> None:
    shipped = json.loads(learned.MODEL_PATH.read_text())
    train = trainer()
    digest, each = train.data_hash(train.training_files())
    changed = sorted(set(each.items()) ^ set(shipped["training_files"].items()))
    assert digest == shipped["training_sha256"], (
        f"training data changed since escalation/screen_model.json was trained "
        f"({', '.join(sorted({path for path, _ in changed}))}); retrain with `{RETRAIN}` "
        "and commit the new JSON"
    )


def test_held_out_sets_are_not_training_data() -> None:
    names = {p.name for p in trainer().training_files()}
    assert not names & {"blind_b.csv", "blind_d.csv"}


def test_the_model_loads_with_a_sane_threshold() -> None:
    model = learned.load()
    assert model is not None and 0.5 <= model.threshold < 1.0 and model.weights


@pytest.mark.parametrize(
    "text",
    [
        "everyone would be better off without me",
        "got a bag and nobody is home",
        "i have the pills lined up on the table",
        "i keep thinking about driving my car off the bridge",
        "slipped up and shot up this morning",
    ],
)
def test_flags_crisis_messages(text: str) -> None:
    assert learned.raises(text), learned.probability(text)


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "the heat is killing me today",
        "i'm dying to see the new movie",
        "i'm dead 😂 that was so funny",
        "took my dose this morning, feeling good",
        "see you at group tuesday",
        "what time is my appointment tomorrow",
    ],
)
def test_clears_idioms_and_everyday_messages(text: str) -> None:
    assert not learned.raises(text), learned.probability(text)
    assert not triage.assess(text, None, None).decision.escalate


@pytest.mark.parametrize(
    "text", ["got a bag and nobody is home", "nobody is around and i got my stuff ready"]
)
def test_assess_raises_what_the_lexicon_missed_to_urgent(text: str) -> None:
    assert screen(text).level < Level.URGENT  # the point of the layer; update if the lexicon learns
    decision = triage.assess(text, None, None).decision
    assert decision.level == Level.URGENT
    assert decision.reasons[0].code == "learned" and "p=0." in decision.reasons[0].detail


@pytest.mark.parametrize("level", list(Level))
def test_only_raises_never_lowers(level: Level, monkeypatch: pytest.MonkeyPatch) -> None:
    before = Decision(level, (Reason("lexicon", "x"),) if level else ())
    monkeypatch.setattr(learned, "probability", lambda text: 0.0)
    assert triage.with_learned("anything", before) == before
    monkeypatch.setattr(learned, "probability", lambda text: 1.0)
    after = triage.with_learned("anything", before)
    assert after.level == max(level, Level.URGENT)
    assert set(before.reasons) <= set(after.reasons)
    if level >= Level.URGENT:
        assert after == before


def test_a_missing_or_broken_model_abstains(tmp_path: Path) -> None:
    broken = tmp_path / "m.json"
    broken.write_text('{"weights": ')
    assert learned.load(broken) is None and learned.load(tmp_path / "none.json") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😭😭😭🙏💊",
        "\x00\x07\x1b[31m\u202e\ufeff\r\n\t",
        "a" * 100_000,
        "i want to die " * 20_000,
        "\ud800 lone surrogate",
        "ｉ ｗａｎｔ ｔｏ ｄｉｅ",
    ],
)
def test_never_raises_on_odd_input(text: str) -> None:
    p = learned.probability(text)
    assert 0.0 <= p <= 1.0
    assert isinstance(learned.raises(text), bool)


def test_non_text_gives_zero() -> None:
    assert learned.probability(None) == 0.0  # type: ignore[arg-type]
    assert learned.raises(b"i want to die") is False  # type: ignore[arg-type]


def test_a_long_text_is_not_diluted() -> None:
    chatter = "work was long and the bus was late again so i got home tired. " * 20
    assert learned.raises(chatter + "honestly everyone would be better off without me")


def test_fast_enough_for_every_message() -> None:
    text = ("the bus was late again and work was long, my sister says hi. " * 30)[:1600]
    learned.probability(text)
    start = time.perf_counter()
    for i in range(100):
        learned.probability(f"{text} {i}")
    assert (time.perf_counter() - start) / 100 < 0.002
