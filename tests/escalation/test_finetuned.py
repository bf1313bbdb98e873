"""The screen's second, fine-tuned reader: the shipped model matches its training data and
never saw a held-out set, it catches plain-spoken crises the first reader misses, it only
raises (and then stops the first reader lowering), it abstains when its files are missing,
and it runs on onnxruntime with no PyTorch and no network.

Sentences here are written for this file, not taken from data/safety or data/nlu.
"""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from escalation import finetuned, learned, triage
from escalation.finetuned import Tuned
from escalation.learned import Reading
from escalation.screen import Level, Reason
from escalation.wording import ReplyKind, reply_kind
from scripts.train_screen_model import HELD_OUT  # the one list of held-out sets

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "finetune_screen.py"
NOT_SURE = Reading(0.2, 0.0, "overdose_risk", confident=False, emergency=False, lowers_lexicon=True)


def training_files() -> tuple[str, ...]:
    """The script's TRAINING_FILES, read without importing it (it needs PyTorch)."""
    for node in ast.parse(SCRIPT.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "TRAINING_FILES":
            return tuple(ast.literal_eval(node.value))
    raise AssertionError("scripts/finetune_screen.py names no TRAINING_FILES")


def test_the_shipped_model_was_trained_on_the_current_data() -> None:
    shipped = json.loads((finetuned.MODEL_DIR / "finetuned.json").read_text())
    now = {
        name: hashlib.sha256((ROOT / "data" / "safety" / name).read_bytes()).hexdigest()
        for name in training_files()
    }
    changed = sorted(name for name in now if shipped["training_files"].get(name) != now[name])
    assert not changed, (
        f"training data changed since escalation/finetuned_model was trained ({changed}); "
        "retrain with `make finetune-model` and commit the new model files"
    )


def test_held_out_sets_are_never_training_data() -> None:
    names = set(training_files())
    assert not names & set(HELD_OUT)
    assert not names & {"calm_check.csv"}
    assert {"labelled.csv", "train_3.csv", "train_hard_negatives.csv"} <= names


def test_the_model_loads_with_a_sane_threshold() -> None:
    reader = finetuned.load()
    assert reader is not None
    assert 0.5 <= reader.threshold < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "drank half a bottle of windex",
        "mixed bleach and ammonia in the bathroom and sat in there",
        "chugged the antifreeze from the garage",
    ],
)
def test_catches_plain_spoken_crises_the_first_reader_misses(text: str) -> None:
    first = learned.read(text)
    assert first is not None and not first.confident  # why this reader exists
    found = finetuned.read(text)
    assert found is not None and found.confident
    decision = triage.decide(text)
    assert decision.level >= Level.URGENT
    assert any("fine-tuned screen" in reason.detail for reason in decision.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "what time does the clinic open on saturday",
        "thanks, see you thursday at group",
        "my cat knocked the coffee over again lol",
        "how do i refill my prescription early if im travelling",
    ],
)
def test_clears_everyday_messages(text: str) -> None:
    found = finetuned.read(text)
    assert found is not None and not found.confident
    assert not triage.decide(text).escalate


def test_a_confident_reading_stops_the_first_reader_lowering() -> None:
    lexical = [(Level.URGENT, Reason("return_to_use", "lexicon 'used'"))]
    lowered = triage.with_reading(lexical, NOT_SURE, Tuned(0.2, confident=False))
    assert lowered[0][0] == Level.SUPPORT
    kept = triage.with_reading(lexical, NOT_SURE, Tuned(0.97, confident=True))
    assert kept[0] == lexical[0]
    assert kept[1][0] == Level.URGENT and kept[1][1].code == "reads_as_crisis"


def test_its_reason_never_borrows_the_unsure_first_readers_guess_of_a_kind() -> None:
    """An unsure first reader still names a kind (a forced pick); worded by it, someone who
    drank windex would be told how to use safely. The reply stays general."""
    guesses = [Reading(0.2, 0.0, kind, False, False, False) for kind in learned.KINDS]
    for guess in guesses:
        scored = triage.with_reading([], guess, Tuned(0.99, confident=True))
        assert [reason.code for _, reason in scored] == ["reads_as_crisis"]
    decision = triage.decide("drank half a bottle of windex")
    assert reply_kind(list(triage.Assessment(decision, False).reason_codes)) == ReplyKind.GENERAL


