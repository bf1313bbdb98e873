"""Compound signals: two parts of one message that only mean risk together (use and
being alone, opioids and benzos or alcohol, release from jail and use, a gun made ready,
veiled finality, stopping MOUD so the drug will be felt)."""

from __future__ import annotations

from escalation.screen.decision import Hit
from escalation.screen.lexicon import Level
from escalation.screen.patterns import (
    ALCOHOL,
    ALONE,
    ALONE_THEN_USE,
    BENZO,
    BENZO_USE,
    DONE_IF,
    DRINK_ON_MOUD,
    DRUG_OR_KIT,
    FINALITY_ECHO,
    LOADING,
    MOUD_STOP,
    NOT_ALCOHOL,
    NOT_WEAPON_USE,
    NOW,
    OPIOID_OR_MOUD,
    PLAN_TO_USE,
    RECENT,
    RECENTLY,
    RELEASE,
    REMOTE,
    SOMEONE_ELSE,
    STINT,
    TOLERANCE,
    TOLERANCE_LOW,
    USE_PURPOSE,
    USING_ALONE,
    WEAPON,
)
from escalation.screen.reading import (
    clause_before,
    negated,
    neutralise_idioms,
    relabel,
    resisted,
    window,
)


def _current_use(hits: list[Hit]) -> list[Hit]:
    # Someone else using alone is still a life at risk with nobody to give naloxone.
    use = {"return_to_use", "fentanyl", "others_use"}
    return [h for h in hits if h.code in use and (h.level >= 2 or h.code == "others_use")]


def using_alone(text: str, hits: list[Hit]) -> list[Hit]:
    """Use plus 'alone', 'by myself', 'nobody here' near it: no one to call 911."""
    plain = neutralise_idioms(text)
    found = [
        Hit("using_alone", Level.URGENT, m.start(), m.end(), m.group(0))
        for pattern in (USING_ALONE, ALONE_THEN_USE)
        for m in pattern.finditer(plain)
    ]
    found = [h for h in found if not negated(plain, h)]
    for hit in _current_use(hits):
        if ALONE.search(window(plain, hit)):
            found.append(relabel(hit, "using_alone", Level.URGENT))
    for m in ALONE.finditer(plain):
        hit = Hit("using_alone", Level.URGENT, m.start(), m.end(), m.group(0))
        kit = DRUG_OR_KIT.search(window(plain, hit, size=8))
        if kit and not negated(plain, hit) and not _history_only(plain, hit):
            found.append(Hit("using_alone", Level.URGENT, m.start(), m.end(), kit.group(0)))
    return found


def polysubstance(text: str) -> list[Hit]:
    """Benzos or alcohol on top of opioids or MOUD: the mix behind most overdose deaths."""
    plain = neutralise_idioms(text)
    found: list[Hit] = []
    for m in BENZO_USE.finditer(plain):
        found.append(Hit("polysubstance", Level.URGENT, m.start(), m.end(), m.group(0)))
    for m in DRINK_ON_MOUD.finditer(plain):
        found.append(Hit("polysubstance", Level.URGENT, m.start(), m.end(), m.group(0)))
    cleaned = NOT_ALCOHOL.sub(" ", plain)
    for m in ALCOHOL.finditer(cleaned):
        hit = Hit("polysubstance", Level.URGENT, m.start(), m.end(), m.group(0))
        near = window(cleaned, hit)
        if OPIOID_OR_MOUD.search(near.replace(m.group(0), " ")) or BENZO.search(near):
            found.append(hit)
    return [h for h in found if not negated(plain, h) and not _history_only(plain, h)]


def gun_made_ready(text: str) -> list[Hit]:
    """'🔫 tonight | i loaded it': the texter readying a gun is an emergency; loading
    the dishwasher, or a rifle for deer season, is not."""
    plain = neutralise_idioms(text)
    found: list[Hit] = []
    for m in LOADING.finditer(plain):
        hit = Hit("suicide_imminent", Level.EMERGENCY, m.start(), m.end(), m.group(0))
        near = window(plain, hit, size=15)
        if not WEAPON.search(near) or NOT_WEAPON_USE.search(near):
            continue
        if not negated(plain, hit) and not _history_only(plain, hit):
            found.append(hit)
    return found


