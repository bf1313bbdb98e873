"""The lexicon layer of the safety screen: decides, for one inbound text, how soon a human
peer must see it.

It runs on every message, before and independent of the Rasa engine, so it uses the
standard library only and never raises: a screen that crashes would let a crisis through.

Layers, combined by one rule (any layer may raise the level; only the idiom and history
readings may lower a *lexicon* hit, and nothing lowers what the engine or the context
raised):

1. normalise the text (`normalise.py`), then match the lexicon's patterns (`lexicon.toml`);
2. negation ("i did not use") cancels the hit it governs, unless the phrase carries its
   own negation ("dont want to live", "no narcan") or the negator is part of a risk
   ("cant stop using", "ngl i used");
3. idioms ("this traffic is killing me", "overdosed on netflix") are removed before the
   urgent and emergency patterns run; time words turn a told-as-history event ("my cousin
   overdosed last year") into a support-level note;
4. the engine's risk intent raises the level when its confidence clears the threshold
   calibrated for that intent (`engine_trust`, `engine_thresholds.json`);
5. the question the bot just asked turns a bare "yes" into a disclosure.

Modules: `lexicon` (the data file's loader), `normalise`, `patterns` (compiled tables),
`reading` (one hit in its context), `compound` (signals that need two parts), `context`
(the engine and the bot's last question), and this one, which combines them.
"""

from __future__ import annotations

from collections.abc import Iterator

from escalation.screen.compound import (
    gun_made_ready,
    low_tolerance,
    moud_stopped_to_use,
    polysubstance,
    using_alone,
    veiled_finality,
)
from escalation.screen.context import context_reason, engine_reason
from escalation.screen.decision import Decision, Hit, Reason, ScreenContext
from escalation.screen.lexicon import Level
from escalation.screen.normalise import normalise
from escalation.screen.reading import reason_for, risk_hits, support_hits

__all__ = [
    "Decision",
    "Level",
    "Reason",
    "Scored",
    "ScreenContext",
    "combine",
    "normalise",
    "readings",
    "screen",
]

# Texts longer than this are screened in overlapping pieces so one pattern never scans
# an unbounded string; SMS tops out near 1,600 characters, so this only guards abuse.
_CHUNK = 4000
_OVERLAP = 200


def _chunks(text: str) -> Iterator[str]:
    if len(text) <= _CHUNK:
        yield text
        return
    for start in range(0, len(text), _CHUNK - _OVERLAP):
        yield text[start : start + _CHUNK]


def _lexicon_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    for chunk in _chunks(text):
        risk = risk_hits(chunk)
        support = support_hits(chunk)
        hits += risk + support
        hits += using_alone(chunk, risk)
        hits += polysubstance(chunk)
        hits += low_tolerance(chunk, risk + support)
        hits += moud_stopped_to_use(chunk)
        hits += gun_made_ready(chunk)
        hits += veiled_finality(chunk)
    return hits


Scored = tuple[Level, Reason]


def combine(scored: list[Scored]) -> Decision:
    """The highest level wins; reasons keep one entry per code, most serious first."""
    if not scored:
        return Decision(Level.NONE, ())
    best: dict[str, tuple[Level, Reason]] = {}
    for level, reason in scored:
        if reason.code not in best or level > best[reason.code][0]:
            best[reason.code] = (level, reason)
    ordered = sorted(best.values(), key=lambda item: -item[0])
    reasons = tuple(reason for level, reason in ordered if level > Level.NONE)
    return Decision(max(level for level, _ in ordered), reasons)


def readings(text: str, context: ScreenContext) -> tuple[list[Scored], list[Scored]]:
    """What the lexicon read in the text, and what the engine and the bot's question add.

    Kept apart so the learned layer may lower a lexicon urgent reading, and never the rest.
    """
    normal = normalise(text)
    lexical = [(hit.level, reason_for(hit)) for hit in _lexicon_hits(normal)]
    outside = [r for r in (engine_reason(context), context_reason(normal, context)) if r]
    return lexical, outside


def _screen(text: str, context: ScreenContext) -> Decision:
    lexical, outside = readings(text, context)
    return combine(lexical + outside)


def screen(text: str, context: ScreenContext = ScreenContext()) -> Decision:
    """Screen one inbound text. Never raises.

    If the screen itself fails, the message goes to a human (urgent): a false escalation
    costs a peer a minute, a swallowed crisis can cost a life.
    """
    try:
        return _screen(text if isinstance(text, str) else str(text), context)
    except Exception as exc:
        return Decision(Level.URGENT, (Reason("screen_error", type(exc).__name__),))
