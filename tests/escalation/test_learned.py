"""The safety screen's learned layer: the shipped model matches its training data and runs
the same numbers scikit-learn would, it reads meaning the lexicon misses, it may lower only
a lexicon urgent reading (never an emergency, the engine or the bot's question), it works
with no network, and it never crashes.

Sentences here are written for this file, not taken from data/safety or data/nlu.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from escalation import learned, triage
from escalation.learned import Reading
from escalation.screen import Level, Reason, ScreenContext
from escalation.screen import context as screen_context
from escalation.screen.engine_trust import Trust

ROOT = Path(__file__).resolve().parents[2]
RETRAIN = "make screen-model"


def trainer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "train_screen_model", ROOT / "scripts" / "train_screen_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def reading(p: float, *, confident: bool, emergency: bool = False, lowers: bool = False) -> Reading:
    kind = "emergency" if emergency else "overdose_risk"
    return Reading(p, 0.9 if emergency else 0.0, kind, confident, emergency, lowers)


def test_the_shipped_model_was_trained_on_the_current_data() -> None:
    shipped = json.loads(learned.MODEL_PATH.read_text())
    train = trainer()
    digest, each = train.data_hash(train.training_files())
    changed = sorted(set(each.items()) ^ set(shipped["training_files"].items()))
    assert digest == shipped["training_sha256"], (
        f"training data changed since escalation/screen_model.json was trained "
        f"({', '.join(sorted({path for path, _ in changed}))}); retrain with `{RETRAIN}` "
        "and commit the new model files"
    )


def test_held_out_sets_are_never_training_data() -> None:
    train = trainer()
    names = {p.name for p in train.training_files()}
    assert not names & set(train.HELD_OUT)
    assert {"labelled.csv", "blind_a.csv", "train_hard_negatives.csv"} <= names


def test_the_model_loads_with_sane_thresholds() -> None:
    model = learned.load()
    assert model is not None
    assert 0.3 <= model.threshold < 1.0 and 0.0 < model.emergency_threshold <= 1.01
    assert model.crisis.support.shape[1] == 512 + 3 + len(model.codes)


def test_numpy_runtime_gives_what_scikit_learn_gives() -> None:
    """The exported SVM (float16 support vectors) reproduces predict_proba."""
    train = trainer()
    rng = np.random.default_rng(7)
    x = rng.normal(size=(300, 20)).astype(np.float32)
    y = x[:, 0] + 0.5 * x[:, 1] ** 2 > 0.6
    fitted = train.fit(x, y, 3.0)
    spec, arrays = train.svm_spec(fitted)
    svm = learned.Svm(
        support=arrays["support"].astype(np.float32),
        dual=arrays["dual"].astype(np.float32),
        intercept=spec["intercept"],
        gamma=spec["gamma"],
        calibration=tuple(spec["calibration"]),
    )
    expected = fitted.predict_proba(x)[:, 1]
    assert np.abs(svm.probability(x) - expected).max() < 0.01


@pytest.mark.parametrize(
    "text",
    [
        "everyone would be better off without me",
        "got a bag and nobody is home",
        "i have the pills lined up on the table",
        "i keep thinking about driving my car off the bridge",
        "slipped up and shot up this morning",
        "my roommate went grey and is making a gurgling noise",
    ],
)
def test_reads_crisis_messages_as_crises(text: str) -> None:
    found = learned.read(text)
    assert found is not None and found.confident, found
    assert triage.decide(text).escalate


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
    found = learned.read(text)
    assert found is not None and not found.confident, found
    assert not triage.decide(text).escalate


def test_an_emergency_reading_sets_the_emergency_level_and_the_911_reply() -> None:
    decision = triage.decide("my brother wont wake up and his lips are going purple")
    assert decision.level == Level.EMERGENCY
    scored = triage.with_reading([], reading(0.95, confident=True, emergency=True))
    assert scored[0][0] == Level.EMERGENCY and scored[0][1].code == "reads_as_emergency"


@pytest.mark.parametrize("level", [Level.SUPPORT, Level.URGENT, Level.EMERGENCY])
def test_a_confident_no_lowers_only_a_lexicon_urgent_reading(level: Level) -> None:
    lexical = [(level, Reason("return_to_use", "lexicon 'used'"))]
    kept = triage.with_reading(lexical, reading(0.05, confident=False, lowers=True))
    assert kept[0][0] == (Level.SUPPORT if level == Level.URGENT else level)
    assert kept[0][1].code == "return_to_use"  # the reason stays for the peer to read
    unchanged = triage.with_reading(lexical, reading(0.05, confident=False, lowers=False))
    assert unchanged == lexical
    assert triage.with_reading(lexical, None) == lexical  # abstaining changes nothing


def test_nothing_lowers_what_the_bot_asked_or_the_engine_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever the learned layer thinks, a 'yes' to the use question stays urgent."""
    context = ScreenContext(last_question="use")
    assert triage.decide("yes", context).level >= Level.URGENT
    monkeypatch.setattr(screen_context, "TRUST", {"risk_suicidal": Trust(raise_from=0.9)})
    engine = ScreenContext(engine_intent="risk_suicidal", engine_confidence=0.97)
    assert triage.decide("idk anymore", engine).level >= Level.URGENT


def test_a_missing_or_broken_model_abstains(tmp_path: Path) -> None:
    broken = tmp_path / "m.json"
    broken.write_text('{"crisis": ')
    assert learned.load(broken) is None and learned.load(tmp_path / "none.json") is None
    half = tmp_path / "half.json"
    half.write_text(learned.MODEL_PATH.read_text())  # settings without the .npz beside them
    assert learned.load(half) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😭😭😭🙏💊",
        "\x00\x07\x1b[31m\u202e\ufeff\r\n\t",
        "a" * 100_000,
        "i want to die. " * 20_000,
        "\ud800 lone surrogate",
        "ｉ ｗａｎｔ ｔｏ ｄｉｅ",
    ],
)
def test_never_raises_on_odd_input(text: str) -> None:
    found = learned.read(text)
    assert found is None or 0.0 <= found.probability <= 1.0
    assert isinstance(triage.decide(text).escalate, bool)


def test_non_text_abstains() -> None:
    assert learned.read(None) is None  # type: ignore[arg-type]
    assert learned.read(b"i want to die") is None  # type: ignore[arg-type]


def test_a_long_text_is_not_diluted() -> None:
    chatter = "work was long and the bus was late again so i got home tired. " * 20
    found = learned.read(chatter + "honestly everyone would be better off without me.")
    assert found is not None and found.confident


def test_runs_with_no_network_and_nothing_downloaded() -> None:
    """The encoder's files ship in the pinned wheel: any connection attempt fails the run."""
    code = (
        "import socket, sys\n"
        "def deny(event, args):\n"
        "    if event in ('socket.connect', 'socket.getaddrinfo', 'urllib.Request'):\n"
        "        raise RuntimeError(f'network used: {event}')\n"
        "sys.addaudithook(deny)\n"
        "from escalation import learned\n"
        "learned.load.cache_clear()\n"
        "r = learned.read('i took all my pills and i feel strange')\n"
        "assert r is not None, 'abstained'\n"
        "print(round(r.probability, 3))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "network used" not in run.stderr
    assert 0.0 <= float(run.stdout.strip()) <= 1.0
