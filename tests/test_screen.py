"""The safety screen's lexicon layer: levels, negation, idioms, engine, context, input
hygiene, and recall / false escalations over the labelled set.

All messages here are synthetic.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from escalation.screen import (
    ENGINE_CONFIDENCE_THRESHOLD,
    Decision,
    Level,
    ScreenContext,
    normalise,
    screen,
)

LABELLED = Path(__file__).resolve().parents[1] / "data" / "safety" / "labelled.csv"


def codes(decision: Decision) -> set[str]:
    return {reason.code for reason in decision.reasons}


# --- levels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("my bf isnt breathing what do i do", "overdose_now"),
        ("hes turning blue and wont wake up", "overdose_now"),
        ("i think i took too much", "overdose_now"),
        ("my friend od'd in the bathroom", "overdose_now"),
        ("im going to kill myself tonight", "suicide_imminent"),
        ("took all my pills", "suicide_imminent"),
        ("goodbye everyone", "suicide_imminent"),
    ],
)
def test_emergency(text: str, code: str) -> None:
    decision = screen(text)
    assert decision.level == Level.EMERGENCY
    assert decision.escalate
    assert code in codes(decision)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("i want to kill myself", "suicidal_thoughts"),
        ("i dont want to live anymore", "suicidal_thoughts"),
        ("i cut myself again", "self_harm"),
        ("i relapsed last night", "return_to_use"),
        ("went back out this weekend", "return_to_use"),
        ("gonna use alone tonight", "using_alone"),
        ("pretty sure it was fent", "fentanyl"),
        ("took a couple xans with my methadone", "polysubstance"),
        ("just got out of jail yesterday", "low_tolerance"),
        ("i dont have narcan", "no_naloxone"),
    ],
)
def test_urgent(text: str, code: str) -> None:
    decision = screen(text)
    assert decision.level == Level.URGENT
    assert code in codes(decision)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("i need to talk to someone", "wants_peer"),
        ("cravings 9 today", "high_craving"),
        ("craving so bad", "high_craving"),
        ("missed my dose yesterday", "missed_dose"),
        ("no ride to the clinic", "barrier:transport"),
        ("pharmacy wont fill my script", "barrier:pharmacy"),
        ("got evicted", "barrier:housing"),
    ],
)
def test_support(text: str, code: str) -> None:
    decision = screen(text)
    assert decision.level == Level.SUPPORT
    assert not decision.escalate
    assert code in codes(decision)


@pytest.mark.parametrize(
    "text",
    ["hey whats up", "mood 4 cravings 2 no use took my dose", "cravings 3", "see u at 3"],
)
def test_none(text: str) -> None:
    assert screen(text) == Decision(Level.NONE, ())


def test_reasons_are_most_serious_first() -> None:
    decision = screen("i relapsed and now hes not breathing")
    assert decision.reasons[0].code == "overdose_now"
    assert "not breathing" in decision.reasons[0].detail


# --- negation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "i did not use",
        "no relapse",
        "not suicidal",
        "never thought about killing myself",
        "havent had a single thought about hurting myself",
        "use: no",
    ],
)
def test_negation_cancels(text: str) -> None:
    assert not screen(text).escalate


@pytest.mark.parametrize(
    "text",
    [
        "i cant stop using",
        "not gonna lie i used",
        "ngl i relapsed",
        "i dont want to live",
        "no narcan at home",
        "i never thought id relapse but i did",
    ],
)
def test_negation_does_not_hide_risk(text: str) -> None:
    assert screen(text).escalate


# --- idioms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "dying to see my kids",
        "my feet are killing me",
        "i could kill for a burger",
        "dead tired",
        "overdosed on netflix",
        "my phone died",
        "i'm dead 😂",
        "killed it at work",
        "that test killed me",
    ],
)
def test_idioms_do_not_escalate(text: str) -> None:
    assert not screen(text).escalate


def test_idiom_lowers_only_its_own_words() -> None:
    assert screen("this traffic is killing me and i want to kill myself").escalate


def test_idiom_cannot_lower_what_the_engine_raised() -> None:
    context = ScreenContext(engine_intent="risk_suicidal", engine_confidence=0.9)
    decision = screen("this traffic is killing me", context)
    assert decision.level == Level.URGENT
    assert codes(decision) == {"suicidal_thoughts"}


def test_history_and_grief_are_support_not_crisis() -> None:
    grief = screen("my cousin overdosed last year, funeral was hard")
    assert grief.level == Level.SUPPORT
    assert screen("i od'd last night, they narcanned me").level == Level.URGENT


# --- engine ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "level"),
    [
        ("risk_overdose_now", Level.EMERGENCY),
        ("risk_suicidal", Level.URGENT),
        ("risk_return_to_use", Level.URGENT),
        ("risk_using_alone", Level.URGENT),
    ],
)
def test_engine_raises(intent: str, level: Level) -> None:
    context = ScreenContext(engine_intent=intent, engine_confidence=0.95)
    assert screen("ok", context).level == level


@pytest.mark.parametrize("confidence", [None, 0.0, ENGINE_CONFIDENCE_THRESHOLD - 0.01])
def test_engine_below_threshold_is_ignored(confidence: float | None) -> None:
    context = ScreenContext(engine_intent="risk_overdose_now", engine_confidence=confidence)
    assert screen("ok", context).level == Level.NONE


def test_engine_never_lowers() -> None:
    context = ScreenContext(engine_intent="greet", engine_confidence=0.99)
    assert screen("hes not breathing", context).level == Level.EMERGENCY
    low = ScreenContext(engine_intent="risk_suicidal", engine_confidence=0.99)
    assert screen("hes not breathing", low).level == Level.EMERGENCY


# --- context -----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["yes", "Yeah", "yep", "a little", "once", "yes 😔"])
def test_bare_yes_after_use_question_is_disclosure(answer: str) -> None:
    decision = screen(answer, ScreenContext(last_question="use"))
    assert decision.level == Level.URGENT
    assert "return_to_use" in codes(decision)


@pytest.mark.parametrize("answer", ["no", "nope", "yeah no", "no i stayed clean"])
def test_no_after_use_question_is_not(answer: str) -> None:
    assert not screen(answer, ScreenContext(last_question="use")).escalate


def test_yes_without_the_question_is_nothing() -> None:
    assert screen("yes").level == Level.NONE
    assert screen("yes", ScreenContext(last_question="appointment")).level == Level.NONE


# --- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I WANT TO DIIIIE", "i wanna die"),
        ("k m s", "kms"),
        ("k.m.s.", "kms"),
        ("k1ll mys3lf", "kill myself"),
        ("he OD'd", "he overdosed"),
        ("that's odd", "thats odd"),
        ("sooo done", "so done"),
        ("kill myslef", "kill myself"),
        ("ｋｉｌｌ ｍｙｓｅｌｆ", "kill myself"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I WANT TO KILL MYSELF",
        "i want to diiiiie",
        "k m s",
        "k1ll mys3lf",
        "i want to kill myself 💀💀",
        "hes not breathing 😭😭🙏",
        "S U I C I D A L",
        "kіll myself",  # Cyrillic і
        "k\u200bms",
    ],
)
def test_normalised_risk_still_escalates(text: str) -> None:
    assert screen(text).escalate


# --- input hygiene -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t\r",
        "|||",
        "🙂" * 500,
        "a" * 5000,
        "i " * 2500,
        "\x00\x01\x02",
        "\ud800",  # lone surrogate
        "Z̴̡̛a̵l̶g̸o̷ text",
        "نص عربي",
        "中文短信",
        "💊💉🔫🪦",
    ],
)
def test_odd_input_never_raises(text: str) -> None:
    decision = screen(text)
    assert isinstance(decision.level, Level)
    assert "screen_error" not in codes(decision)


def test_long_message_with_buried_risk_is_fast_and_found() -> None:
    filler = "work was long and the bus was late again. "
    text = filler * 60 + "honestly i used last night. " + filler * 60
    start = time.perf_counter()
    decision = screen(text)
    assert time.perf_counter() - start < 2.0
    assert decision.escalate


# --- the labelled set --------------------------------------------------------------------


def load_labelled() -> list[dict[str, str]]:
    with LABELLED.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_labelled_set_shape() -> None:
    rows = load_labelled()
    assert len(rows) >= 320
    assert {r["label"] for r in rows} == {"escalate", "no_escalate"}
    for row in rows:
        escalates = row["level"] in {"emergency", "urgent"}
        assert escalates == (row["label"] == "escalate"), row["text"]


def test_labelled_recall_and_false_escalations() -> None:
    rows = load_labelled()
    positives = [r for r in rows if r["label"] == "escalate"]
    negatives = [r for r in rows if r["label"] == "no_escalate"]
    misses = [r["text"] for r in positives if not screen(r["text"]).escalate]
    false = [r["text"] for r in negatives if screen(r["text"]).escalate]
    recall = 1 - len(misses) / len(positives)
    false_rate = len(false) / len(negatives)
    report = "\nmissed:\n  " + "\n  ".join(misses) + "\nfalse:\n  " + "\n  ".join(false)
    assert recall >= 0.98, f"recall {recall:.3f}" + report
    assert false_rate <= 0.05, f"false escalations {false_rate:.3f}" + report
