"""The lexicon layer of the safety screen: decides, for one inbound text, how soon a human
peer must see it.

It runs on every message, before and independent of the Rasa engine, so it uses the
standard library only and never raises: a screen that crashes would let a crisis through.

Layers, combined by one rule (any layer may raise the level; only the idiom and history
readings may lower a *lexicon* hit, and nothing lowers what the engine or the context
raised):

1. normalise the text, then match patterns from `escalation.lexicon`;
2. negation ("i did not use") cancels the hit it governs, unless the phrase carries its
   own negation ("dont want to live", "no narcan") or the negator is part of a risk
   ("cant stop using", "ngl i used");
3. idioms ("this traffic is killing me", "overdosed on netflix") are removed before the
   urgent and emergency patterns run; time words turn a told-as-history event ("my cousin
   overdosed last year") into a support-level note;
4. the engine's risk intent raises the level when its confidence clears a threshold;
5. the question the bot just asked turns a bare "yes" into a disclosure.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from escalation import lexicon as lx
from escalation.lexicon import Level, Rule

__all__ = [
    "ENGINE_CONFIDENCE_THRESHOLD",
    "Decision",
    "Level",
    "Reason",
    "ScreenContext",
    "normalise",
    "screen",
]

# An engine intent below this confidence is ignored: Rasa's DIET often gives a risk
# intent ~0.3-0.5 to ordinary messages, and the lexicon already covers the clear cases.
ENGINE_CONFIDENCE_THRESHOLD = 0.6

# Texts longer than this are screened in overlapping pieces so one pattern never scans
# an unbounded string; SMS tops out near 1,600 characters, so this only guards abuse.
_CHUNK = 4000
_OVERLAP = 200


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
class _Hit:
    """One pattern match in the normalised text, before negation and time are read."""

    code: str
    level: Level
    start: int
    end: int
    snippet: str
    rule: Rule | None = None


# --- compiled tables -------------------------------------------------------------------

_FLAGS = re.IGNORECASE


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


_RISK_RULES: tuple[tuple[Rule, re.Pattern[str]], ...] = tuple(
    (rule, _compile(rule.pattern))
    for rule in (
        *lx.OVERDOSE_RULES,
        *lx.SUICIDE_RULES,
        *lx.IMMINENT_RULES,
        *lx.MEANS_RULES,
        *lx.USE_RULES,
        *lx.SPANISH_USE_RULES,
        *lx.SLANG_USE_RULES,
        *lx.MINIMISED_USE_RULES,
        *lx.HARM_RULES,
    )
)
_SUPPORT_RULES: tuple[tuple[Rule, re.Pattern[str]], ...] = tuple(
    (rule, _compile(rule.pattern)) for rule in lx.SUPPORT_RULES
) + tuple(
    (Rule(f"barrier:{kind}", Level.SUPPORT, pattern), _compile(pattern))
    for kind, pattern in lx.BARRIERS
)
_IDIOMS = tuple(_compile(p) for p in lx.IDIOMS)
_PHRASES = tuple((_compile(p), r) for p, r in lx.PHRASE_MAP)
_NOW = _compile(lx.NOW_MARKERS)
_RECENT = _compile(lx.RECENT_MARKERS)
_REMOTE_TIME = _compile(lx.REMOTE_MARKERS)
_REMOTE = _compile(rf"{lx.REMOTE_MARKERS}|{lx.LOSS_MARKERS}")
_GRIEF = _compile(lx.GRIEF_MARKERS)
_STORY = _compile(lx.STORY_MARKERS)
_DEATH = _compile(lx.DEATH_MARKERS)
_IMMINENT = _compile(lx.IMMINENCE_MARKERS)
# "havent planned anything", "no plan", "not tonight": a denied plan is not a plan.
_NOT_IMMINENT = _compile(
    r"\b(?:havent|hasnt|not|no|never|dont have|without|didnt|nothing|aint got|wont|not gonna"
    r"|not going to) (?:\w+ ){0,2}?(?:plan|planned|planning|plans|tonight|do it|doing it|"
    r"gonna|about to|ready|decided|pills|gun|rope)\b(?: \w+)?"
)
_JOKE_CAUSE = _compile(lx.JOKE_CAUSES)
_LAUGH = _compile(lx.LAUGHS)
_JOKE_WORDS = _compile(lx.JOKE_WORDS)
# Someone else's words about the texter: "my friends always say im gonna die".
_SAID = _compile(
    r"\b(?:says?|said|tells? me|told me|always says?|keeps? saying|joked|jokes) (?:that )?"
    r"(?:im|i|i was|id|ill|youre|hes|shes|were) (?:\w+ )?$"
)
# A passing sensation, not a wish: "felt like i was gonna die", "thought id die".
_FELT_LIKE = _compile(
    r"\b(?:felt like|feel like|feels like|thought|swear|swore|legit thought) (?:i was|id|i "
    r"would|im|i might|i was about to|we were|we was) (?:\w+ )?$"
)
_FIRST_PERSON = _compile(r"\b(?:i|im|ive|id|ill|me|my ?self|we|us|were|our)\b")
_ALONE = _compile(lx.ALONE)
_USING_ALONE = _compile(lx.USING_ALONE_DIRECT)
_DRUG_OR_KIT = _compile(lx.DRUG_OR_KIT)
_RELEASE = _compile(lx.RELEASE)
_STINT = _compile(lx.STINT)
_MOUD_STOP = _compile(lx.MOUD_STOP)
_USE_PURPOSE = _compile(lx.USE_PURPOSE)
_ALONE_THEN_USE = _compile(lx.ALONE_THEN_USE)
_TOLERANCE = _compile(lx.TOLERANCE)
_LOADING = _compile(lx.LOADING)
_DONE_IF = _compile(lx.DONE_IF)
_FINALITY_ECHO = _compile(lx.FINALITY_ECHO)
_WEAPON = _compile(lx.WEAPON)
_NOT_WEAPON_USE = _compile(lx.NOT_WEAPON_USE)
# "my mom was released from the hospital": someone else's release is not the texter's risk.
_SOMEONE_ELSE = _compile(rf"\b{lx.PERSON}\b")
_PROXY = _compile(lx.PROXY_TEXTER)
_SUPPLIED = _compile(lx.SUPPLIED_TO_ME)
# Words that may open a clause before its subject: "but hes using another number".
_CLAUSE_OPENER = _compile(r"^(?:(?:but|and|so|then|cuz|because|ngl|like|plus|now|also) )+")
_TOLERANCE_LOW = _compile(
    r"\btolerance (?:is |was |has |must be |will be |prob |probably )?(?:\w+ )?(?:low|down|"
    r"gone|dropped|lower|shot|nothing|zero|way down)\b|\b(?:no|lost my|lower|low) tolerance\b"
)
_RECENTLY = _compile(
    r"\b(?:just|fresh|today|yesterday|last night|this week|last week|this morning|"
    r"\d+ days ago|few days ago|couple days ago|recently|on (?:mon|tues|wednes|thurs|fri|"
    r"satur|sun)day|now|tonight|rn)\b"
)
_BENZO = _compile(rf"\b(?:{lx.BENZOS})\b")
_BENZO_USE = _compile(
    rf"\b(?:{lx.USE_VERBS}|on) (?:\w+ ){{0,3}}(?:{lx.BENZOS})\b|\b(?:{lx.BENZOS}) (?:with|and|"
    rf"plus|on top of|mixed with) "
)
_ALCOHOL = _compile(rf"\b(?:{lx.ALCOHOL})\b")
_NOT_ALCOHOL = _compile(
    r"\bdrink\w* (?:\w+ )?(?:water|coffee|tea|juice|soda|gatorade|milk|pop|smoothie|"
    r"energy drinks?|ensure|protein)\b|\b(?:didnt|dont|not|no|never|stopped|quit) "
    r"(?:\w+ )?(?:drink|drinking|drank|alcohol|booze)\b"
)
_OPIOID_OR_MOUD = _compile(rf"\b(?:{lx.OPIOIDS}|{lx.MOUD})\b")
_DRINK_ON_MOUD = _compile(
    rf"\b(?:drink|drank|drinking|drunk|booze|alcohol) (?:on|with|while on|and) (?:my )?"
    rf"(?:{lx.MOUD})\b|\b(?:mix|mixing|mixed|combine|combining) (?:\w+ ){{0,4}}"
    rf"(?:{lx.OPIOIDS}|{lx.BENZOS}|{lx.ALCOHOL}|{lx.MOUD})\b"
)
_INTENT_BEFORE = _compile(
    r"\b(?:gonna|about to|going|ready to|decided to|will|ill|plan to|planning to|planning "
    r"on|tonight im|im finally|finally gonna|gonna go|want to go|time to)\W*$"
)
_DESIRE_BEFORE = _compile(rf"\b(?:{lx.DESIRE})\b(?: \w+){{0,2}} ?$")
_TRAILING_NO = _compile(
    r"^ ?\|? ?(?:no|none|nope|nah|zero|0|negative|never|not today|na)(?= ?\||$| (?:mood|"
    r"craving|cravings|dose|meds|use|sleep|took|med|sleeping|stress))"
)
_AFFIRMATIVE = _compile(
    r"^(?:yes|yeah|yep|yup|y|ya|sure|a little|a lil|little bit|a bit|once|twice|just once|"
    r"only once|a few times|some|kinda|sorta|kind of|sort of|maybe|i did|did|i have|"
    r"unfortunately|sadly|honestly yes|ngl|yes i did|yeah i did|i used|used|1|one time)\b"
)
_NEGATIVE_ANSWER = _compile(
    r"^(?:no|nope|nah|not really|idk|i dont know|not sure|dont know|not at all|"
    r"no im not|im not|not rn|n)\b"
)
_NEGATES_ANSWER = _compile(r"\b(?:no|not|nope|nah|never|didnt|havent|clean|sober)\b")
_CRAVING_NUMBER = _compile(r"^(?:\w+ )?(8|9|10|eight|nine|ten)(?: ?/ ?10| out of 10)?\b")

_ENGINE_INTENTS: dict[str, tuple[Level, str]] = {
    "risk_overdose_now": (Level.EMERGENCY, "overdose_now"),
    "risk_suicide_imminent": (Level.EMERGENCY, "suicide_imminent"),
    "risk_suicidal": (Level.URGENT, "suicidal_thoughts"),
    "risk_self_harm": (Level.URGENT, "self_harm"),
    "risk_return_to_use": (Level.URGENT, "return_to_use"),
    "risk_using_alone": (Level.URGENT, "using_alone"),
}
# The bot's questions whose bare answer is itself a disclosure.
_USE_QUESTIONS = frozenset({"use", "used", "use_since_last", "use_since_checkin"})
_HARM_QUESTIONS = frozenset({"suicidal", "suicide", "self_harm", "harm", "thoughts"})
_SAFE_QUESTIONS = frozenset({"safe", "are_you_safe", "safety"})
_CRAVING_QUESTIONS = frozenset({"craving", "cravings"})


# --- normalisation ---------------------------------------------------------------------


def _vocabulary() -> frozenset[str]:
    """Words the lexicon knows: used to undo stretched spelling ("killlll", "sooo")."""
    sources: list[str] = [rule.pattern for rule, _ in _RISK_RULES + _SUPPORT_RULES]
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
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    text = re.sub(r" (but|except|although|though) ", r" | \1 ", text)
    text = re.sub(r"(?:\| )+\|", "|", " ".join(text.split()))
    return text.strip(" |")


# --- matching --------------------------------------------------------------------------


def _neutralise_idioms(text: str) -> str:
    """Blank out idioms so 'this traffic is killing me' can't match a risk pattern."""
    for idiom in _IDIOMS:
        text = idiom.sub(lambda m: " ".join("~" for _ in m.group(0).split()), text)
    return text