def veiled_finality(text: str) -> list[Hit]:
    """'if this appeal gets denied im done | like done done | ill figure out a way': a
    condition, being done, and an echo that done means more than quitting something."""
    plain = neutralise_idioms(text)
    done = DONE_IF.search(plain)
    if done is None or not FINALITY_ECHO.search(plain, done.end()):
        return []
    hit = Hit("suicidal_thoughts", Level.URGENT, done.start(), done.end(), done.group(0))
    return [] if negated(plain, hit) or _history_only(plain, hit) else [hit]


def _history_only(text: str, hit: Hit) -> bool:
    near = window(text, hit)
    return bool(REMOTE.search(near)) and not (RECENT.search(near) or NOW.search(near))


def low_tolerance(text: str, hits: list[Hit]) -> list[Hit]:
    """Release from jail, detox or rehab, or a long break, then use: tolerance is gone."""
    plain = neutralise_idioms(text)
    # A craving the text says was resisted ("wanted to | but i didnt") is not a use.
    use = [h for h in hits if h.code in _USE_CODES and not resisted(plain, h)]
    found: list[Hit] = []
    for m in TOLERANCE_LOW.finditer(plain):
        found.append(Hit("low_tolerance", Level.URGENT, m.start(), m.end(), m.group(0)))
    for m in RELEASE.finditer(plain):
        hit = Hit("low_tolerance", Level.URGENT, m.start(), m.end(), m.group(0))
        if SOMEONE_ELSE.search(" ".join(clause_before(plain, hit.start)[-4:])):
            continue
        if use or RECENTLY.search(window(plain, hit, size=6)):
            found.append(hit)
    if use or _plans_to_use(plain):
        for m in TOLERANCE.finditer(plain):
            found.append(Hit("low_tolerance", Level.URGENT, m.start(), m.end(), m.group(0)))
    found = [h for h in found if not negated(plain, h) and not _history_only(plain, h)]
    # A stretch locked up or in treatment is itself a time word ("6 months in the feds"),
    # so it is read as history only by the words around it, and any use word counts,
    # even one the time reading turned into history ("first thing i wanna do is get lit").
    told = [h for h in hits if h.code.rsplit(":", 1)[-1] in _USE_CODES]
    for m in STINT.finditer(plain):
        hit = Hit("low_tolerance", Level.URGENT, m.start(), m.end(), m.group(0))
        if SOMEONE_ELSE.search(" ".join(clause_before(plain, hit.start)[-4:])):
            continue
        near = window(plain, hit).replace(m.group(0), " | ")
        remote = REMOTE.search(near) and not (RECENT.search(near) or NOW.search(near))
        if (told or use) and not remote and not negated(plain, hit):
            found.append(hit)
    return found


_USE_CODES = frozenset({"return_to_use", "high_craving", "fentanyl"})


def _plans_to_use(text: str) -> bool:
    """'gonna do it', not 'not gonna use': a plan to use that no negation cancels."""
    plans = (
        Hit("plan", Level.URGENT, m.start(), m.end(), m.group(0))
        for m in PLAN_TO_USE.finditer(text)
    )
    return any(not negated(text, plan) for plan in plans)


def moud_stopped_to_use(text: str) -> list[Hit]:
    """Stopping or skipping MOUD so the drug will be felt: a plan to use, tolerance down."""
    plain = neutralise_idioms(text)
    found: list[Hit] = []
    for m in MOUD_STOP.finditer(plain):
        hit = Hit("stopping_moud_to_use", Level.URGENT, m.start(), m.end(), m.group(0))
        after = plain[m.end() :].split()[:12]
        if USE_PURPOSE.search(" ".join(after)) and not negated(plain, hit):
            found.append(hit)
    return found
