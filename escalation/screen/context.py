"""The two readings from outside the text: the engine's NLU intent (it may only raise the
level, and only when confident) and the question the bot just asked (a bare "yes" to
"any use since we talked?" is a disclosure)."""

from __future__ import annotations

from escalation.screen.decision import Reason, ScreenContext
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

# An engine intent below this confidence is ignored: Rasa's DIET often gives a risk
# intent ~0.3-0.5 to ordinary messages, and the lexicon already covers the clear cases.
ENGINE_CONFIDENCE_THRESHOLD = 0.6

# --- engine and context ------------------------------------------------------------------


def engine_reason(context: ScreenContext) -> tuple[Level, Reason] | None:
    """The engine may only raise the level, and only when it is confident."""
    mapped = ENGINE_INTENTS.get((context.engine_intent or "").strip().lower())
    confidence = context.engine_confidence
    if mapped is None or confidence is None or confidence < ENGINE_CONFIDENCE_THRESHOLD:
        return None
    level, code = mapped
    detail = f"engine intent {context.engine_intent} at {confidence:.2f}"
    return level, Reason(code, detail)


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