def _matches(text: str, rules: Iterable[tuple[Rule, re.Pattern[str]]]) -> Iterator[_Hit]:
    for rule, pattern in rules:
        for m in pattern.finditer(text):
            if m.group(0).strip():
                yield _Hit(rule.code, rule.level, m.start(), m.end(), m.group(0).strip(), rule)


def _clause_before(text: str, start: int) -> list[str]:
    before = text[:start].rsplit("|", 1)[-1]
    return before.split()


def _negated(text: str, hit: _Hit) -> bool:
    """A negator close before a hit, in its clause, cancels it ("i did not use").

    Close means at most two content words in between; filler such as "had a single
    thought about" does not count, so "havent had a single thought about hurting myself"
    is negated while "never told anyone i want to die" is not.
    """
    if hit.rule is not None and not hit.rule.negatable:
        return False
    if _TRAILING_NO.search(text[hit.end :]):
        return True
    clause = _clause_before(text, hit.start)[-8:]
    following = [*clause, *hit.snippet.split()]
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


def _close(between: list[str]) -> bool:
    return sum(word not in lx.NEGATION_FILLERS for word in between) <= 2


def _window(text: str, hit: _Hit, size: int = 12) -> str:
    """The words around a hit: time and plan words only count when they are near."""
    before = text[: hit.start].split()[-size:]
    after = text[hit.end :].split()[:size]
    return " ".join([*before, hit.snippet, *after])