def test_it_only_raises_to_urgent_and_never_lowers_an_emergency() -> None:
    emergency = [(Level.EMERGENCY, Reason("overdose_now", "lexicon 'not breathing'"))]
    assert triage.with_reading(emergency, NOT_SURE, Tuned(0.01, confident=False)) == emergency
    raised = triage.with_reading([], NOT_SURE, Tuned(0.99, confident=True))
    assert raised == [(Level.URGENT, raised[0][1])] and raised[0][1].code == "reads_as_crisis"
    assert triage.with_reading([], None, Tuned(0.99, confident=True)) == []  # first abstained
    assert triage.with_reading([], None, None) == []


def test_it_counts_only_where_the_first_reader_sees_a_little_of_a_crisis() -> None:
    """Alone it paged short everyday texts ("took my suboxone"): its confidence counts only
    when the first reader's crisis probability reaches the floor in finetuned.json."""
    reader = finetuned.load()
    assert reader is not None and 0.0 < reader.first_reader_floor < 0.5
    sure = Tuned(0.99, confident=True, first_reader_floor=reader.first_reader_floor)
    low = Reading(reader.first_reader_floor / 2, 0.0, "suicide", False, False, True)
    lexical = [(Level.URGENT, Reason("return_to_use", "lexicon 'used'"))]
    assert triage.with_reading(lexical, low, sure)[0][0] == Level.SUPPORT  # lowered as before
    assert len(triage.with_reading([], NOT_SURE, sure)) == 1  # 0.2 clears the floor


@pytest.mark.parametrize(
    "text", ["i already told you", "i already said that", "cant come in today, no ride"]
)
def test_short_everyday_texts_are_not_paged(text: str) -> None:
    assert not triage.decide(text).escalate


def test_missing_or_broken_files_abstain(tmp_path: Path) -> None:
    assert finetuned.load(tmp_path) is None
    for name in ("finetuned.json", "tokenizer.json"):
        (tmp_path / name).write_bytes((finetuned.MODEL_DIR / name).read_bytes())
    (tmp_path / "model_int8.onnx").write_bytes(b"not a model")
    assert finetuned.load(tmp_path) is None


@pytest.mark.parametrize(
    "text", ["", "   ", "😭😭😭🙏💊", "\x00\x07\x1b[31m\u202e", "a" * 100_000, "\ud800 lone"]
)
def test_never_raises_on_odd_input(text: str) -> None:
    found = finetuned.read(text)
    assert found is None or 0.0 <= found.probability <= 1.0


def test_non_text_abstains() -> None:
    assert finetuned.read(None) is None  # type: ignore[arg-type]
    assert finetuned.read(b"i want to die") is None  # type: ignore[arg-type]


def test_runs_without_pytorch_or_the_network() -> None:
    code = (
        "import sys\n"
        "def deny(event, args):\n"
        "    if event in ('socket.connect', 'socket.getaddrinfo', 'urllib.Request'):\n"
        "        raise RuntimeError(f'network used: {event}')\n"
        "sys.addaudithook(deny)\n"
        "from escalation import finetuned\n"
        "r = finetuned.read('i took all my pills and i feel strange')\n"
        "assert r is not None, 'abstained'\n"
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules\n"
        "print(round(r.probability, 3))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert 0.5 <= float(run.stdout.strip()) <= 1.0


def test_the_reading_started_beside_the_first_reader_is_the_same_reading() -> None:
    text = "i have been saving my pills for a week and tonight i am taking all of them"
    finetuned._remembered.cache_clear()  # the model must run, not the memory answer
    found = finetuned.start(text)()
    reader = finetuned.load()
    assert found is not None and reader is not None
    assert found.probability == reader.probability(text)
    assert found.confident


def test_a_stuck_reader_abstains_instead_of_holding_up_the_decision() -> None:
    release = threading.Event()

    def stuck(_text: str) -> Tuned | None:
        release.wait(30)
        return Tuned(0.99, confident=True)

    started = time.monotonic()
    try:
        assert finetuned.start("anything", reader=stuck, wait=0.2)() is None
    finally:
        release.set()
    assert time.monotonic() - started < 5
