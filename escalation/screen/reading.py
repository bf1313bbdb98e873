"""Matching, and reading one hit in its context: negation ("i did not use"), idioms ("this
traffic is killing me"), time words (history is support, not crisis), desire ("want to get
high" is a craving), imminence (a time, a means or a plan), jokes, and someone else's use."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from escalation.screen import lexicon as lx
from escalation.screen.decision import Hit, Reason
from escalation.screen.lexicon import Level, Rule
from escalation.screen.patterns import (
    ASKING,
    CLAUSE_OPENER,
    DEATH,
    DESIRE_BEFORE,
    DRUG_WORD,
    FELT_LIKE,
    FIRST_PERSON,
    GRIEF,
    HYPOTHETICAL_NOW,
    IDIOMS,
    IF_SOMEONE,
    IMMINENT,
    INTENT_BEFORE,
    JOKE_CAUSE,
    JOKE_WORDS,
    LAUGH,
    NEGATED_ACT,
    NOT_IMMINENT,
    NOW,
    PROXY,
    RECENT,
    REMOTE,
    REMOTE_TIME,
    RESISTED,
    RISK_RULES,
    SAID,
    SOMEONE_ELSE,
    STORY,
    SUPPLIED,
    SUPPORT_RULES,
    TRAILING_NO,
    USE_VERB,
)


@lru_cache(maxsize=1024)
def neutralise_idioms(text: str) -> str:
    """Blank out idioms so 'this traffic is killing me' can't match a risk pattern.

    Remembered: seven readings of one text each start here, and the learned layer screens
    every sentence of a long text as well; with 76 patterns a pass, this was a third of a
    long text's screening time (docs/architecture.md, "What a text costs")."""
    for idiom in IDIOMS:
        text = idiom.sub(lambda m: " ".join("~" for _ in m.group(0).split()), text)
    return text


def _matches(text: str, rules: Iterable[tuple[Rule, re.Pattern[str]]]) -> Iterator[Hit]:
    for rule, pattern in rules:
        for m in pattern.finditer(text):
            if m.group(0).strip():
                yield Hit(rule.code, rule.level, m.start(), m.end(), m.group(0).strip(), rule)


def clause_before(text: str, start: int) -> list[str]:
    before = text[:start].rsplit("|", 1)[-1]
    return before.split()


def negated(text: str, hit: Hit) -> bool:
    """A negation whose scope holds the hit cancels it: a negator close before it in its
    clause ("i did not use"), one inside it before the act ("i havent used"), or a negated
    use verb over the list it governs ("didnt use heroin or fent").

    Close means at most two content words in between; filler such as "had a single
    thought about" does not count, so "havent had a single thought about hurting myself"
    is negated while "never told anyone i want to die" is not.
    """
    if hit.rule is not None and not hit.rule.negatable:
        return False
    if TRAILING_NO.search(text[hit.end :]):
        return True
    if _denied_inside(hit) or _in_denied_list(text, hit):
        return True
    return _negator_before(clause_before(text, hit.start), hit.snippet.split())


def _negator_before(words: list[str], snippet: list[str]) -> bool:
    clause = words[-8:]
    following = [*clause, *snippet]
    for i, word in enumerate(clause):
        if word not in lx.NEGATORS or not _close(clause[i + 1 :]):
            continue
        rest = " ".join(following[i + 1 :])
        if rest.startswith(lx.NEGATION_BREAKERS) or f"{word} {rest}".startswith(
            lx.NEGATION_FALSE_STARTS
        ):
            continue
        return True
    return False


def _denied_inside(hit: Hit) -> bool:
    """A negator inside the match, right before the act it denies: "i havent used", "i
    didnt slip". Only a use or relapse verb counts, so "hes not breathing" stays."""
    if hit.rule is None or hit.code not in _USE_RISKS:
        return False
    words = hit.snippet.split()
    return any(
        word in lx.NEGATORS and NEGATED_ACT.match(" ".join(words[i + 1 :]))
        for i, word in enumerate(words[:-1])
    )


def _in_denied_list(text: str, hit: Hit) -> bool:
    """The scope of a negated use verb runs over the things it lists: in "i didnt use heroin
    or fent or anything", "fent" is denied too. The list must be unbroken in one clause."""
    words = clause_before(text, hit.start)
    listed = 0
    while (
        words
        and listed < 10
        and (words[-1] in lx.NEGATION_LIST_WORDS or DRUG_WORD.fullmatch(words[-1]))
    ):
        words.pop()
        listed += 1
    if not listed or not words or not USE_VERB.fullmatch(words[-1]):
        return False
    verb = words.pop()
    return _negator_before(words, [verb])