def _reason(hit: _Hit, prefix: str = "matched") -> Reason:
    return Reason(hit.code, f"{prefix} '{hit.snippet[:60]}'")


def _with(hit: _Hit, code: str, level: Level) -> _Hit:
    return _Hit(code, level, hit.start, hit.end, hit.snippet, hit.rule)


def _clause(text: str, hit: _Hit) -> str:
    """The clause holding a hit: 'now' in the next sentence may be a contrast, not a time."""
    start = text.rfind("|", 0, hit.start) + 1
    end = text.find("|", hit.end)
    return text[start : end if end >= 0 else len(text)]


_OVERDOSE_CODES = frozenset({"overdose_now", "emergency_services"})
_QUIET_HISTORY = frozenset({"return_to_use", "fentanyl", "polysubstance", "using_alone"})


def _timed(text: str, hit: _Hit) -> _Hit:
    """Read time words near an event: now, recently, or long ago (history, not crisis)."""
    if hit.rule is None or not hit.rule.temporal or _NOW.search(_clause(text, hit)):
        return hit
    near = _window(text, hit)
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
    remote = _REMOTE_TIME if hit.code == "return_to_use" else _REMOTE
    if not told_as_past and (_RECENT.search(near) or not remote.search(around)):
        return hit
    if _GRIEF.search(near) or _DEATH.search(near):
        return _with(hit, "grief", Level.SUPPORT)
    level = Level.NONE if hit.code in _QUIET_HISTORY else Level.SUPPORT
    return _with(hit, f"history:{hit.code}", level)


