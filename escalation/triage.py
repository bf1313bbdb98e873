"""The production safety decision for one inbound text, shared by the safety lane, the
gateway's turns and `peerline triage`, so what is measured is exactly what runs.

Layers: the lexicon on the text (escalation/screen), the learned layer's reading of what it
means (escalation/learned.py), what the bot had just asked, and the engine's NLU intent when
the engine answers. Any layer may raise the level. The learned layer may lower a lexicon
*urgent* reading to support when it is confident the text is not a crisis (a question about
naloxone, grief for a past death) and the trained model says that rule earns its keep;
nothing lowers a lexicon emergency, the engine, or the bot's question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from escalation.screen import (
    Decision,
    Level,
    Reason,
    Scored,
    ScreenContext,
    combine,
    readings,
)
from records.models import CaseLevel

if TYPE_CHECKING:  # numpy and the learned layer load on the first screened text, so a
    import numpy as np  # `web` process that never screens stays small
    import numpy.typing as npt

    from escalation import finetuned, learned

# An answer to the check-in's use question is only a disclosure shortly after it was asked.
AWAITING_ANSWER_FOR = timedelta(hours=2)

CASE_LEVEL = {
    Level.SUPPORT: CaseLevel.SUPPORT,
    Level.URGENT: CaseLevel.URGENT,
    Level.EMERGENCY: CaseLevel.EMERGENCY,
}

# The learned layer's kinds as reason codes (escalation/wording.py picks the reply by them).
LEARNED_REASON = {
    "emergency": ("reads_as_emergency", "an emergency now"),
    "suicide": ("reads_as_suicide", "suicide or self-harm"),
    "overdose_risk": ("reads_as_overdose_risk", "a risk of overdose"),
    "possible_emergency": ("reads_as_possible_emergency", "possibly an emergency now"),
}

# What the engine's NLU thinks: (intent name, confidence), or None when it can't answer.
EngineNlu = Callable[[str], tuple[str, float] | None]


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    engine_answered: bool
    learned_probability: float | None = None  # None when the learned layer abstained

    @property
    def case_level(self) -> CaseLevel | None:
        return CASE_LEVEL.get(self.decision.level)

    @property
    def reason_codes(self) -> list[str]:
        return [reason.code for reason in self.decision.reasons]


def awaiting(question: str | None, since: datetime | None, now: datetime) -> str | None:
    if question and since and now - since <= AWAITING_ANSWER_FOR:
        return question
    return None


def assess(text: str, last_question: str | None, engine_nlu: EngineNlu | None) -> Assessment:
    nlu = engine_nlu(text) if engine_nlu is not None and text.strip() else None
    context = ScreenContext(
        last_question=last_question,
        engine_intent=nlu[0] if nlu else None,
        engine_confidence=nlu[1] if nlu else None,
    )
    decision, reading = decide_and_read(text, context)
    probability = reading.probability if reading else None
    return Assessment(decision, engine_answered=nlu is not None, learned_probability=probability)


def decide(text: str, context: ScreenContext = ScreenContext()) -> Decision:
    """Every layer's reading of one text, combined. Never raises."""
    return decide_and_read(text, context)[0]


def decide_and_read(
    text: str, context: ScreenContext = ScreenContext()
) -> tuple[Decision, learned.Reading | None]:
    """The decision, and the learned layer's reading behind it (for measuring). Never raises.

    If the screen itself fails, the text goes to a human (urgent): a false escalation costs a
    peer a minute, a swallowed crisis can cost a life.
    """
    try:
        text = text if isinstance(text, str) else str(text)
        from escalation import finetuned, learned

        tuned_reading = finetuned.start(text)  # on its own thread, beside the two below
        lexical, outside = readings(text, context)
        reading = learned.read(text)
        tuned = tuned_reading()
        return combine(with_reading(lexical, reading, tuned) + outside), reading
    except Exception as exc:
        return Decision(Level.URGENT, (Reason("screen_error", type(exc).__name__),)), None


def with_reading(
    lexical: list[Scored], reading: learned.Reading | None, tuned: finetuned.Tuned | None = None
) -> list[Scored]:
    """The lexicon's readings with the learned layer's: it adds its own when confident, and
    lowers a lexicon urgent reading to support when confident the other way, unless the
    fine-tuned reader is confident it is a crisis and the first sees at least a little of
    one (it then adds its own, urgent)."""
    if reading is None:  # without the first reader the second does not count either
        return lexical
    p, emergency = reading.probability, reading.emergency_probability
    detail = f"learned screen p={p:.2f}, emergency {emergency:.2f}"
    if tuned is not None and p < tuned.first_reader_floor:
        tuned = None  # alone, it pages short everyday texts (escalation/finetuned.py)
    lowers = reading.lowers_lexicon and not (tuned and tuned.confident)
    out = [
        (Level.SUPPORT, Reason(reason.code, f"{reason.detail}; not urgent by the {detail}"))
        if level == Level.URGENT and lowers
        else (level, reason)
        for level, reason in lexical
    ]
    if reading.confident:
        code, words = LEARNED_REASON[reading.kind]
        level = Level.EMERGENCY if reading.emergency else Level.URGENT
        out.append((level, Reason(code, f"reads as {words} ({detail})")))
    else:  # an unsure first reader's kind is a forced guess: no reply may be worded by it
        out += _tuned_reading(tuned)
    return out


def _tuned_reading(tuned: finetuned.Tuned | None) -> list[Scored]:
    """The fine-tuned reader's own reason: it names no kind, so the reply stays general
    unless another layer names one (escalation/wording.py)."""
    if tuned is None or not tuned.confident:
        return []
    detail = f"fine-tuned screen p={tuned.probability:.2f}"
    return [(Level.URGENT, Reason("reads_as_crisis", f"reads as a crisis ({detail})"))]


def combine_rule(
    lexicon_level: npt.NDArray[np.int_],
    crisis: tuple[npt.NDArray[np.float64], float],
    emergency: tuple[npt.NDArray[np.float64], float],
    lower: bool,
) -> npt.NDArray[np.bool_]:
    """`with_reading`'s escalate-or-not over many texts at once, for the trainer's search:
    each detector is (probabilities, threshold)."""
    lexical = lexicon_level >= (Level.EMERGENCY if lower else Level.URGENT)
    return lexical | (crisis[0] >= crisis[1]) | (emergency[0] >= emergency[1])
