"""The production safety decision for one inbound text, shared by the gateway's turns and
`peerline triage`, so what is measured is exactly what runs.

Layers (escalation/screen.py combines them; any may raise, only idioms may lower):
the lexicon on the text, what the bot had just asked, and the engine's NLU intent when the
engine answers. With the engine down the decision is made without it, never delayed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from escalation.screen import Decision, Level, ScreenContext, screen
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
    return Assessment(screen(text, context), engine_answered=nlu is not None)