def _told_as_past(around: str, clause: str) -> bool:
    """A long-ago time phrase in the event's own clause, and no recent one there."""
    return bool(_REMOTE_TIME.search(around)) and not _RECENT.search(clause)


def _timed_overdose(near: str, hit: _Hit, told_as_past: bool = False) -> _Hit:
    """An overdose told as grief or history is support; last night's is a follow-up."""
    recent = _RECENT.search(near)
    if _GRIEF.search(near):
        return _with(hit, "grief", Level.SUPPORT)
    if told_as_past or (_REMOTE.search(near) and not recent):
        return _with(hit, "history:overdose", Level.SUPPORT)
    # Someone telling an overdose as a story ("the speaker talked about her overdose",
    # "told my daughter the truth, including the od") is not a rescue.
    if _STORY.search(near) and not recent and hit.snippet.startswith("overdos"):
        return _with(hit, "history:overdose", Level.SUPPORT)
    if recent:
        return _with(hit, "overdose_recent", Level.URGENT)
    return hit


def _desired(text: str, hit: _Hit) -> _Hit:
    """'i want to get high so bad' is a craving, 'im gonna get high' is a plan to use."""
    if hit.code != "return_to_use":
        return hit
    before = text[: hit.start].rsplit("|", 1)[-1]
    # The desire word may sit inside the match: "i almost used" is a near miss.
    before = " ".join([*before.split(), *hit.snippet.split()[:-1]])
    if _DESIRE_BEFORE.search(before) and not _INTENT_BEFORE.search(before):
        return _with(hit, "high_craving", Level.SUPPORT)
    return hit


def _imminent(text: str, hit: _Hit) -> _Hit:
    """A suicidal or self-harm thought with a time, a means or a plan is an emergency."""
    if hit.code not in {"suicidal_thoughts", "self_harm", "means_access"}:
        return hit
    before = text[: hit.start].rsplit("|", 1)[-1]
    near = _NOT_IMMINENT.sub(" ", _window(text, hit, size=10).replace(hit.snippet, " "))
    in_hand = hit.code == "means_access" and _NOW.search(_clause(text, hit))
    if in_hand or _INTENT_BEFORE.search(before) or _IMMINENT.search(near):
        code = "self_harm_imminent" if hit.code == "self_harm" else "suicide_imminent"
        return _with(hit, code, Level.EMERGENCY)
    return hit


