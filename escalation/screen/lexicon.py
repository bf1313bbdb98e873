"""The lexicon's loader. The word lists and patterns are data, in `lexicon.toml`, where a
clinician can review them without reading Python; this module reads the file once, expands
its building blocks (`${NAME}`, and `${gap:n}` for "up to n words"), and exposes each table
under its name, typed, for the screen's modules.

Patterns run on *normalised* text (see `normalise.py`): lower case ASCII, apostrophes
dropped ("don't" -> "dont"), contractions and slang folded to one spelling ("going to" ->
"gonna", "i am" -> "im", "od'd" -> "overdosed"), single spaces between tokens and " | " at
every clause boundary. Writing patterns against one spelling is what lets a short list
cover the many ways people text. Peers read the reason codes, so codes are plain words.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

LEXICON_PATH = Path(__file__).with_name("lexicon.toml")


class Level(IntEnum):
    """How soon a human must see a message; ordered so max() picks the most serious."""

    NONE = 0
    SUPPORT = 1
    URGENT = 2
    EMERGENCY = 3


@dataclass(frozen=True)
class Rule:
    """One lexicon pattern: the reason code and level a match means.

    `negatable` is False when the phrase already carries its own negation ("dont want to
    live", "no narcan"), so a "no"/"not" before it must not cancel it.
    `temporal` marks events that may be told as history ("overdosed last year"): the
    screen reads the time words around them before deciding the level.
    """

    code: str
    level: Level
    pattern: str
    negatable: bool = True
    temporal: bool = False


class LexiconError(ValueError):
    """The lexicon file refers to a block it does not define, or loops (says which)."""


_REFERENCE = re.compile(r"\$\{(?:gap:(\d+)|([A-Z_][A-Z0-9_]*))\}")


def gap(n: int) -> str:
    """Up to n tokens inside one clause: lets "took like 2 percs" match "took ... percs"."""
    return rf"(?:[^\s|]+ ){{0,{n}}}"


def _expand(template: str, raw: dict[str, str], done: dict[str, str], path: tuple[str, ...]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1):
            return gap(int(match.group(1)))
        name = match.group(2)
        if name in path:
            raise LexiconError(f"blocks refer to each other in a loop: {' -> '.join(path)}")
        if name not in raw:
            raise LexiconError(f"unknown block ${{{name}}} in {path[-1] if path else 'a pattern'}")
        if name not in done:
            done[name] = _expand(raw[name], raw, done, (*path, name))
        return done[name]

    return _REFERENCE.sub(one, template)


def load(path: Path = LEXICON_PATH) -> tuple[dict[str, Any], dict[str, str]]:
    """The file's tables, and its blocks with every reference expanded. Every pattern in
    the file is expanded once here, so a wrong reference is refused at start, by name."""
    with path.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    raw = {str(k): str(v) for k, v in data["blocks"].items()}
    done: dict[str, str] = {}
    for name in raw:
        done.setdefault(name, _expand(raw[name], raw, done, (name,)))
    for table, entries in data.get("rules", {}).items():
        for entry in entries:
            _expand(str(entry["pattern"]), raw, done, (f"{table}:{entry['code']}",))
    for table, items in data.get("lists", {}).items():
        for item in items:
            _expand(str(item), raw, done, (table,))
    for table, pairs in data.get("pairs", {}).items():
        for pattern, _replacement in pairs:
            _expand(str(pattern), raw, done, (table,))
    return data, done


_DATA, _BLOCKS = load()


def expand(template: str) -> str:
    """A pattern from the file with its building blocks filled in."""
    return _expand(template, _BLOCKS, dict(_BLOCKS), ())


def _list(name: str) -> tuple[str, ...]:
    return tuple(expand(str(item)) for item in _DATA["lists"][name])


def _pairs(name: str) -> tuple[tuple[str, str], ...]:
    return tuple((expand(str(a)), expand(str(b))) for a, b in _DATA["pairs"][name])


def _rules(name: str) -> tuple[Rule, ...]:
    return tuple(
        Rule(
            code=str(entry["code"]),
            level=Level[str(entry["level"]).upper()],
            pattern=expand(str(entry["pattern"])),
            negatable=bool(entry.get("negatable", True)),
            temporal=bool(entry.get("temporal", False)),
        )
        for entry in _DATA["rules"][name]
    )


# --- every table, by name ----------------------------------------------------------------

W: str = _BLOCKS["W"]
THIRD: str = _BLOCKS["THIRD"]
PERSON: str = _BLOCKS["PERSON"]
BE: str = _BLOCKS["BE"]
OPIOIDS: str = _BLOCKS["OPIOIDS"]
BENZOS: str = _BLOCKS["BENZOS"]
STIMULANTS: str = _BLOCKS["STIMULANTS"]
ALCOHOL: str = _BLOCKS["ALCOHOL"]
MOUD: str = _BLOCKS["MOUD"]
WEAK_DRUGS: str = _BLOCKS["WEAK_DRUGS"]
STRONG_DRUGS: str = _BLOCKS["STRONG_DRUGS"]
USE_VERBS: str = _BLOCKS["USE_VERBS"]
WEAK_FILL: str = _BLOCKS["WEAK_FILL"]
DESIRE: str = _BLOCKS["DESIRE"]
TRAILING_NO: str = _BLOCKS["TRAILING_NO"]
NOW_MARKERS: str = _BLOCKS["NOW_MARKERS"]
RECENT_MARKERS: str = _BLOCKS["RECENT_MARKERS"]
REMOTE_MARKERS: str = _BLOCKS["REMOTE_MARKERS"]
LOSS_MARKERS: str = _BLOCKS["LOSS_MARKERS"]
GRIEF_MARKERS: str = _BLOCKS["GRIEF_MARKERS"]
STORY_MARKERS: str = _BLOCKS["STORY_MARKERS"]
DEATH_MARKERS: str = _BLOCKS["DEATH_MARKERS"]
IMMINENCE_MARKERS: str = _BLOCKS["IMMINENCE_MARKERS"]
JOKE_CAUSES: str = _BLOCKS["JOKE_CAUSES"]
LAUGHS: str = _BLOCKS["LAUGHS"]
JOKE_WORDS: str = _BLOCKS["JOKE_WORDS"]
DEATH_OF_ME: str = _BLOCKS["DEATH_OF_ME"]
PLACES: str = _BLOCKS["PLACES"]
SEEKING_DRUGS: str = _BLOCKS["SEEKING_DRUGS"]
PERSON_OWNS: str = _BLOCKS["PERSON_OWNS"]
ALONE: str = _BLOCKS["ALONE"]
PROXY_TEXTER: str = _BLOCKS["PROXY_TEXTER"]
SUPPLIED_TO_ME: str = _BLOCKS["SUPPLIED_TO_ME"]
DRUG_OR_KIT: str = _BLOCKS["DRUG_OR_KIT"]
DONE_IF: str = _BLOCKS["DONE_IF"]
FINALITY_ECHO: str = _BLOCKS["FINALITY_ECHO"]
LOADING: str = _BLOCKS["LOADING"]
WEAPON: str = _BLOCKS["WEAPON"]
NOT_WEAPON_USE: str = _BLOCKS["NOT_WEAPON_USE"]
USING_ALONE_DIRECT: str = _BLOCKS["USING_ALONE_DIRECT"]
RELEASE: str = _BLOCKS["RELEASE"]
TOLERANCE: str = _BLOCKS["TOLERANCE"]
STINT: str = _BLOCKS["STINT"]
MOUD_STOP: str = _BLOCKS["MOUD_STOP"]
USE_PURPOSE: str = _BLOCKS["USE_PURPOSE"]
ALONE_THEN_USE: str = _BLOCKS["ALONE_THEN_USE"]
USE_INTENT_OR_CRAVING: str = _BLOCKS["USE_INTENT_OR_CRAVING"]
MIXING: str = _BLOCKS["MIXING"]
NEGATED_ACTS: str = _BLOCKS["NEGATED_ACTS"]
RESISTED: str = _BLOCKS["RESISTED"]
IF_SOMEONE: str = _BLOCKS["IF_SOMEONE"]
PLAN_TO_USE: str = _BLOCKS["PLAN_TO_USE"]
ASKING: str = _BLOCKS["ASKING"]
HYPOTHETICAL_NOW: str = _BLOCKS["HYPOTHETICAL_NOW"]
NEGATORS: frozenset[str] = frozenset(_DATA["sets"]["NEGATORS"])
NEGATION_FILLERS: frozenset[str] = frozenset(_DATA["sets"]["NEGATION_FILLERS"])
NEGATION_LIST_WORDS: frozenset[str] = frozenset(_DATA["sets"]["NEGATION_LIST_WORDS"])
HISTORY_CODES: frozenset[str] = frozenset(_DATA["sets"]["HISTORY_CODES"])
NOT_TYPOS: frozenset[str] = frozenset(_DATA["sets"]["NOT_TYPOS"])
NEGATION_BREAKERS: tuple[str, ...] = _list("NEGATION_BREAKERS")
NEGATION_FALSE_STARTS: tuple[str, ...] = _list("NEGATION_FALSE_STARTS")
IDIOMS: tuple[str, ...] = _list("IDIOMS")
CRITICAL_WORDS: tuple[str, ...] = _list("CRITICAL_WORDS")
BARRIERS: tuple[tuple[str, str], ...] = _pairs("BARRIERS")
PHRASE_MAP: tuple[tuple[str, str], ...] = _pairs("PHRASE_MAP")
EMOJI_WORDS: dict[str, str] = dict(_DATA["maps"]["EMOJI_WORDS"])
HOMOGLYPHS: dict[int, str] = str.maketrans(_DATA["maps"]["HOMOGLYPHS"])
LEET: dict[int, str] = str.maketrans(_DATA["maps"]["LEET"])
TOKEN_MAP: dict[str, str] = dict(_DATA["maps"]["TOKEN_MAP"])
OVERDOSE_RULES: tuple[Rule, ...] = _rules("OVERDOSE_RULES")
SUICIDE_RULES: tuple[Rule, ...] = _rules("SUICIDE_RULES")
IMMINENT_RULES: tuple[Rule, ...] = _rules("IMMINENT_RULES")
MEANS_RULES: tuple[Rule, ...] = _rules("MEANS_RULES")
USE_RULES: tuple[Rule, ...] = _rules("USE_RULES")
SLANG_USE_RULES: tuple[Rule, ...] = _rules("SLANG_USE_RULES")
MINIMISED_USE_RULES: tuple[Rule, ...] = _rules("MINIMISED_USE_RULES")
SPANISH_USE_RULES: tuple[Rule, ...] = _rules("SPANISH_USE_RULES")
HARM_RULES: tuple[Rule, ...] = _rules("HARM_RULES")
SUPPORT_RULES: tuple[Rule, ...] = _rules("SUPPORT_RULES")
