"""What the screen answers: a level and its reasons (`Decision`), what else is known about
the turn (`ScreenContext`), and one pattern match before it is read (`Hit`)."""

from __future__ import annotations

from dataclasses import dataclass

from escalation.screen.lexicon import Level, Rule


@dataclass(frozen=True)
class Reason:
    """Why the screen chose a level, in words a peer can read at 2 a.m."""

    code: str
    detail: str


@dataclass(frozen=True)
class ScreenContext:
    """What else is known about the turn: the bot's last question and the engine's read."""

    last_question: str | None = None
    engine_intent: str | None = None
    engine_confidence: float | None = None


@dataclass(frozen=True)
class Decision:
    """The screen's answer: a level and every reason behind it, most serious first."""

    level: Level
    reasons: tuple[Reason, ...]

    @property
    def escalate(self) -> bool:
        """Urgent and emergency go to the live peer queue; support waits for the peer."""
        return self.level >= Level.URGENT


@dataclass(frozen=True)
class Hit:
    """One pattern match in the normalised text, before negation and time are read."""

    code: str
    level: Level
    start: int
    end: int
    snippet: str
    rule: Rule | None = None