def _joking(text: str, hit: _Hit) -> bool:
    """'that chem test was brutal i wanted to die 😂': a death word about an everyday
    cause, with a laugh after it or told as a passing sensation ('felt like i was gonna
    die at the gym'). Only a wish to die is read this way, never a method, a plan or
    'kill myself'; a bare 'i want to die lol' still counts. An overdose phrase ('thought
    i was gonna die') is read this way only with both an everyday cause and a laugh."""
    if hit.code not in {"suicidal_thoughts", "overdose_now"}:
        return False
    if not _JOKE_WORDS.search(hit.snippet):
        return False
    clause = _clause(text, hit)
    # The cause may come first or in the same clause: "gonna die if we lose again lmao".
    cause = _JOKE_CAUSE.search(text[: hit.start]) or _JOKE_CAUSE.search(clause)
    after = " ".join(text[hit.end :].split()[:3])
    rest_of_clause = text[hit.end :].split("|", 1)[0]
    laugh = _LAUGH.search(after) or _LAUGH.search(rest_of_clause)
    before = text[: hit.start].rsplit("|", 1)[-1]
    felt = _FELT_LIKE.search(before)
    # Someone else's words, laughed at: "my friends say im gonna die if i eat this lol",
    # but not the texter's own ("i always say i wanna die lol").
    said_by = _SAID.search(before)
    said = said_by is not None and not _FIRST_PERSON.search(before[: said_by.start()])
    if hit.code == "overdose_now":
        return bool(cause and laugh)
    return bool(cause and (laugh or felt)) or bool(said and laugh)


def _others_use(text: str, hit: _Hit) -> _Hit:
    """'my ex is using around me': someone else's use is support for the texter, not their
    relapse. Overdose signs, using alone and fentanyl still count on their own rules."""
    if hit.code != "return_to_use" or hit.level < Level.URGENT:
        return hit
    if _PROXY.search(text) or _SUPPLIED.search(hit.snippet):
        return hit
    before = " ".join(_clause_before(text, hit.start)) + " " + hit.snippet.split()[0]
    before = _CLAUSE_OPENER.sub("", before.strip())
    if _SOMEONE_ELSE.match(before) and not _FIRST_PERSON.search(before):
        return _with(hit, "others_use", Level.SUPPORT)
    return hit


def _risk_hits(text: str) -> list[_Hit]:
    """Urgent and emergency hits that survive idioms, negation, desire and time."""
    plain = _neutralise_idioms(text)
    hits: list[_Hit] = []
    for hit in _matches(plain, _RISK_RULES):
        if _negated(plain, hit) or _joking(plain, hit):
            continue
        hits.append(_imminent(plain, _timed(plain, _desired(plain, _others_use(plain, hit)))))
    return hits


def _support_hits(text: str) -> list[_Hit]:
    return [hit for hit in _matches(text, _SUPPORT_RULES) if not _negated(text, hit)]


# --- compound signals: two parts of one message that only mean risk together ------------


def _current_use(hits: list[_Hit]) -> list[_Hit]:
    # Someone else using alone is still a life at risk with nobody to give naloxone.
    use = {"return_to_use", "fentanyl", "others_use"}
    return [h for h in hits if h.code in use and (h.level >= 2 or h.code == "others_use")]


def _using_alone(text: str, hits: list[_Hit]) -> list[_Hit]:
    """Use plus 'alone', 'by myself', 'nobody here' near it: no one to call 911."""
    plain = _neutralise_idioms(text)
    found = [
        _Hit("using_alone", Level.URGENT, m.start(), m.end(), m.group(0))
        for pattern in (_USING_ALONE, _ALONE_THEN_USE)
        for m in pattern.finditer(plain)
    ]
    found = [h for h in found if not _negated(plain, h)]
    for hit in _current_use(hits):
        if _ALONE.search(_window(plain, hit)):
            found.append(_with(hit, "using_alone", Level.URGENT))
    for m in _ALONE.finditer(plain):
        hit = _Hit("using_alone", Level.URGENT, m.start(), m.end(), m.group(0))
        kit = _DRUG_OR_KIT.search(_window(plain, hit, size=8))
        if kit and not _negated(plain, hit) and not _history_only(plain, hit):
            found.append(_Hit("using_alone", Level.URGENT, m.start(), m.end(), kit.group(0)))
    return found


