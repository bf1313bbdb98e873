"""The lexicon's tables compiled once, and the smaller patterns the readings use."""

from __future__ import annotations

import re

from escalation.screen import lexicon as lx
from escalation.screen.lexicon import Level, Rule

_FLAGS = re.IGNORECASE


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _FLAGS)


RISK_RULES: tuple[tuple[Rule, re.Pattern[str]], ...] = tuple(
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
SUPPORT_RULES: tuple[tuple[Rule, re.Pattern[str]], ...] = tuple(
    (rule, _compile(rule.pattern)) for rule in lx.SUPPORT_RULES
) + tuple(
    (Rule(f"barrier:{kind}", Level.SUPPORT, pattern), _compile(pattern))
    for kind, pattern in lx.BARRIERS
)
IDIOMS = tuple(_compile(p) for p in lx.IDIOMS)
PHRASES = tuple((_compile(p), r) for p, r in lx.PHRASE_MAP)
NOW = _compile(lx.NOW_MARKERS)
RECENT = _compile(lx.RECENT_MARKERS)
REMOTE_TIME = _compile(lx.REMOTE_MARKERS)
REMOTE = _compile(rf"{lx.REMOTE_MARKERS}|{lx.LOSS_MARKERS}")
GRIEF = _compile(lx.GRIEF_MARKERS)
STORY = _compile(lx.STORY_MARKERS)
DEATH = _compile(lx.DEATH_MARKERS)
IMMINENT = _compile(lx.IMMINENCE_MARKERS)
# "havent planned anything", "no plan", "not tonight": a denied plan is not a plan.
NOT_IMMINENT = _compile(
    r"\b(?:havent|hasnt|not|no|never|dont have|without|didnt|nothing|aint got|wont|not gonna"
    r"|not going to) (?:\w+ ){0,2}?(?:plan|planned|planning|plans|tonight|do it|doing it|"
    r"gonna|about to|ready|decided|pills|gun|rope)\b(?: \w+)?"
)
JOKE_CAUSE = _compile(lx.JOKE_CAUSES)
LAUGH = _compile(lx.LAUGHS)
JOKE_WORDS = _compile(lx.JOKE_WORDS)
# Someone else's words about the texter: "my friends always say im gonna die".
SAID = _compile(
    r"\b(?:says?|said|tells? me|told me|always says?|keeps? saying|joked|jokes) (?:that )?"
    r"(?:im|i|i was|id|ill|youre|hes|shes|were) (?:\w+ )?$"
)
# A passing sensation, not a wish: "felt like i was gonna die", "thought id die".
FELT_LIKE = _compile(
    r"\b(?:felt like|feel like|feels like|thought|swear|swore|legit thought) (?:i was|id|i "
    r"would|im|i might|i was about to|we were|we was) (?:\w+ )?$"
)
FIRST_PERSON = _compile(r"\b(?:i|im|ive|id|ill|me|my ?self|we|us|were|our)\b")
ALONE = _compile(lx.ALONE)
USING_ALONE = _compile(lx.USING_ALONE_DIRECT)
DRUG_OR_KIT = _compile(lx.DRUG_OR_KIT)
RELEASE = _compile(lx.RELEASE)
STINT = _compile(lx.STINT)
MOUD_STOP = _compile(lx.MOUD_STOP)
USE_PURPOSE = _compile(lx.USE_PURPOSE)
ALONE_THEN_USE = _compile(lx.ALONE_THEN_USE)
TOLERANCE = _compile(lx.TOLERANCE)
LOADING = _compile(lx.LOADING)
DONE_IF = _compile(lx.DONE_IF)
FINALITY_ECHO = _compile(lx.FINALITY_ECHO)
WEAPON = _compile(lx.WEAPON)
NOT_WEAPON_USE = _compile(lx.NOT_WEAPON_USE)
# "my mom was released from the hospital": someone else's release is not the texter's risk.
SOMEONE_ELSE = _compile(rf"\b{lx.PERSON}\b")
PROXY = _compile(lx.PROXY_TEXTER)
SUPPLIED = _compile(lx.SUPPLIED_TO_ME)
# Words that may open a clause before its subject: "but hes using another number".
CLAUSE_OPENER = _compile(r"^(?:(?:but|and|so|then|cuz|because|ngl|like|plus|now|also) )+")
TOLERANCE_LOW = _compile(
    r"\btolerance (?:is |was |has |must be |will be |prob |probably )?(?:\w+ )?(?:low|down|"
    r"gone|dropped|lower|shot|nothing|zero|way down)\b|\b(?:no|lost my|lower|low) tolerance\b"
)
RECENTLY = _compile(
    r"\b(?:just|fresh|today|yesterday|last night|this week|last week|this morning|"
    r"\d+ days ago|few days ago|couple days ago|recently|on (?:mon|tues|wednes|thurs|fri|"
    r"satur|sun)day|now|tonight|rn)\b"
)
BENZO = _compile(rf"\b(?:{lx.BENZOS})\b")
BENZO_USE = _compile(
    rf"\b(?:{lx.USE_VERBS}|on) (?:\w+ ){{0,3}}(?:{lx.BENZOS})\b|\b(?:{lx.BENZOS}) (?:with|and|"
    rf"plus|on top of|mixed with) "
)
ALCOHOL = _compile(rf"\b(?:{lx.ALCOHOL})\b")
NOT_ALCOHOL = _compile(
    r"\bdrink\w* (?:\w+ )?(?:water|coffee|tea|juice|soda|gatorade|milk|pop|smoothie|"
    r"energy drinks?|ensure|protein)\b|\b(?:didnt|dont|not|no|never|stopped|quit) "
    r"(?:\w+ )?(?:drink|drinking|drank|alcohol|booze)\b"
)
OPIOID_OR_MOUD = _compile(rf"\b(?:{lx.OPIOIDS}|{lx.MOUD})\b")
DRINK_ON_MOUD = _compile(
    rf"\b(?:drink|drank|drinking|drunk|booze|alcohol) (?:on|with|while on|and) (?:my )?"
    rf"(?:{lx.MOUD})\b|\b(?:mix|mixing|mixed|combine|combining) (?:\w+ ){{0,4}}"
    rf"(?:{lx.OPIOIDS}|{lx.BENZOS}|{lx.ALCOHOL}|{lx.MOUD})\b"
)
INTENT_BEFORE = _compile(
    r"\b(?:gonna|about to|going|ready to|decided to|will|ill|plan to|planning to|planning "
    r"on|tonight im|im finally|finally gonna|gonna go|want to go|time to)\W*$"
)
DESIRE_BEFORE = _compile(rf"\b(?:{lx.DESIRE})\b(?: \w+){{0,2}} ?$")
NEGATED_ACT = _compile(rf"^{lx.NEGATED_ACTS}")
RESISTED = _compile(rf"^[^|]{{0,60}}\| (?:{lx.RESISTED})")
# A drug named in a list a negated use verb governs: "didnt use heroin or fent".
DRUG_WORD = _compile(
    rf"(?:{lx.OPIOIDS}|{lx.BENZOS}|{lx.STIMULANTS}|{lx.ALCOHOL}|{lx.STRONG_DRUGS}|{lx.MOUD})"
)
USE_VERB = _compile(rf"(?:{lx.USE_VERBS})")
IF_SOMEONE = _compile(lx.IF_SOMEONE)
PLAN_TO_USE = _compile(lx.PLAN_TO_USE)
ASKING = _compile(lx.ASKING)
HYPOTHETICAL_NOW = _compile(lx.HYPOTHETICAL_NOW)
TRAILING_NO = _compile(
    r"^ ?\|? ?(?:no|none|nope|nah|zero|0|negative|never|not today|na)(?= ?\||$| (?:mood|"
    r"craving|cravings|dose|meds|use|sleep|took|med|sleeping|stress))"
)
AFFIRMATIVE = _compile(
    r"^(?:yes|yeah|yep|yup|y|ya|sure|a little|a lil|little bit|a bit|once|twice|just once|"
    r"only once|a few times|some|kinda|sorta|kind of|sort of|maybe|i did|did|i have|"
    r"unfortunately|sadly|honestly yes|ngl|yes i did|yeah i did|i used|used|1|one time)\b"
)
NEGATIVE_ANSWER = _compile(
    r"^(?:no|nope|nah|not really|idk|i dont know|not sure|dont know|not at all|"
    r"no im not|im not|not rn|n)\b"
)
NEGATES_ANSWER = _compile(r"\b(?:no|not|nope|nah|never|didnt|havent|clean|sober)\b")
CRAVING_NUMBER = _compile(r"^(?:\w+ )?(8|9|10|eight|nine|ten)(?: ?/ ?10| out of 10)?\b")

ENGINE_INTENTS: dict[str, tuple[Level, str]] = {
    "risk_overdose_now": (Level.EMERGENCY, "overdose_now"),
    "risk_suicide_imminent": (Level.EMERGENCY, "suicide_imminent"),
    "risk_suicidal": (Level.URGENT, "suicidal_thoughts"),
    "risk_self_harm": (Level.URGENT, "self_harm"),
    "risk_return_to_use": (Level.URGENT, "return_to_use"),
    "risk_using_alone": (Level.URGENT, "using_alone"),
}
# The bot's questions whose bare answer is itself a disclosure.
USE_QUESTIONS = frozenset({"use", "used", "use_since_last", "use_since_checkin"})
HARM_QUESTIONS = frozenset({"suicidal", "suicide", "self_harm", "harm", "thoughts"})
SAFE_QUESTIONS = frozenset({"safe", "are_you_safe", "safety"})
CRAVING_QUESTIONS = frozenset({"craving", "cravings"})