def resisted(text: str, hit: Hit) -> bool:
    """A use the next clause says did not happen: "wanted to so bad | but i didnt" is a
    craving, not a relapse. Never a suicidal thought: thinking it is the risk."""
    return hit.code in _ACT_CODES and bool(RESISTED.search(text[hit.end :]))


_ACT_CODES = frozenset({"return_to_use", "high_craving"})
# Risks that are a use: a negator before the act inside them denies them ("i havent used");
# in others it is the risk itself ("didnt take my dose" is a missed dose).
_USE_RISKS = _ACT_CODES | {"using_alone", "polysubstance", "fentanyl"}


def _close(between: list[str]) -> bool:
    return sum(word not in lx.NEGATION_FILLERS for word in between) <= 2


def window(text: str, hit: Hit, size: int = 12) -> str:
    """The words around a hit: time and plan words only count when they are near."""
    # Split only as far as the words needed: a long text's many hits each split all of it.
    before = text[: hit.start].rsplit(None, size)[-size:]
    after = text[hit.end :].split(None, size)[:size]
    return " ".join([*before, hit.snippet, *after])


def reason_for(hit: Hit, prefix: str = "matched") -> Reason:
    return Reason(hit.code, f"{prefix} '{hit.snippet[:60]}'")


def relabel(hit: Hit, code: str, level: Level) -> Hit:
    return Hit(code, level, hit.start, hit.end, hit.snippet, hit.rule)


def _clause(text: str, hit: Hit) -> str:
    """The clause holding a hit: 'now' in the next sentence may be a contrast, not a time."""
    start = text.rfind("|", 0, hit.start) + 1
    end = text.find("|", hit.end)
    return text[start : end if end >= 0 else len(text)]


_OVERDOSE_CODES = frozenset({"overdose_now", "emergency_services"})
# How far back a joke's everyday cause is looked for: a sentence or two. Further back, the
# death word is not read as a joke (the safe way to err), and a long text of many hits no
# longer searches its whole prefix for each hit (64 KB of a crisis clause took 3.3 s).
JOKE_LOOKBACK = 300
_QUIET_HISTORY = frozenset({"return_to_use", "fentanyl", "polysubstance", "using_alone"})


def _timed(text: str, hit: Hit) -> Hit:
    """Read time words near an event: now, recently, or long ago (history, not crisis)."""
    if hit.rule is None or not hit.rule.temporal or NOW.search(_clause(text, hit)):
        return hit
    near = window(text, hit)
    # The event's own clause dates it first: in "2 years ago today i od'd | today im
    # celebrating" the second "today" belongs to the celebration, not the overdose.
    clause = _clause(text, hit)
    told_as_past = _told_as_past(clause.replace(hit.snippet, " | "), clause)
    if hit.code in _OVERDOSE_CODES:
        return _timed_overdose(near, hit, told_as_past)
    # The hit's own words are not time words: "if i died tomorrow nobody would notice".
    around = near.replace(hit.snippet, " | ")
    # A loss dates the loss, not the use: "i ended up using after the funeral" is a
    # relapse now; only a time phrase ("years ago") makes one's own use history.
    remote = REMOTE_TIME if hit.code == "return_to_use" else REMOTE
    if not told_as_past and (RECENT.search(near) or not remote.search(around)):
        return hit
    if GRIEF.search(near) or DEATH.search(near):
        return relabel(hit, "grief", Level.SUPPORT)
    level = Level.NONE if hit.code in _QUIET_HISTORY else Level.SUPPORT
    return relabel(hit, f"history:{hit.code}", level)


def _told_as_past(around: str, clause: str) -> bool:
    """A long-ago time phrase in the event's own clause, and no recent one there."""
    return bool(REMOTE_TIME.search(around)) and not RECENT.search(clause)


def _timed_overdose(near: str, hit: Hit, told_as_past: bool = False) -> Hit:
    """An overdose told as grief or history is support; last night's is a follow-up."""
    recent = RECENT.search(near)
    if GRIEF.search(near):
        return relabel(hit, "grief", Level.SUPPORT)
    if told_as_past or (REMOTE.search(near) and not recent):
        return relabel(hit, "history:overdose", Level.SUPPORT)
    # Someone telling an overdose as a story ("the speaker talked about her overdose",
    # "told my daughter the truth, including the od") is not a rescue.
    if STORY.search(near) and not recent and hit.snippet.startswith("overdos"):
        return relabel(hit, "history:overdose", Level.SUPPORT)
    if recent:
        return relabel(hit, "overdose_recent", Level.URGENT)
    return hit


def _desired(text: str, hit: Hit) -> Hit:
    """'i want to get high so bad' is a craving, 'im gonna get high' is a plan to use."""
    if hit.code != "return_to_use":
        return hit
    before = text[: hit.start].rsplit("|", 1)[-1]
    # The desire word may sit inside the match: "i almost used" is a near miss.
    before = " ".join([*before.split(), *hit.snippet.split()[:-1]])
    if DESIRE_BEFORE.search(before) and not INTENT_BEFORE.search(before):
        return relabel(hit, "high_craving", Level.SUPPORT)
    return hit