def _polysubstance(text: str) -> list[_Hit]:
    """Benzos or alcohol on top of opioids or MOUD: the mix behind most overdose deaths."""
    plain = _neutralise_idioms(text)
    found: list[_Hit] = []
    for m in _BENZO_USE.finditer(plain):
        found.append(_Hit("polysubstance", Level.URGENT, m.start(), m.end(), m.group(0)))
    for m in _DRINK_ON_MOUD.finditer(plain):
        found.append(_Hit("polysubstance", Level.URGENT, m.start(), m.end(), m.group(0)))
    cleaned = _NOT_ALCOHOL.sub(" ", plain)
    for m in _ALCOHOL.finditer(cleaned):
        hit = _Hit("polysubstance", Level.URGENT, m.start(), m.end(), m.group(0))
        near = _window(cleaned, hit)
        if _OPIOID_OR_MOUD.search(near.replace(m.group(0), " ")) or _BENZO.search(near):
            found.append(hit)
    return [h for h in found if not _negated(plain, h) and not _history_only(plain, h)]


def _gun_made_ready(text: str) -> list[_Hit]:
    """'🔫 tonight | i loaded it': the texter readying a gun is an emergency; loading
    the dishwasher, or a rifle for deer season, is not."""
    plain = _neutralise_idioms(text)
    found: list[_Hit] = []
    for m in _LOADING.finditer(plain):
        hit = _Hit("suicide_imminent", Level.EMERGENCY, m.start(), m.end(), m.group(0))
        near = _window(plain, hit, size=15)
        if not _WEAPON.search(near) or _NOT_WEAPON_USE.search(near):
            continue
        if not _negated(plain, hit) and not _history_only(plain, hit):
            found.append(hit)
    return found


def _veiled_finality(text: str) -> list[_Hit]:
    """'if this appeal gets denied im done | like done done | ill figure out a way': a
    condition, being done, and an echo that done means more than quitting something."""
    plain = _neutralise_idioms(text)
    done = _DONE_IF.search(plain)
    if done is None or not _FINALITY_ECHO.search(plain, done.end()):
        return []
    hit = _Hit("suicidal_thoughts", Level.URGENT, done.start(), done.end(), done.group(0))
    return [] if _negated(plain, hit) or _history_only(plain, hit) else [hit]


def _history_only(text: str, hit: _Hit) -> bool:
    near = _window(text, hit)
    return bool(_REMOTE.search(near)) and not (_RECENT.search(near) or _NOW.search(near))


def _low_tolerance(text: str, hits: list[_Hit]) -> list[_Hit]:
    """Release from jail, detox or rehab, or a long break, then use: tolerance is gone."""
    plain = _neutralise_idioms(text)
    use = [h for h in hits if h.code in {"return_to_use", "high_craving", "fentanyl"}]
    found: list[_Hit] = []
    for m in _TOLERANCE_LOW.finditer(plain):
        found.append(_Hit("low_tolerance", Level.URGENT, m.start(), m.end(), m.group(0)))
    for m in _RELEASE.finditer(plain):
        hit = _Hit("low_tolerance", Level.URGENT, m.start(), m.end(), m.group(0))
        if _SOMEONE_ELSE.search(" ".join(_clause_before(plain, hit.start)[-4:])):
            continue
        if use or _RECENTLY.search(_window(plain, hit, size=6)):
            found.append(hit)
    if use:
        for m in _TOLERANCE.finditer(plain):
            found.append(_Hit("low_tolerance", Level.URGENT, m.start(), m.end(), m.group(0)))
    found = [h for h in found if not _negated(plain, h) and not _history_only(plain, h)]
    # A stretch locked up or in treatment is itself a time word ("6 months in the feds"),
    # so it is read as history only by the words around it, and any use word counts,
    # even one the time reading turned into history ("first thing i wanna do is get lit").
    told = [h for h in hits if h.code.rsplit(":", 1)[-1] in _USE_CODES]
    for m in _STINT.finditer(plain):
        hit = _Hit("low_tolerance", Level.URGENT, m.start(), m.end(), m.group(0))
        if _SOMEONE_ELSE.search(" ".join(_clause_before(plain, hit.start)[-4:])):
            continue
        near = _window(plain, hit).replace(m.group(0), " | ")
        remote = _REMOTE.search(near) and not (_RECENT.search(near) or _NOW.search(near))
        if (told or use) and not remote and not _negated(plain, hit):
            found.append(hit)
    return found


