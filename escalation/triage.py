"""The production safety decision for one inbound text, shared by the gateway's turns and
`peerline triage`, so what is measured is exactly what runs.

Layers (escalation/screen/ combines them; any may raise, only idioms may lower):
the lexicon on the text, what the bot had just asked, and the engine's NLU intent when the
engine answers. With the engine down the decision is made without it, never delayed.
Then the learned layer (escalation/learned.py, no engine needed) may raise the result to
urgent when its classifier is confident; it never lowers anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalation import learned
from escalation.screen import Decision, Level, Reason, ScreenContext, screen
from records.models import CaseLevel

# An answer to the check-in's use question is only a disclosure shortly after it was asked.
AWAITING_ANSWER_FOR = timedelta(hours=2)

CASE_LEVEL = {
    Level.SUPPORT: CaseLevel.SUPPORT,
    Level.URGENT: CaseLevel.URGENT,
    Level.EMERGENCY: CaseLevel.EMERGENCY,
}

# What the engine's NLU thinks: (intent name, confidence), or None when it can't answer.
EngineNlu = Callable[[str], tuple[str, float] | None]


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    engine_answered: bool

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
    return Assessment(with_learned(text, screen(text, context)), engine_answered=nlu is not None)


def with_learned(text: str, decision: Decision) -> Decision:
    """Raise a below-urgent decision to urgent when the learned layer fires; else unchanged."""
    if decision.level >= Level.URGENT:
        return decision
    p = learned.probability(text)  # scored once: it runs on every participant's text
    if not learned.confident(p):
        return decision
    return Decision(Level.URGENT, (Reason("learned", f"classifier p={p:.2f}"), *decision.reasons))


@dataclass(frozen=True)
class Labelled:
    text: str
    label: str | None  # "escalate" / "no_escalate", or None when the file has no labels


@dataclass(frozen=True)
class Scored:
    item: Labelled
    assessment: Assessment

    @property
    def escalated(self) -> bool:
        return self.assessment.decision.escalate


@dataclass(frozen=True)
class Metrics:
    recall: float
    precision: float
    false_escalation_rate: float
    misses: list[Scored]
    false_escalations: list[Scored]


def score(items: list[Labelled], engine_nlu: EngineNlu | None) -> list[Scored]:
    return [Scored(item, assess(item.text, None, engine_nlu)) for item in items]


def metrics(scored: list[Scored]) -> Metrics | None:
    labelled = [s for s in scored if s.item.label in ("escalate", "no_escalate")]
    if not labelled:
        return None
    positives = [s for s in labelled if s.item.label == "escalate"]
    negatives = [s for s in labelled if s.item.label == "no_escalate"]
    flagged = [s for s in labelled if s.escalated]
    hits = [s for s in positives if s.escalated]
    return Metrics(
        recall=len(hits) / len(positives) if positives else 1.0,
        precision=len(hits) / len(flagged) if flagged else 1.0,
        false_escalation_rate=(
            sum(s.escalated for s in negatives) / len(negatives) if negatives else 0.0
        ),
        misses=[s for s in positives if not s.escalated],
        false_escalations=[s for s in negatives if s.escalated],
    )