def _imminent(text: str, hit: Hit) -> Hit:
    """A suicidal or self-harm thought with a time, a means or a plan is an emergency."""
    if hit.code not in {"suicidal_thoughts", "self_harm", "means_access"}:
        return hit
    before = text[: hit.start].rsplit("|", 1)[-1]
    near = NOT_IMMINENT.sub(" ", window(text, hit, size=10).replace(hit.snippet, " "))
    in_hand = hit.code == "means_access" and NOW.search(_clause(text, hit))
    if in_hand or INTENT_BEFORE.search(before) or IMMINENT.search(near):
        code = "self_harm_imminent" if hit.code == "self_harm" else "suicide_imminent"
        return relabel(hit, code, Level.EMERGENCY)
    return hit


def _joking(text: str, hit: Hit) -> bool:
    """'that chem test was brutal i wanted to die 😂': a death word about an everyday
    cause, with a laugh after it or told as a passing sensation ('felt like i was gonna
    die at the gym'). Only a wish to die is read this way, never a method, a plan or
    'kill myself'; a bare 'i want to die lol' still counts. An overdose phrase ('thought
    i was gonna die') is read this way only with both an everyday cause and a laugh."""
    if hit.code not in {"suicidal_thoughts", "overdose_now"}:
        return False
    if not JOKE_WORDS.search(hit.snippet):
        return False
    clause = _clause(text, hit)
    # The cause may come first or in the same clause: "gonna die if we lose again lmao".
    # Searched in place, not in a slice: a slice could start mid-word ("hot|line") and
    # invent a cause; in place, a word boundary still sees the letter before.
    earlier = JOKE_CAUSE.search(text, max(0, hit.start - JOKE_LOOKBACK), hit.start)
    cause = earlier or JOKE_CAUSE.search(clause)
    after = " ".join(text[hit.end :].split(None, 3)[:3])
    rest_of_clause = text[hit.end :].split("|", 1)[0]
    laugh = LAUGH.search(after) or LAUGH.search(rest_of_clause)
    before = text[: hit.start].rsplit("|", 1)[-1]
    felt = FELT_LIKE.search(before)
    # Someone else's words, laughed at: "my friends say im gonna die if i eat this lol",
    # but not the texter's own ("i always say i wanna die lol").
    said_by = SAID.search(before)
    said = said_by is not None and not FIRST_PERSON.search(before[: said_by.start()])
    if hit.code == "overdose_now":
        return bool(cause and laugh)
    return bool(cause and (laugh or felt)) or bool(said and laugh)


def _others_use(text: str, hit: Hit) -> Hit:
    """'my ex is using around me': someone else's use is support for the texter, not their
    relapse. Overdose signs, using alone and fentanyl still count on their own rules."""
    if hit.code != "return_to_use" or hit.level < Level.URGENT:
        return hit
    if PROXY.search(text) or SUPPLIED.search(hit.snippet):
        return hit
    before = " ".join(clause_before(text, hit.start)) + " " + hit.snippet.split()[0]
    before = CLAUSE_OPENER.sub("", before.strip())
    if SOMEONE_ELSE.match(before) and not FIRST_PERSON.search(before):
        return relabel(hit, "others_use", Level.SUPPORT)
    return hit


def _hypothetical(text: str, hit: Hit) -> bool:
    """An overdose or a 911 call asked about for nobody in particular ("if someone is
    overdosing do i call 911 first") is a question, not an event: the "if someone" comes
    before it, or anywhere in a clause asked as a question. A now word keeps it."""
    if hit.code not in _OVERDOSE_CODES:
        return False
    clause = _clause(text, hit)
    if HYPOTHETICAL_NOW.search(clause):
        return False
    before = text[: hit.start].rsplit("|", 1)[-1]
    return bool(IF_SOMEONE.search(before) or (ASKING.search(clause) and IF_SOMEONE.search(clause)))


def risk_hits(text: str) -> list[Hit]:
    """Urgent and emergency hits that survive idioms, negation, desire, time and "what if"."""
    plain = neutralise_idioms(text)
    hits: list[Hit] = []
    for hit in _matches(plain, RISK_RULES):
        if negated(plain, hit) or _joking(plain, hit) or _hypothetical(plain, hit):
            continue
        if resisted(plain, hit):
            hits.append(relabel(hit, "high_craving", Level.SUPPORT))
            continue
        hits.append(_imminent(plain, _timed(plain, _desired(plain, _others_use(plain, hit)))))
    return hits


def support_hits(text: str) -> list[Hit]:
    return [hit for hit in _matches(text, SUPPORT_RULES) if not negated(text, hit)]