_USE_CODES = frozenset({"return_to_use", "high_craving", "fentanyl"})


def _moud_stopped_to_use(text: str) -> list[_Hit]:
    """Stopping or skipping MOUD so the drug will be felt: a plan to use, tolerance down."""
    plain = _neutralise_idioms(text)
    found: list[_Hit] = []
    for m in _MOUD_STOP.finditer(plain):
        hit = _Hit("stopping_moud_to_use", Level.URGENT, m.start(), m.end(), m.group(0))
        after = plain[m.end() :].split()[:12]
        if _USE_PURPOSE.search(" ".join(after)) and not _negated(plain, hit):
            found.append(hit)
    return found


# --- engine and context ------------------------------------------------------------------


def _engine_reason(context: ScreenContext) -> tuple[Level, Reason] | None:
    """The engine may only raise the level, and only when it is confident."""
    mapped = _ENGINE_INTENTS.get((context.engine_intent or "").strip().lower())
    confidence = context.engine_confidence
    if mapped is None or confidence is None or confidence < ENGINE_CONFIDENCE_THRESHOLD:
        return None
    level, code = mapped
    detail = f"engine intent {context.engine_intent} at {confidence:.2f}"
    return level, Reason(code, detail)


def _context_reason(text: str, context: ScreenContext) -> tuple[Level, Reason] | None:
    """A bare answer to the bot's own question is a disclosure: 'yes' after 'any use?'."""
    asked = (context.last_question or "").strip().lower()
    words = text.replace("|", " ").split()
    short = " ".join(words)
    if not asked or not words or len(words) > 8:
        return None
    detail = f"answered '{short[:40]}' to the {asked} question"
    if asked in _USE_QUESTIONS and _affirms(short):
        return Level.URGENT, Reason("return_to_use", detail)
    if asked in _HARM_QUESTIONS and _affirms(short):
        return Level.URGENT, Reason("suicidal_thoughts", detail)
    if asked in _SAFE_QUESTIONS and _NEGATIVE_ANSWER.search(short):
        return Level.URGENT, Reason("not_safe", detail)
    if asked in _CRAVING_QUESTIONS and _CRAVING_NUMBER.search(short):
        return Level.SUPPORT, Reason("high_craving", detail)
    return None


def _affirms(short: str) -> bool:
    if not _AFFIRMATIVE.search(short):
        return False
    rest = _AFFIRMATIVE.sub("", short, count=1)
    return not _NEGATES_ANSWER.search(rest) or short.startswith(("yes i", "yeah i"))


# --- the screen --------------------------------------------------------------------------


def _chunks(text: str) -> Iterator[str]:
    if len(text) <= _CHUNK:
        yield text
        return
    for start in range(0, len(text), _CHUNK - _OVERLAP):
        yield text[start : start + _CHUNK]


def _lexicon_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for chunk in _chunks(text):
        risk = _risk_hits(chunk)
        support = _support_hits(chunk)
        hits += risk + support
        hits += _using_alone(chunk, risk)
        hits += _polysubstance(chunk)
        hits += _low_tolerance(chunk, risk + support)
        hits += _moud_stopped_to_use(chunk)
        hits += _gun_made_ready(chunk)
        hits += _veiled_finality(chunk)
    return hits


def _decide(scored: list[tuple[Level, Reason]]) -> Decision:
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


def _screen(text: str, context: ScreenContext) -> Decision:
    normal = normalise(text)
    scored = [(hit.level, _reason(hit)) for hit in _lexicon_hits(normal)]
    for extra in (_engine_reason(context), _context_reason(normal, context)):
        if extra is not None:
            scored.append(extra)
    return _decide(scored)


def screen(text: str, context: ScreenContext = ScreenContext()) -> Decision:
    """Screen one inbound text. Never raises.

    If the screen itself fails, the message goes to a human (urgent): a false escalation
    costs a peer a minute, a swallowed crisis can cost a life.
    """
    try:
        return _screen(text if isinstance(text, str) else str(text), context)
    except Exception as exc:
        return Decision(Level.URGENT, (Reason("screen_error", type(exc).__name__),))
