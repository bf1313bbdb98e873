"""How far the engine's NLU is trusted: the calibrated thresholds, how they are chosen, and
what the screen does with an engine reading on either side of them.

All messages here are synthetic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from escalation import triage, wording
from escalation.screen import Decision, Level, ScreenContext, engine_trust
from escalation.screen import context as screen_context
from escalation.screen.engine_trust import Trust, TrustError, precise_from
from escalation.screen.patterns import ENGINE_INTENTS
from scripts.train_screen_model import HELD_OUT

STRICT = {
    "risk_overdose_now": Trust(raise_from=0.8, emergency_from=0.97),
    "risk_return_to_use": Trust(raise_from=0.9),
    "risk_suicidal": Trust(raise_from=None),
}


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_context, "TRUST", STRICT)


def decide(text: str, intent: str, confidence: float) -> Decision:
    context = ScreenContext(engine_intent=intent, engine_confidence=confidence)
    return triage.decide(text, context)


# --- choosing a threshold ----------------------------------------------------------------


def test_the_threshold_is_the_lowest_confidence_that_stays_precise() -> None:
    readings = [(0.99, True)] * 20 + [(0.9, True)] * 10 + [(0.8, False)] * 10
    assert precise_from(readings, target=0.95, min_texts=10) == (0.9, 1.0, 30)


def test_a_bad_run_higher_up_is_not_hidden_by_good_readings_below_it() -> None:
    """Right below, wrong above: cutting low would still let the wrong ones raise cases."""
    readings = [(0.99, False)] * 10 + [(0.9, True)] * 200
    assert precise_from(readings, target=0.95, min_texts=10) is None


def test_too_few_readings_never_make_a_threshold() -> None:
    assert precise_from([(0.99, True)] * 9, target=0.95, min_texts=10) is None


def test_readings_at_one_confidence_are_kept_or_cut_together() -> None:
    readings = [(0.99, True)] * 10 + [(0.95, True)] * 5 + [(0.95, False)] * 5
    assert precise_from(readings, target=0.95, min_texts=10) == (0.99, 1.0, 10)


# --- the shipped file --------------------------------------------------------------------


def test_the_shipped_file_names_every_risk_intent_and_no_emergency_comes_cheaper() -> None:
    trust = engine_trust.load()
    assert set(trust) == set(ENGINE_INTENTS)
    for name, limits in trust.items():
        level = ENGINE_INTENTS[name][0]
        if level < Level.EMERGENCY:
            assert limits.emergency_from is None, name
        elif limits.emergency_from is not None:
            assert limits.raise_from is not None and limits.emergency_from >= limits.raise_from


def test_the_shipped_file_was_calibrated_on_tuning_sets_only() -> None:
    data = json.loads(engine_trust.THRESHOLDS_PATH.read_text(encoding="utf-8"))
    held_out = {*HELD_OUT, "calm_check.csv"}
    assert data["sets"] and not held_out & set(data["sets"])
    assert data["target_precision"] >= 0.9


@pytest.mark.parametrize(
    "content",
    ["", "{}", '{"intents": {"risk_suicidal": {}}}', '{"intents": {"x": {"raise_from": 2}}}'],
)
def test_a_broken_file_is_refused_by_name(tmp_path: Path, content: str) -> None:
    path = tmp_path / "engine_thresholds.json"
    path.write_text(content)
    with pytest.raises(TrustError, match=r"engine_thresholds\.json"):
        engine_trust.load(path)


# --- what the screen does with the engine's reading ---------------------------------------


@pytest.mark.usefixtures("strict")
def test_an_unsure_overdose_reading_is_urgent_with_no_rescue_script() -> None:
    """'I used last night and I feel like garbage' read as an overdose at 0.9: a peer
    looks now, but nobody is told to give rescue breaths."""
    text = "I used last night and I feel like garbage about it"
    decision = decide(text, "risk_overdose_now", 0.9)
    assert decision.level == Level.URGENT
    codes = [reason.code for reason in decision.reasons]
    assert "overdose_now" not in codes and "possible_overdose" in codes
    assert wording.reply_kind(codes) is not wording.ReplyKind.OVERDOSE


@pytest.mark.usefixtures("strict")
def test_a_confident_overdose_reading_is_an_emergency() -> None:
    decision = decide("he wont move", "risk_overdose_now", 0.98)
    assert decision.level == Level.EMERGENCY
    assert "overdose_now" in [reason.code for reason in decision.reasons]


@pytest.mark.usefixtures("strict")
@pytest.mark.parametrize(
    ("intent", "confidence"),
    [("risk_overdose_now", 0.79), ("risk_return_to_use", 0.89), ("risk_suicidal", 0.999)],
)
def test_below_its_threshold_or_untrusted_the_engine_raises_nothing(
    intent: str, confidence: float
) -> None:
    assert decide("where can i get narcan to keep at home", intent, confidence).level < Level.URGENT


@pytest.mark.usefixtures("strict")
def test_the_engine_never_lowers_what_the_screen_read() -> None:
    assert decide("hes not breathing, where is the narcan", "ask_naloxone", 0.99).level == (
        Level.EMERGENCY
    )
    assert decide("i want to kill myself", "risk_suicidal", 0.2).level >= Level.URGENT
