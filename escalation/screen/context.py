"""The two readings from outside the text: the engine's NLU intent (it may only raise the
level, and only from the confidence calibrated for that intent, `engine_trust`) and the
question the bot just asked (a bare "yes" to "any use since we talked?" is a disclosure)."""

from __future__ import annotations

from collections.abc import Mapping

from escalation.screen.decision import Reason, ScreenContext
from escalation.screen.engine_trust import TRUST, Trust
from escalation.screen.lexicon import Level
from escalation.screen.patterns import (
    AFFIRMATIVE,
    CRAVING_NUMBER,
    CRAVING_QUESTIONS,
    ENGINE_INTENTS,
    HARM_QUESTIONS,
    NEGATES_ANSWER,
    NEGATIVE_ANSWER,
    SAFE_QUESTIONS,
    USE_QUESTIONS,
)

# An emergency intent read with too little confidence for an emergency is an urgent
# "possible" reading: a peer looks now, and the reply is not a rescue script.
POSSIBLE = {"overdose_now": "possible_overdose", "suicide_imminent": "suicidal_thoughts"}

# --- engine and context ------------------------------------------------------------------


def engine_reason(
    context: ScreenContext, trust: Mapping[str, Trust] | None = None
) -> tuple[Level, Reason] | None:
    """The engine may only raise the level, and only where its reading is calibrated as
    precise: an emergency only from its intent's `emergency_from`, urgent from
    `raise_from`, nothing below (or for an intent the file does not trust)."""
    intent = (context.engine_intent or "").strip().lower()
    mapped, limits = ENGINE_INTENTS.get(intent), (TRUST if trust is None else trust).get(intent)
    confidence = context.engine_confidence
    if mapped is None or limits is None or confidence is None:
        return None
    level, code = mapped
    detail = f"engine intent {context.engine_intent} at {confidence:.2f}"
    if level == Level.EMERGENCY and _reaches(confidence, limits.emergency_from):
        return level, Reason(code, detail)
    if not _reaches(confidence, limits.raise_from):
        return None
    if level == Level.EMERGENCY:
        return Level.URGENT, Reason(POSSIBLE.get(code, code), f"{detail}, not an emergency")
    return level, Reason(code, detail)


def _reaches(confidence: float, threshold: float | None) -> bool:
    return threshold is not None and confidence >= threshold


def context_reason(text: str, context: ScreenContext) -> tuple[Level, Reason] | None:
    """A bare answer to the bot's own question is a disclosure: 'yes' after 'any use?'."""
    asked = (context.last_question or "").strip().lower()
    words = text.replace("|", " ").split()
    short = " ".join(words)
    if not asked or not words or len(words) > 8:
        return None
    detail = f"answered '{short[:40]}' to the {asked} question"
    if asked in USE_QUESTIONS and _affirms(short):
        return Level.URGENT, Reason("return_to_use", detail)
    if asked in HARM_QUESTIONS and _affirms(short):
        return Level.URGENT, Reason("suicidal_thoughts", detail)
    if asked in SAFE_QUESTIONS and NEGATIVE_ANSWER.search(short):
        return Level.URGENT, Reason("not_safe", detail)
    if asked in CRAVING_QUESTIONS and CRAVING_NUMBER.search(short):
        return Level.SUPPORT, Reason("high_craving", detail)
    return None


def _affirms(short: str) -> bool:
    if not AFFIRMATIVE.search(short):
        return False
    rest = AFFIRMATIVE.sub("", short, count=1)
    return not NEGATES_ANSWER.search(rest) or short.startswith(("yes i", "yeah i"))
