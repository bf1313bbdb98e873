"""Normalisation: one spelling for the many ways people text (case, accents, repeated
letters, leetspeak, spaced-out words, typos of crisis words, slang phrases), so a short list
of patterns covers them."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import product

from escalation.screen import lexicon as lx
from escalation.screen.patterns import PHRASES, RISK_RULES, SUPPORT_RULES


def _vocabulary() -> frozenset[str]:
    """Words the lexicon knows: used to undo stretched spelling ("killlll", "sooo")."""
    sources: list[str] = [rule.pattern for rule, _ in RISK_RULES + SUPPORT_RULES]
    sources += list(lx.IDIOMS) + list(lx.TOKEN_MAP.values()) + list(lx.CRITICAL_WORDS)
    sources += [lx.NOW_MARKERS, lx.RECENT_MARKERS, lx.REMOTE_MARKERS, lx.IMMINENCE_MARKERS]
    sources += [lx.ALONE, lx.RELEASE, lx.TOLERANCE, lx.ALCOHOL, lx.USE_VERBS, lx.BENZOS]
    plain = (re.sub(r"\\[a-zA-Z]", " ", source) for source in sources)
    words = {w for source in plain for w in re.findall(r"[a-z]{2,}", source)}
    return frozenset(words | set(lx.TOKEN_MAP))


_VOCAB = _vocabulary()
_RUN = re.compile(r"([a-z])\1{2,}")
_UNIT = re.compile(r"^\d+(?:st|nd|rd|th|am|pm|mg|ml|hrs?|h|mins?|days?|wks?|yrs?|x|s|k|m)$")
_SPELLED = re.compile(r"\b(?:[a-z][ .\-_*]){2,}[a-z]\b|\b[a-z]\.[a-z]\.?(?=\s|$)")
_OD_APOS = re.compile(r"\bo\.?d(?:'(d|ed|ing|in|s)|(ed|ing))\b")


def _uppercase_od(text: str) -> str:
    """'he ODd' is an overdose, 'that's odd' is not: only case tells them apart."""
    if sum(c.isupper() for c in text) > len(text) / 2:
        return text
    return re.sub(r"\bO\.?D'?[Dd]\b", " overdosed ", text)


def _strip_marks(text: str) -> str:
    """Fold accents, zalgo and look-alike letters to plain ASCII; keep emoji words."""
    text = text.translate(lx.HOMOGLYPHS)
    decomposed = unicodedata.normalize("NFKD", text)
    kept = (
        c
        for c in decomposed
        if not unicodedata.combining(c) and unicodedata.category(c) not in {"Cf", "Cs"}
    )
    return "".join(c if c.isascii() else " " for c in kept)


def _fold_od(text: str) -> str:
    """One spelling for the many ways to write overdose: od'd, ODed, o.d., oding."""
    forms = {
        "d": "overdosed",
        "ed": "overdosed",
        "ing": "overdosing",
        "in": "overdosing",
        "s": "overdoses",
    }
    text = _OD_APOS.sub(lambda m: f" {forms[m.group(1) or m.group(2)]} ", text)
    return re.sub(r"\bo\.d\.?(?=\s|$|[^a-z])|\bod\b", " overdose ", text)


def _join_spelled(text: str) -> str:
    """'k m s', 'k.m.s' and 's-u-i-c-i-d-e' hide a word; join the letters back."""
    return _SPELLED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), text)


def _deleet(token: str) -> str:
    """'k1ll', 'su1c1de', '0d' become words, but '8/10', '24hrs' and 'm30' stay numbers."""
    core = token.strip('.,!?;:"()[]{}')
    if not re.search(r"[a-z]", core) or not re.search(r"[0-9@$!*]", core) or _UNIT.match(core):
        return token
    candidate = core.translate(lx.LEET)
    return token.replace(core, candidate) if _known(candidate) else token


def _known(word: str) -> bool:
    return word in _VOCAB or _collapse(word) in _VOCAB


@lru_cache(maxsize=4096)
def _collapse(token: str) -> str:
    """Undo stretched letters: try each run as two letters or one, keep a known word."""
    runs = list(_RUN.finditer(token))
    if not runs:
        return token
    if len(runs) > 4:
        return _RUN.sub(r"\1\1", token)
    for choice in product((2, 1), repeat=len(runs)):
        candidate = _shrink(token, runs, choice)
        if candidate in _VOCAB:
            return candidate
    return _RUN.sub(r"\1\1", token)


def _shrink(token: str, runs: list[re.Match[str]], lengths: tuple[int, ...]) -> str:
    parts: list[str] = []
    last = 0
    for run, length in zip(runs, lengths, strict=True):
        parts += [token[last : run.start()], run.group(1) * length]
        last = run.end()
    return "".join([*parts, token[last:]])


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (adjacent swaps count once): how texting typos actually look."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


@lru_cache(maxsize=8192)
def _repair(token: str) -> str:
    """Fix a one-letter typo in a crisis word ('myslef', 'fentanly'); leave others alone."""
    if len(token) < 5 or not token.isalpha() or token in _VOCAB or token in lx.NOT_TYPOS:
        return token
    for word in lx.CRITICAL_WORDS:
        if word[0] != token[0] or abs(len(word) - len(token)) > 1:
            continue
        if _distance(token, word) <= (2 if len(word) >= 9 else 1):
            return word
    return token


def _fold_token(token: str) -> str:
    if token == "|":
        return token
    token = _collapse(token)
    token = lx.TOKEN_MAP.get(token, _drop_g(token))
    return _repair(token) if " " not in token else token


def _drop_g(token: str) -> str:
    """'poppin', 'drinkin', 'sittin': a dropped g, restored when the -ing word is known."""
    if len(token) > 4 and token.endswith("in") and token not in _VOCAB:
        full = token + "g"
        if full in _VOCAB:
            return full
    return token


def normalise(text: str) -> str:
    """One canonical spelling of a text, so each pattern is written once.

    Lower-case ASCII, emoji as words, apostrophes dropped, clause boundaries as " | ",
    stretched letters, leetspeak, spaced-out letters and common typos undone.
    """
    text = unicodedata.normalize("NFKC", _uppercase_od(text))
    for emoji, word in lx.EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    text = _strip_marks(text).lower()
    text = " ".join(_deleet(t) for t in text.split())
    text = _join_spelled(_fold_od(text))
    text = text.replace("'", "").replace('"', " ").replace("&", " and ")
    text = re.sub(r"\bw/o\b", " without ", text)
    text = re.sub(r"\bw/", " with ", text)
    text = re.sub(r"(?<=\d)/(?=\d)", " / ", text)
    text = re.sub(r"[.!?;,:\n\r\t()\[\]{}]+", " | ", text)
    text = re.sub(r"[^a-z0-9/| ]+", " ", text)
    tokens = [_fold_token(t) for t in text.split()]
    text = " ".join(tokens)
    for pattern, replacement in PHRASES:
        text = pattern.sub(replacement, text)
    text = re.sub(r" (but|except|although|though) ", r" | \1 ", text)
    text = re.sub(r"(?:\| )+\|", "|", " ".join(text.split()))
    return text.strip(" |")
