"""The safety screen's word lists and patterns, kept apart from the matching code.

Patterns run on *normalised* text (see `escalation.screen.normalise`): lower case ASCII,
apostrophes dropped ("don't" -> "dont"), contractions and slang folded to one spelling
("going to" -> "gonna", "i am" -> "im", "od'd" -> "overdosed"), single spaces between
tokens and " | " at every clause boundary (. , ! ? ; : and new lines). Writing patterns
against one spelling is what lets a short list cover the many ways people text.

Peers read the reason codes, so codes are plain words (overdose_now, not OD_1).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


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


# --- building blocks ------------------------------------------------------------------

W = r"[^\s|]+"  # one token, never a clause boundary


def gap(n: int) -> str:
    """Up to n tokens inside one clause: lets "took like 2 percs" match "took ... percs"."""
    return rf"(?:{W} ){{0,{n}}}"


THIRD = (
    r"(?:he|she|they|him|her|them|hes|shes|theyre|he is|she is|they are|my \w+|his \w+|"
    r"her \w+|the \w+|someone|somebody|friend|roommate|bf|gf)"
)
# A person (not a phone or a tooth): for slang like "he fell out", "my homie dropped".
PERSON = (
    r"(?:he|she|they|hes|shes|theyre|someone|somebody|homie|bro|dude|my (?:friend|homie|"
    r"boy|girl|man|bf|boyfriend|gf|girlfriend|brother|sister|cousin|roommate|buddy|son|"
    r"daughter|husband|wife|dude|guy|partner|mom|dad|uncle|aunt|nephew|niece|neighbor|"
    r"friends?|homeboy|homegirl|old man|old lady|baby daddy|baby mama|bestie|bff|ex|"
    r"fiance|fiancee|stepdad|stepmom|grandson|granddaughter|kid|teen|coworker|stepson)|"
    r"(?:his|her|their) (?:friend|brother|sister|cousin|boyfriend|girlfriend|roommate))"
)
BE = r"(?:is |s |isnt |was |are |aint |keeps |looks |look |seems |just )?"

# Strong drug words: naming them with a use verb is a disclosure on its own.
OPIOIDS = (
    r"heroin|heroine|fent|fentanyl|fentanil|fetty|fetti|fenty|fentys|fentanyls|oxys?|oxies|"
    r"oxycodone|oxycontin|oxycotton|roxys?|roxies|roxi|percs?|percocets?|perks|perk 30s?|"
    r"vicodin|vics|norcos?|dilaudid|dillies|morphine|opiates?|opioids?|opana|m30s?|30s|"
    r"blues|smack|tar|black tar|china white|dope|boy|h|junk|gear|tranq|xylazine|carfent\w*|"
    r"pain pills|painkillers?|pills"
)
BENZOS = (
    r"benzos?|xanax|xanex|xans?|xannies|zannies|zanax|bars|xanbars|klonopin|klonnies|kpins?|"
    r"k pins|valium|vals|ativan|alprazolam|clonazepam|diazepam|lorazepam|"
    r"gabbies|gabapentin|somas"
)
STIMULANTS = r"crack|coke|cocaine|meth|crystal|ice|speed|molly|tina|shard|blow|rock"
ALCOHOL = (
    r"drinking|drinks|drank|drunk|beers?|liquor|vodka|whiskey|whisky|tequila|rum|wine|"
    r"alcohol|booze|henny|hennessy|fifth|pint|forty|40oz|shots of|a few drinks|wasted|"
    r"hammered|tipsy|buzzed"
)
MOUD = (
    r"methadone|subs|suboxone|subutex|sub|bupe|bupes|buprenorphine|strips?|films?|"
    r"zubsolv|sublocade|vivitrol|my dose|dose|my meds|meds|clinic"
)
# Words that can be a drug or an everyday thing ("dope shoes", "my boy", "the blues"):
# they count only right after a use verb, e.g. "copped some boy", "did a bag".
WEAK_DRUGS = r"dope|boy|h|blues|bars|tar|gram|grams"
STRONG_DRUGS = (
    r"heroin|heroine|fent|fentanyl|fentanil|fetty|fetti|fenty|oxys?|oxies|oxycodone|"
    r"oxycontin|roxys?|roxies|percs?|percocets?|vicodin|norcos?|dilaudid|morphine|"
    r"opiates?|opioids?|opana|m30s?|smack|black tar|china white|tranq|xylazine|carfent\w*|"
    r"cocaine|meth|benzos?|xanax|xanex|xans?|xannies|zannies|zanax|xanbars|klonopin|"
    r"klonnies|kpins?|valium|ativan|alprazolam|clonazepam|lorazepam|gabbies|somas"
)
# Ingestion verbs ("swallowed", "downed", "crushed") count too: pills are often swallowed.
USE_VERBS = (
    r"used|use|using|uses|did|do|doing|done|took|take|taking|shot|shoot|shooting|shot up|"
    r"snorted|snort|snorting|sniffed|sniff|sniffing|smoked|smoke|smoking|popped|pop|popping|"
    r"bought|buy|buying|copped|cop|copping|scored|score|scoring|got|get|getting|grabbed|"
    r"picked up|pick up|hit|banged|bang|banging|slammed|railed|tried|bumped|high on|"
    r"mixed|mixing|swallowed|swallow|swallowing|downed|chewed|crushed"
)
WEAK_FILL = (
    r"(?:some |a little |a lil |a bit of |a few |a couple |a couple of |a bag of |a bundle of |"
    r"a point of |a gram of |more |\d+ |a few of the |some of the |some of that |that )?"
)
DESIRE = (
    r"want|wanna|wanted|wish|urge|urges|tempted|thinking about|thinkin about|thought about|"
    r"miss|missing|dream about|dreamt about|dreamed about|dreaming about|almost|nearly|"
    r"trying not to|tryna not|itching to|dying to|feel like|could|might|should i|scared to|"
    r"afraid to|worried ill|worried i|tempting"
)

NEGATORS = frozenset(
    {
        "no",
        "not",
        "never",
        "dont",
        "didnt",
        "doesnt",
        "havent",
        "hasnt",
        "hadnt",
        "wont",
        "wouldnt",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "aint",
        "nor",
        "without",
        "stopped",
        "quit",
        "avoided",
        "resisted",
        "instead",
        "nope",
        "zero",
        "none",
        "cant",
        "couldnt",
        "negative",
        "nothing",
        "refuse",
        "refused",
    }
)
# Words right after a negator that turn it back into a risk: "cant stop using",
# "didnt mean to use", "never thought id relapse", "dont know if i want to live".
NEGATION_BREAKERS: tuple[str, ...] = (
    "stop",
    "help ",
    "help it",
    "help myself",
    "resist",
    "know",
    "sure",
    "mean",
    "care",
    "matter",
    "only",
    "just",
    "even",
    "remember",
    "thought i ",
    "thought id",
    "thought im",
    "think i can stop",
    "point",
    "reason",
    "lie",
    "wait",
    "believe",
    "tell",
    "control",
    "handle",
    "cope",
    "lying",
    "gonna lie",
    "pretend",
    "hide",
)
# A negator in these tokens doesn't negate ("no one", "nobody", "not gonna lie" is ngl).
# Words that may sit between a negator and what it negates without breaking the link:
# "havent had a single thought about hurting myself", "no urges to use".
NEGATION_FILLERS = frozenset(
    {
        "a",
        "an",
        "any",
        "single",
        "one",
        "thought",
        "thoughts",
        "of",
        "about",
        "urge",
        "urges",
        "had",
        "have",
        "has",
        "been",
        "feeling",
        "feelings",
        "felt",
        "plan",
        "plans",
        "intention",
        "intentions",
        "desire",
        "really",
        "even",
        "ever",
        "the",
        "like",
        "to",
        "wanting",
        "want",
        "wanna",
        "going",
        "gonna",
        "real",
        "serious",
        "idea",
        "ideas",
        "will",
        "would",
        "ill",
        "im",
        "i",
        "be",
        "do",
        "did",
        "again",
        "anymore",
    }
)
NEGATION_FALSE_STARTS = ("no one", "no body", "not anymore", "not even gonna lie")

# Answers that cancel a preceding item in a check-in ("use | no", "relapse? nope").
TRAILING_NO = r"^ ?\|? ?(?:no|none|nope|nah|zero|0|negative|never|not today|na)(?: |$)"

# --- time ---------------------------------------------------------------------------

NOW_MARKERS = (
    r"\b(?:now|rn|right now|currently|atm|asap|hurry|please|help|911|ambulance|"
    r"this second|this minute|cant wake|wont wake|come quick|what do i do|what do we do|"
    r"idk what to do|dont know what to do|tonight|tn|ahora|ahorita|ayuda|auxilio|rapido|"
    r"esta noche|que hago)\b"
)
# "(?<!ago )today": in "2 years ago today" the today is an anniversary, not news.
RECENT_MARKERS = (
    r"\b(?:yesterday|last night|this morning|earlier|the other day|over the weekend|"
    r"last weekend|last week|this week|few days ago|couple days ago|\d days ago|two days ago|"
    r"on (?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mon|tues|wednes|thurs|fri|satur|sun)"
    r"day night|(?<!ago )today|this afternoon|few hours ago|an hour ago|\d+ hours ago|lately|again|"
    r"recently|anoche|ayer|hoy|esta manana|otra vez|de nuevo)\b"
)
# Clean time ("2 years clean") is not here: told with a relapse it dates the recovery,
# not the use ("i was 4 years clean and relapsed").
REMOTE_MARKERS = (
    r"\b(?:last year|years ago|year ago|yrs ago|months ago|month ago|mos ago|a while ago|"
    r"back in|back then|back when|in (?:19|20)\d\d|when i was (?:younger|a kid|a teen|"
    r"little|in high school|using|in active|still using|out there|on the street)|"
    r"before i got (?:clean|sober|on|into)|before (?:treatment|recovery|the program|my kids)|"
    r"in my active|active addiction|in the past|history of|since i got (?:clean|"
    r"sober)|\d+ (?:years|yrs|months|mos) (?:ago|in)|first time i|used to|"
    r"hace (?:anos|meses|un ano|mucho)|el ano pasado)\b"
)
# Loss words: they date an event as past only when the words around it agree.
LOSS_MARKERS = (
    r"\b(?:funeral|memorial|passed away|died|rip|anniversary|in heaven|lost (?:him|her|them|"
    r"my \w+) to|murio|fallecio|en paz descanse)\b"
)
# Someone's death told as news or grief: support for the participant, not a rescue.
GRIEF_MARKERS = (
    r"\b(?:funeral|memorial|wake for|anniversary|rip|r i p|in heaven|rest in peace|"
    r"passed away|miss (?:him|her|them) so)\b"
)
# An overdose told as a story or a share, to or by someone: read as history unless a
# recent time word says otherwise ("told my sponsor about my overdose last night").
STORY_MARKERS = (
    r"\b(?:talked|talking|talks|talk|spoke|speaking|speaks|shared|sharing|shares|told|"
    r"tell|telling|tells|opened up|wrote|writing|asked (?:me|us|him|her) about) (?:\w+ ){0,3}"
    r"(?:about|of|including|the truth)\b|\bincluding (?:the|my|her|his|their)\b|"
    r"\b(?:her|his|their|my) (?:story|testimony|share|qualification|recovery story)\b|"
    r"\b(?:speaker|speakers|documentary|podcast|book|memoir)\b"
)
DEATH_MARKERS = r"\b(?:died|passed|passed away|dead|killed (?:him|her|them))\b"
# Words that make a suicidal thought a plan: timing, means, preparation.
IMMINENCE_MARKERS = (
    r"\b(?:tonight|tn|tomorrow|this weekend|in an hour|tonight is the night|"
    r"in a few (?:hours|minutes|mins)|when (?:everyone|they|he|she|the kids) (?:leaves?|goes|"
    r"is asleep|are asleep|falls? asleep|gets? home)|after (?:work|this|everyone)|"
    r"by (?:morning|tomorrow)|plan|planned|planning|pills|gun|pistol|rope|noose|bridge|"
    r"ledge|roof|tracks|razor|blade|knife|note|letter|saved up|saving up|stockpil\w*|"
    r"bottle|ready|decided|figured out how|know how|way to do it|goodbye|gonna|about to|"
    r"going through with|do it|doing it|all my|whole|esta noche|manana|pastillas|pistola|"
    r"cuerda|puente|tengo las|adios|carta|hoy)\b"
)

# --- idioms: spans that lower a lexicon hit --------------------------------------------
# Each is removed from the text before the urgent/emergency rules run, so only the words
# inside the idiom stop counting; any other risk in the same text still counts.
IDIOMS: tuple[str, ...] = (
    r"\b(?:is|are|was|were|its|it was|thats|that was|\w+ is|\w+ are|\w+s|keeps?|kept) "
    r"killin[g]? me\b",
    r"\bkillin[g]? me\b(?= (?:lol|lmao|haha|smh|rn|today|bro|tho|though|with|\|))",
    r"\b(?:my|these|the) \w+ (?:is|are|r) killing me\b",
    r"\b(?:could|would|gonna|will|id|ill|wanna) kill (?:for|somebody for|someone for)\b",
    r"\bkill(?:ed|in|ing)? it\b",
    r"\bkill(?:ed|ing)? (?:time|the vibe|the mood|my (?:vibe|buzz|mood|phone|battery)|"
    r"a bug|the bug|the lights|the engine|the game|that test|the test|the interview)\b",
    r"\bkill(?:ed)? (?:him|her|them|my \w+) with kindness\b",
    r"\b(?:that|this|the|it|test|exam|workout|class|shift|day|job|joke|movie|show|video) "
    r"(?:\w+ )?killed me\b",
    r"\bkilling myself (?:at work|at the gym|working|trying to|to (?:pay|make|get|keep|"
    r"finish|save)|over (?:this|here|there)|for (?:this|them|nothing))\b",
    r"\bdying (?:to|for) (?:see|meet|try|get (?:out|home|back|my)|know|go|hear|tell|eat|"
    r"watch|hug|talk|show|read|sleep|visit|hang)\b",
    r"\b(?:dying|died|dead|die) (?:of|from) (?:laughter|laughing|boredom|embarrassment|"
    r"cringe|shame|heat|cuteness|hunger|thirst|exhaustion)\b",
    r"\b(?:im|i am|we|literally|lmao|lol|omg|bro) (?:so |literally |actually )?(?:dead|dying|"
    r"deceased|crying)\b(?= (?:lol|lmao|haha|laughing|skull|bro|\|)|$)",
    r"\b(?:dead|dying|deceased) (?:lol|lmao|haha|laughing|skull)\b",
    r"\bdie laughing|died laughing|almost died laughing|crying laughing\b",
    r"\bdead (?:tired|serious|ass|asf|wrong|end|battery|set|last|center|even|weight|zone|"
    r"silent|quiet|broke|inside lol)\b",
    r"\bdeadass\b",
    r"\b(?:phone|battery|car|laptop|tv|charger|plant|plants|fish|truck|battery|wifi|"
    r"internet|power|engine|mic|headphones|tablet|computer|alarm|remote|lighter|vibe|"
    r"conversation|group chat|chat) (?:\w+ )?(?:is |just |finally |has |had |went )?"
    r"(?:died|dead|dying|dies|die|not responding|not breathing)\b",
    r"\b(?:overdos\w*|binged?) on (?!(?:my|his|her|their|purpose|the|pills|fent\w*|dope|"
    r"heroin\w*|h|\w*codone|subs|suboxone|methadone|xan\w*|benzos?|percs?|oxy\w*|blues|"
    r"drugs?|it|something|that|them|those|these|some|a|an|alcohol|booze|liquor|sleeping|"
    r"meds|medication|tylenol|insulin|bars|boy|dope|coke|crack|meth|\w+ pills)\b)\w+",
    r"\boverdos\w* (?:prevention|awareness|training|kit|kits|rates?|deaths|response|"
    r"reversal|class|hotline|crisis|epidemic|education|statistics|numbers)\b",
    # An overdose in the media: "that overdose on the news", "saw the overdose on tiktok".
    r"\boverdos\w* (?:\w+ ){0,3}(?:on|in) (?:the )?(?:news|tv|radio|paper|newspaper|"
    r"facebook|fb|tiktok|instagram|insta|twitter|reddit|youtube|internet|show|movie|"
    r"episode|article)\b",
    r"\b(?:documentary|article|news|video|show|podcast|class|training|story|report|lecture|"
    r"presentation|episode|movie|book|post|stats|statistics|study) (?:\w+ )?(?:about|on|"
    r"of) (?:\w+ )?(?:fent\w*|overdos\w*|heroin|opioids?|suicide|xylazine|tranq|addiction|"
    r"narcan|naloxone)\b",
    r"\b(?:suicide|suicidal) (?:prevention|hotline|lifeline|awareness|line|squad|doors|"
    r"watch training|training)\b",
    r"\b(?:rides? or dies?|do or die|die hard|diehard|die for (?:this|that|it)|to die for|"
    r"die trying|never die|dying breed|dying light|dye|tie dye|die cast)\b",
    r"\bhigh (?:school|five|fives|score|blood|hopes|key|up|on life|fever|rent|prices|risk|"
    r"quality|end|tide|heels|chair|way|lights?|paying|functioning|demand|alert|priority|"
    r"standards|pressure|energy|speed|ground|level|noon|temp|temperature|bill|cholesterol|"
    r"sugar|waisted|maintenance|schooler)\b",
    r"\b(?:so|pretty|really|thats|its|looks|was|real|super|hella|mad|kinda|very|that|this "
    r"is|is) dope\b",
    r"\bdope (?:\w+ )?(?:shoes|fit|outfit|song|ass|as hell|af|movie|show|video|pic|picture|car|job|"
    r"news|idea|beat|track|sneakers|jacket|hat|game|spot|place|view)\b",
    r"\b(?:slipped|slip) (?:on|in the|and fell|and hurt|my mind|out|off|through|away|into|"
    r"past|and broke|down the|up on the|on the ice|in the shower)\b",
    r"\bslipped (?:my|his|her) (?:mind|memory)\b",
    r"\b(?:hurt|cut|burned|burnt) myself (?:shaving|cooking|on (?:a|the|some)|by accident|"
    r"accidentally|chopping|while|opening|at work|at the gym|lifting|working out|playing|"
    r"moving|falling|when i fell|slipping|on the job|helping)\b",
    r"\b(?:fell|tripped|slipped|fall|trip) (?:and|n) (?:hurt|cut|busted|banged) myself\b",
    r"\bshot (?:me|him|her|them|you|u|a) (?:a )?(?:text|message|msg|email|call|dm|pic)\b",
    r"\b(?:flu|covid|vivitrol|sublocade|booster|tetanus|b12|allergy|insulin|vaccine|depo|"
    r"monthly|my monthly) shots?\b",
    r"\b(?:screenshot|screen shot|photo shoot|shoot me a|shoot (?:you|u) a)\b",
    r"\b(?:cut|cutting) (?:back|down|my hair|his hair|hair|the grass|grass|coupons|"
    r"onions|the cord|class|school|ties|corners|costs|hours|me off|him off|her off|"
    r"it close|out|in line)\b",
    r"\b(?:nod|nodding|nodded|nods) (?:along|my head|in agreement|yes|at)\b",
    r"\bnodded off (?:watching|during|in|on the couch|at church)\b",
    # A kitchen or work cut, and the bleeding that goes with it.
    r"\bcut (?:my|his|her|their) (?:finger|thumb|hand|lip|foot|toe|knee|chin|palm) (?:\w+ ){0,2}"
    r"(?:cooking|shaving|chopping|slicing|opening|at work|on (?:a|the) \w+|with (?:a|the) "
    r"(?:knife|box cutter|can))\b(?: [^\s|]+){0,8}",
    # The drug named as a public problem: "the fentanyl crisis", "the news keeps talking
    # about fent".
    r"\b(?:fent\w*|opioid|overdose|xylazine|tranq) (?:crisis|epidemic|outbreak|problem in "
    r"(?:the|this|our|my) (?:city|town|area|country|state|county))\b",
    r"\b(?:news|article|reporter|paper|podcast|tv|mayor|governor|president|police|doctor) "
    r"(?:\w+ ){0,2}(?:talking|talks|talked|reporting|reports|reported|says|said|warned|warns|"
    r"warning) (?:about |that )?(?:\w+ ){0,3}(?:fent\w*|overdos\w*|xylazine|tranq|opioids?)\b",
    # Spare naloxone handed on, not given to someone who stopped breathing.
    r"\b(?:gave|give|giving|passed|handed) (?:\w+ ){0,2}(?:old|extra|spare|expired|expiring|"
    r"backup|unused) (?:narcan|naloxone)\b(?: (?:kits?|spray|box))?",
    # An overdose told as news: "saw on the news that 3 people overdosed downtown".
    r"\b(?:on|in) the (?:news|paper|newspaper|radio) (?:\w+ ){0,6}overdos\w*",
    r"\b(?:nose|nosebleed|gums?) (?:\w+ ){0,2}bleed\w*(?: \w+){0,3}",
    r"\b(?:using|use|used) (?:my|the|a|an|his|her|their|your|it|this|that|google|uber|"
    r"lyft|the bus|public|coupons?|words) (?:\w+ )?(?:to|for|phone|bus|car|card|app|"
    r"computer)\b",
    r"\b(?:bars|no bars|one bar|full bars|signal)\b(?= (?:of|on) (?:my )?(?:phone|signal|"
    r"service|wifi))",
    r"(?<!dropped )(?<!popped )(?<!took )(?<!ate )(?<!snorted )(?<!bought )(?<!copped )"
    r"(?<!did )(?<!drop )(?<!pop )(?<!take )(?<!like )\b(?:no|one|two|1|2|zero|full|few) "
    r"bars\b",
    r"\b(?:chocolate|candy|granola|protein|snack|ice cream|soap|gold|metal|iron|monkey|"
    # "the bars" is a place, unless a use verb comes right before ("swallowed the bars").
    r"spitting|spit|rap|rapping|gay|sports?|dive|karaoke|hit the|(?<!swallowed )(?<!took )"
    r"(?<!popped )(?<!ate )(?<!downed )(?<!crushed )(?<!snorted )(?<!bought )(?<!copped )"
    r"(?<!got )(?<!had )(?<!did )(?<!of )(?<!sold )the) bars?\b",
    # Bars as lyrics: "this verse got bars", "he be spitting bars", "new track has bars".
    r"\b(?:song|songs|track|tracks|verse|verses|rap|rapper|rappers|album|mixtape|freestyle|"
    r"lyrics|cypher|drill|mc|emcee|new) (?:\w+ ){0,3}?(?:got|gots|has|"
    r"had|have|be|is|spitting|spittin|spits|spit|dropping|dropped|drops|with) (?:some |hard |"
    r"crazy |mad |real |straight |nothing but |hella |so many |all )?bars\b",
    r"\b(?:feeling|feelin|got|have|had|sing|singing) (?:the |a little |a lil )?blues\b",
    r"\bthe blues (?:music|band|festival|brothers|singer|bar|club|concert)\b",
    r"\b(?:my|our|his|her|good|little|big|oldest|youngest|baby|the) boy\b",
    r"\boh boy\b|\bboy oh boy\b",
    r"\b(?:out of|over|gave up|quit|lost) (?:the )?(?:fight|battle)\b",
    r"\bpicked up (?:my|the|a|an|his|her|their|your|our|some (?:food|groceries|milk)|"
    r"groceries|food|lunch|dinner|breakfast|the kids|kids|a shift|shifts|extra|overtime|"
    r"trash|prescription|script|meds|him|her|them|it|on)\b",
    r"\b(?:took|take|taking|took) (?:\w+ )?too (?:much|many) (?:time|of (?:my|his|her|your)"
    r" time|on|money|hours|days|shifts|classes|naps?|pictures|photos|selfies|notes)\b",
    r"\b(?:ate|eaten|eat|drank|drink|spent|bought|worked|slept|said|talked|thought) "
    r"(?:\w+ )?too (?:much|many)\b",
    r"\b(?:cant|could not|couldnt) breathe? (?:lol|lmao|haha|laughing|skull)\b",
    r"\b(?:laughing|laughed|lol|lmao) so hard i (?:cant|couldnt) breathe?\b",
    r"\bbreathe? (?:lol|lmao|haha)\b",
    r"\bout cold (?:all night|til|till|until|for \d+|for like|after work|lol)\b",
    r"\bblue (?:shirt|car|jeans|hair|eyes|sky|jacket|dress|tooth|bird|cheese|ribbon|team|"
    r"state|line|light)\b",
    r"\b(?:end|ending|ended) (?:things|it) (?:with|w) (?:him|her|them|my \w+|\w+)\b",
    r"\bwent back out (?:to|for|and|with|in|on|of|side|there|the door)\b",
    r"\b(?:relapse|relapsing|relapsed) (?:prevention|plan|group|class|workshop|meeting|"
    r"triggers?|signs|warning|rates?)\b",
    r"\brelapse (?:is|isnt|happens|doesnt|can|does|means|rates?)\b",
    r"\b(?:arrested|busted|charged|caught|locked up|indicted|raided|sentenced|jail|prison) "
    r"(?:\w+ ){0,2}(?:selling|dealing|possession of|trafficking|distributing|pushing) "
    r"(?:\w+ ){0,2}\w+",
    r"\bgoodbye (?:for now|for today|til|till|until|see you|to my old|to \w+ habits)\b",
    r"\b(?:phone|screen|app|computer|laptop|website|wifi|email|internet|tv|car) (?:is )?"
    r"(?:not responding|unresponsive|wont respond)\b",
    r"\b(?:im|i am|we|were) not (?:breathing|responding) (?:a word|to (?:that|him|her|them|"
    r"texts|emails))\b",
    r"\bfell off (?:my|the|a) (?:bike|chair|bed|ladder|couch|stairs|step|porch|horse)\b",
    r"\bcopped (?:a|some|new) (?:shoes|sneakers|jacket|fit|pair|hoodie|car|phone|ticket|"
    r"tickets|game)\b",
    r"\bscored (?:a|an|the|some|big|tickets|\d+|points|high|low|well|good)\b",
    r"\bscore (?:was|is|of)\b",
    r"\bsho(?:t|ot|oting) (?:my|your|his|her|their|ur) shot\b",
    # Harm-reduction supplies asked about as information, or for someone else or a place:
    # "is it true u can get fent test strips free", "narcan for my moms house".
    r"\b(?:is it true|do (?:they|yall|you|u|clinics|pharmacies)|does (?:the|anyone|\w+)|are "
    r"there|where do (?:they|people)|how do|what are|anyone know if) (?:\w+ ){0,6}?(?:fent\w* "
    r"|fentanyl |drug |xylazine |tranq )?test(?:ing)? strips?\b(?: \w+){0,8}",
    # A question whose subject is the strips themselves ("can fent test strips pick up
    # tranq"), unlike a request for them ("can u get me some").
    r"(?:^|(?<=\| ))(?:can|could|will|would|should|do|does|are|is|how|what|which|why|when|"
    r"where) (?:the |these |those |your |yalls )?(?:fent\w* |fentanyl |drug |xylazine |"
    r"tranq )?test(?:ing)? strips?\b(?: \w+){0,8}",
    r"\b(?:narcan|naloxone)(?: kits?| spray)? (?:for (?:my|our|the|a|his|her) (?:\w+ ){0,2}?"
    r"(?:house|home|place|car|work|job|purse|bag|office|friends?|family|mom|moms|dad|dads|"
    r"kids?|brother|sister|cousin|neighbor|roommate|shelter|church|school|apartment|"
    r"building|grandma|grandmas)\b|to (?:keep|carry|have) (?:at|in|on|around|just|with)|just "
    r"in case)\b",
)
# A risk word joked about with a clear everyday cause and a laugh right after it:
# "that chem test was brutal i wanted to die 😂". Without both, the words still count.
JOKE_CAUSES = (
    r"\b(?:test|exam|quiz|final|finals|midterm|class|homework|essay|work|shift|boss|"
    r"coworker|game|team|refs?|score|workout|gym|leg day|traffic|heat|cold|weather|movie|"
    r"show|episode|video|song|meme|cringe|embarrass\w*|hangover|date|line|wait|food|pizza|"
    r"spicy|hot sauce|meeting|kids|toddler|laundry|dishes|sun|monday|mondays|taxes|dmv|"
    r"wifi|phone|season finale|finale|concert|tickets?|lose|loses|win|wins|playoffs|"
    r"super bowl|hike|run|practice|cardio|spin class)\b"
)
LAUGHS = r"\b(?:lol|lmao|haha|skull|jk|jp|just kidding|crying laughing|dead lol|lmfao|ha)\b"
JOKE_WORDS = r"\b(?:die|died|dead|dying)\b"

# --- the rules ------------------------------------------------------------------------

# The texter's own death, as something that might just happen: "i didnt wake up",
# "a bus hit me".
DEATH_OF_ME = (
    r"(?:i (?:\w+ )?(?:died|die|didnt wake up|dont wake up|never woke up|never wake up|wasnt "
    r"here|werent here|was gone|were gone|got hit|get hit|got killed|get killed|overdosed|"
    r"just died|stopped breathing|crashed|just disappeared)|(?:a |the |some )?(?:\w+ )?(?:bus|"
    r"car|truck|train|semi|plane|meteor|piano|lightning|bullet|tree|drunk driver) (?:\w+ )?"
    r"(?:(?:hit|hits|killed|kills|took|takes|fell on|falls on|ran over|runs over) me|(?:ran|"
    r"runs|run) me (?:over|down)))"
)

E = Level.EMERGENCY
U = Level.URGENT
S = Level.SUPPORT

OVERDOSE_RULES: tuple[Rule, ...] = (
    Rule("overdose_now", E, r"\boverdos\w*", temporal=True),
    Rule(
        "overdose_now",
        E,
        rf"\b(?:took|done|did|take|used|had|shot|snorted|smoked|popped|mixed|took way) "
        rf"(?:way |a little |a lot |a bit )?too (?:much|many|big of a|strong|hard)\b"
        rf"|\btoo much (?:fent|dope|h\b|boy|heroin|{BENZOS})",
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        r"\b(?:not|isnt|aint|stopped|barely|hardly|cant|cannot|not really|trouble|struggling "
        r"to|struggling|wasnt|no longer|isnt really|hes not|shes not) (?:\w+ )?"
        r"(?:breathing|breathin|breathe|breath)\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        r"\bbreathing (?:is |real |really |so |super |hella |mad |kinda |all |like )*(?:weird|"
        r"funny|slow|shallow|strange|wrong|slowly|barely)\b|\bgurgl\w*|\bgasping\b|\bsnor\w* "
        r"(?:(?:real |really |so |super |hella |mad |kinda |all )*(?:weird|funny|strange)|"
        # loud snoring alone is everyday ("my dad snores really loud lol"); after use, or
        # with no waking him, it is an overdose sign, and those words carry it
        r"(?:real |really |so |super )?loud (?:and|after|since|but) (?:\w+ ){0,3}?(?:wont|cant|"
        r"not|used|using|took|did|shot|high|nodd\w*|fent|dope|pills?|blue|gurgl\w*)\b)|"
        r"\bdeath rattle\b|\bchoking on (?:his|her|their) (?:own )?"
        r"(?:vomit|throw up|puke)",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        rf"\b(?:unresponsive|non responsive|not responsive|nonresponsive|"
        rf"(?:cant|couldnt|cannot) (?:get )?(?:{THIRD}|\w+) (?:to )?(?:wake|up|respond)|"
        rf"(?:cant|couldnt|cannot) wake (?:{THIRD}|\w+)(?: up)?|wont come to|stopped moving|"
        # Eyes rolled back or shut; someone "still out" after help came.
        rf"limp|passed out cold|eyes (?:are |r |keep )?(?:rolled|rolling|rolled up|rolling up) "
        rf"back|(?:wont|cant|doesnt|isnt|not|wouldnt|cannot|couldnt) (?:\w+ )?open(?:ing)? "
        rf"(?:his|her|their) eyes\b(?! (?:to|for|at|when|and look))|"
        rf"(?:hes|shes|theyre|he is|she is|they are|{PERSON}) (?:\w+ )?still (?:out|not "
        rf"(?:up|awake|breathing|responding|waking up)|unconscious)(?= ?(?:\||$|cold|and|but|"
        rf"after))|"
        rf"found {THIRD} (?:\w+ )?(?:out|down|on the floor|passed out|slumped|blue|cold|"
        rf"unconscious)|found (?:{PERSON}|him|her|them) (?:\w+ )?(?:on|in) (?:the|his|her|"
        rf"their) (?:\w+ )?(?:floor|ground|toilet|tub)|slumped over|unconscious|not conscious)\b|"
        rf"(?<!\bi )(?<!\byou )(?<!\bwe )(?<!\bu )(?<!\balarm )\b(?:not|isnt|aint|wont|"
        rf"wouldnt|still not|doesnt|didnt|hasnt) (?:even )?(?:wake|waking|woke|respond|"
        rf"responding|move|moving|come to|coming to)\b(?! (?:me|us|you|u|to (?:my|texts|"
        rf"calls|messages|emails)|my|on time|early|til|till|until|before|for|in time|at)\b)",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        rf"\b{PERSON} (?:just |done |has |kinda |literally )?(?:fell|falls|falling) out\b(?! "
        rf"(?:with|of|over|about|together|the|a|my|his|her|their)\b)|\b{PERSON} (?:just )?"
        rf"(?:dropped|collapsed|went down|keeled over)\b(?! "
        rf"(?:off|out|by|me|the|my|his|her|a|an|it|to|in|from|outta|on|for|at|after|with|"
        rf"asleep|early)\b)",
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        rf"\b{THIRD} {BE}(?:\w+ )?out cold\b|\b(?:lips|face|skin|fingers|fingertips|nails|"
        rf"mouth|he|she) (?:are |is |r |look |looks |turning |going |getting |went |turned |"
        rf"all |kinda |so |really )*(?:blue|purple|gray|grey|ashy)\b|\bturn(?:ing|ed)? "
        rf"(?:blue|purple|gray|grey)\b|\bblue lips\b|\bpinpoint pupils\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        rf"\b(?:(?:gave|give|giving)(?! (?:out|away)\b)|hit|used|using|sprayed|spray|"
        rf"administered|did|had to use|"
        rf"had to give|second|another|2nd|grab|bring|where is the|wheres the) {gap(3)}"
        rf"(?:narcan|naloxone|nalox|nasal spray)\b(?! (?:kit|training|class|at the|from|for "
        rf"free))|\bneed (?:the |some |a )?(?:narcan|naloxone) (?:now|asap|hurry|quick|fast|"
        rf"please|help|rn|right now)\b"
        rf"|\b(?:narcan|naloxone|nalox) (?:isnt|not|didnt|aint|wont|doesnt) (?:\w+ )?work"
        # Naloxone that did nothing; doses counted ("3 doses of the nose narcan").
        rf"|\b(?:narcan|naloxone|nalox|the spray)(?: spray| dose| doses| shot)? (?:(?:isnt|not|"
        rf"didnt|aint|wont|doesnt|did not|hasnt|barely) (?:\w+ )?(?:work|working|do (?:nothing|"
        rf"anything|shit|much)|doing (?:nothing|anything|shit|much)|help|helping|bring|wake|"
        rf"kick|nothing)|(?:did|does|is doing|done) (?:nothing|jack|shit))\b"
        rf"|\b(?:\d+|two|three|four|a second|another|2nd|3rd|both) (?:doses?|sprays?|"
        rf"shots?|hits?|rounds?) (?:of )?(?:the )?(?:\w+ )?(?:narcan|naloxone)\b"
        rf"|\bnarcan\w* (?:him|her|them|my|his|me)\b"
        rf"|\b(?:got|get|been|was|were) narcan(?:ned|ed|d)\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        rf"\b(?:think|thinks|thought|feel like|scared|afraid|pretty sure|i swear) {gap(1)}"
        rf"(?:{THIRD}|i|im|i am) {BE}(?:\w+ )?(?:dead|dying|gonna die|going to die|"
        rf"overdosing|od)\b|\bim dying\b(?! (?:to|for|of|lol|laughing))",
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        # A person gone blue or purple: "help him hes purple", "my brother is blue".
        rf"\b(?:{PERSON}|him|her|them) (?:is |s |looks |look |turning |turned |going |getting |"
        rf"went |all |kinda |so |really |just |like |literally |already |starting to |started "
        rf"to |gone |getting all |lips |face |skin |fingers |are |r |turn |go |hella |mad |"
        rf"fucking |fuckin |pale and |gray and |grey and |cold and )*(?:blue|purple)\b(?! "
        rf"(?:in the face|from (?:the )?(?:cold|screaming|crying|laughing|yelling|holding|"
        rf"the pool|swimming)|shirt|hoodie|hair|jacket|dress|car|jeans|eyes|eyeshadow|"
        rf"lipstick|nails|team|"
        rf"one|ones|light|tooth|and (?:gold|white|black|red|green|yellow)))|"
        # A seizure or foam at the mouth: always a 911 call.
        r"\b(?:seizing|seizin|having (?:a )?seizures?|had a seizure|in a seizure|"
        r"convuls\w*|foaming at the mouth|foam (?:coming )?(?:out of|from|at) (?:his|her|"
        r"their|the) mouth)\b(?! (?:meds|medication|disorder|doctor|history|med))",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        # Breathing counted in seconds; lips or face gone dark, white or gray.
        r"\bbreath(?:ing|es|s)? (?:\w+ ){0,2}(?:once|every|one time) (?:\w+ ){0,3}(?:seconds|"
        r"secs?|minutes?|mins?)\b|\b(?:lips|face|fingertips|nails) (?:are |is |r |look |looks "
        r"|turning |going |gone |went |all |kinda |so |really )*(?:dark|white|pale|black|"
        r"bluish|purplish|grayish|greyish)\b|\bslumped (?:in|on|against|over|down)\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "overdose_now",
        E,
        # Spanish: no respira, no despierta, esta morado, sobredosis.
        r"\b(?:no|ya no|yeah no|casi no|apenas) (?:esta |puede |se )?(?:respira|respirando|"
        r"respirar|despierta|despertando|reacciona|reaccionando|responde|respondiendo|mueve|"
        r"moviendo)\b(?! (?:a )?(?:mis|los|las|el|la|mensajes|llamadas|textos|telefono|cel))|"
        r"\bsobredosis\b|\b(?:esta|se puso|se esta poniendo|se ve|se le ven|tiene los "
        r"labios|tiene la cara|labios|cara|boca) (?:\w+ )?(?:morad[oa]s?|azul(?:es)?|gris)\b|"
        r"\binconsciente\b|\bconvulsion\w*|\bespuma por la boca\b|"
        # Spanish: the narcan did nothing ("el narcan no funciono").
        r"\b(?:narcan|naloxona) (?:no|ya no|casi no) (?:funciona|funciono|sirve|sirvio|hace "
        r"nada|hizo nada|le hizo nada|lo desperto|la desperto)\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "emergency_services",
        E,
        r"\b(?:call|calling|called|should i call|should we call|dial|dialed|get) "
        # Help already called and on its way: "911 on the way", "ambulance is 20 min out".
        r"(?:911|an ambulance|the ambulance|ems|paramedics|for help)\b|\b(?:ambulance|911|"
        r"ems|paramedics|medics|fire department|fire truck|rescue squad) (?:is |are |r )?"
        r"(?:on (?:the|its|their) way|coming|here|en route|\d+ (?:min|mins|minutes) "
        r"(?:out|away))\b(?! (?:for (?:a |the |some )?(?:training|class|drill|event|demo|"
        r"presentation|talk|fundraiser|health fair)|to (?:teach|train|talk|give|speak)))",
        negatable=False,
        temporal=True,
    ),
)

SUICIDE_RULES: tuple[Rule, ...] = (
    Rule(
        "suicidal_thoughts",
        U,
        r"\b(?:kill|killing|killed|kil|off|offing|hang|hanging|shoot|shooting|unalive|"
        r"unaliving|drown|poison|end) myself\b|\bkms\b|\bunaliv\w*|\bsuicid\w*|\bsucid\w*|"
        r"\bsuicd\w*|\bsuisid\w*|\bsewer ?slide\b|\bself delete\b|\bctb\b|\bend(?:ing|ed)? "
        r"(?:it all|my life|my own life|everything|all of this|my suffering)\b|\b(?:gonna|"
        r"about to|wanna|ready to|thinking about|think about|thought about|decided to|"
        r"finally|plan to|planning to|tempted to|wanting to|thinking of|considering|urge to|"
        r"just|im|ill|i will|i need to|need to|time "
        r"to|gotta|got to|should|should just|might|might just|could) end(?:ing)? (?:it|things"
        r"|this|my life)\b"
        r"(?= ?(?:\||$|for good|for real|tonight|now|rn|today|already|soon|once and for all|"
        r"lately|again|a lot|alot|sometimes|more|every ?day|all the time|recently|constantly|"
        r"nonstop|seriously|daily|every night|at night|more and more|more often|"
        r"and|because|cuz|so|i\b|im\b|all|before|after|when|if|lol|idk|tbh|honestly|please))"
        r"|\btake my (?:own )?life\b|"
        r"\b(?:slit|cut|slice) my (?:wrists?|throat)\b|\bjump (?:off|in front of|from) "
        r"(?:a|the) (?:bridge|building|roof|train|car|truck|overpass|ledge)\b|"
        r"\bblow my (?:brains|head) (?:out|off)\b|\b(?:gun|pistol) (?:to|in) my (?:head|mouth)\b",
        temporal=True,
    ),
    Rule(
        "suicidal_thoughts",
        U,
        r"\b(?:want|wanna|wanted|ready|going|gonna|hope|hoping|wish|deserve|should|would "
        r"rather|prefer to|just want|want to just|let me) (?:to )?(?:just )?(?:die|be dead|"
        r"not exist|stop existing|disappear forever|sleep forever|go to sleep forever)\b|"
        r"\bwish(?:ing|ed)? i (?:was|were|wasnt|werent|could|had) (?:\w+ )?(?:dead|alive|here|born|"
        r"die|disappear|not wake|never been born|sleep forever|not exist)\b|"
        r"\bbetter off (?:dead|without me|if i was gone|if i wasnt here|if i were gone)\b(?! "
        r"(?:at|on|for|tonight|today|tomorrow|there|coming|going|in (?:the )?(?:car|group|chat|"
        r"game|band|lineup|meeting|practice)))|"
        r"\bbetter (?:off )?(?:if i (?:was|were|wasnt|werent|didnt|never|just) (?:\w+ ){0,2}"
        r"(?:gone|dead|here|around|in it|exist|existed|alive|born)|without me (?:in it|around|"
        r"here))\b|"
        r"\b(?:everyone|they|family|kids|world|yall|people) (?:\w+ )?(?:would be|be|d be|are) "
        r"better (?:off )?without me\b",
        temporal=True,
    ),
    Rule(
        "suicidal_thoughts",
        U,
        r"\b(?:dont|do not|not|no longer|dont really|dont even|didnt|never) (?:want|wanna|"
        r"wanted) (?:to )?(?:live|be alive|be here|exist|wake up|go on|keep going|keep living|"
        r"be around|see tomorrow|see another day)\b|\bno (?:reason|point|purpose) (?:to|in|"
        r"of) (?:live|living|life|going on|being alive|being here|keep going|trying|anything)\b|"
        r"\bnothing (?:left )?to live for\b|\b(?:dont|didnt|do not) care if i (?:live|lived|"
        r"die|died|wake up|make it|see tomorrow)\b|\b(?:dont|do not|not|never) feel safe "
        r"(?:with|around|by) myself\b|\bnot safe (?:with|around|by) myself\b|\bdont trust "
        r"myself (?:tonight|rn|right now|alone|anymore|to be alone)\b|\b(?:dont know|idk|"
        r"not sure|dunno) (?:if|how|whether) i can (?:keep going|go on|do this anymore|keep "
        r"living|make it|hold on|stay alive|last|keep doing this)\b|\bdisappear\w* (?:for "
        r"good|forever)\b|\b(?:hope|hoping|pray|praying|wish|wanna|rather) (?:\w+ ){0,2}"
        r"(?:dont|never|wont|wouldnt|not|didnt) wake up\b(?! (?:late|early|tired|sick|with))|"
        r"\b(?:wish|wishing|wished|hope|hoping|pray|praying) (?:\w+ ){0,3}(?:wouldnt|would not"
        r"|never|wont|dont) (?:wake up|be here|exist|be alive|see tomorrow)\b|"
        r"\bnot worth (?:living|it anymore|being alive)\b|"
        r"\blife (?:isnt|is not|aint|not) worth\b|\bwhats the point (?:of|in) (?:living|life|"
        r"anything|going on|being alive|even trying|waking up|it all)\b|\b(?:hope|hoping|pray) "
        r"i (?:dont|never|wont) wake up\b|\b(?:never|not) wake up\b|\bi dont want to be here "
        r"anymore\b|\bcant (?:do this|go on|keep going|take (?:it|this|much more)|live like "
        r"this)(?: anymore| no more| any longer)?(?= ?(?:\||$|anymore|no more|any longer|i\b|im\b|"
        r"lol|idk|honestly|tbh|and|please|pls|help))|\b(?:tired|sick) of (?:living|being alive"
        r"|life|"
        r"existing|being here|waking up)\b|\bdone with (?:life|living|everything|it all)\b|"
        r"\bgiv(?:e|ing) up on (?:life|everything|myself|living)\b|\bwant (?:it all|"
        r"everything|this|it) to (?:end|be over|stop)(?: forever)?\b|\bwant to disappear\b|"
        r"\b(?:cant|dont) see (?:a |any )?(?:way out|future|point|tomorrow)\b|"
        r"\bno way out\b|\bworld (?:would be|is) better without me\b|\bburden to everyone\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "suicidal_thoughts",
        U,
        # No point: "dont see the point anymore", "whats even the point of living".
        r"\b(?:dont|do not|cant|no longer|never) (?:really |even )?see (?:the|a|any) point "
        r"(?:anymore|any more|no more|in (?:\w+ )?(?:anything|living|life|going on|trying|"
        r"being here|any of (?:it|this)|waking up)|of (?:\w+ )?(?:anything|living|life|it all|"
        r"any of (?:it|this)|waking up|being here))\b|"
        r"\b(?:whats|what is|wheres|theres no|there is no|no|see no) (?:even |really |the |"
        r"fucking |real )*point (?:anymore|any more|of (?:me|it all)|in (?:me|it all))\b|"
        r"\bpoint (?:of|in) (?:even )?(?:living|being alive|going on|waking up|existing|"
        r"staying alive|me being here|being here|trying anymore)\b(?! (?:in|here|there|with|"
        r"near|by|on|at)\b)|"
        # Nobody would notice or care if I were gone (either order).
        r"\b(?:nobody|no one|noone|who|none of (?:them|yall|you)|not a (?:single )?(?:person|"
        r"soul)|would (?:anyone|anybody)|does (?:anyone|anybody)|would they|would people) "
        r"(?:\w+ ){0,3}(?:notice|care|miss me|cry|even know|give a (?:shit|fuck|damn)|come to "
        r"my funeral)\b(?: \w+){0,3}? (?:if|when|that|once) (?:i|im) (?:\w+ )?(?:died|die|"
        r"dead|was gone|were gone|gone|disappeared|wasnt here|werent here|wasnt around|"
        r"killed myself|vanished|ended it|didnt wake up|never woke up|stopped breathing|"
        r"not here|not around|no longer here)\b|"
        r"\bif i (?:\w+ )?(?:died|was dead|were dead|was gone|were gone|disappeared|wasnt "
        r"here|werent here|wasnt around|killed myself|vanished|ended it|didnt wake up|never "
        r"woke up|stopped breathing|overdosed)\b(?: \w+){0,3}? (?:\| )?(?:nobody|no one|noone|"
        r"who|would (?:anyone|anybody)|does (?:anyone|anybody)|would they|none of them) "
        r"(?:\w+ ){0,3}(?:notice|care|miss me|cry|even know|give a (?:shit|fuck|damn)|come)\b|"
        r"\b(?:nobody|no one|noone) (?:would|will|is gonna|gonna|is going to) (?:even |ever |"
        r"really |actually )?(?:miss me|notice (?:im|i was|if im) gone|care (?:if|when|that) "
        r"im gone)\b|"
        # The pain, all of it, stopping for good.
        r"\b(?:make|want|need|wish|let) (?:it all|it|the pain|everything|this|all of it|all "
        r"this|all of this|my life|the hurt) (?:to )?(?:stop|end|be over|go away)(?: \w+)? "
        r"(?:for good|forever|permanently|once and for all|for real this time)\b|"
        r"\bmake it all (?:stop|end|go away)\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "suicidal_thoughts",
        U,
        # Others happier without me; done with existing; the last time you hear from me.
        r"\b(?:would|will|d) be (?:so |much |a lot )?(?:better|happier|better off|fine|"
        r"relieved|free) (?:off )?(?:if i (?:was|were|wasnt|werent|died|just) (?:\w+ )?"
        r"(?:dead|gone|here|around|alive|died)|without me|once im gone|when im gone)\b|"
        r"\bdone with (?:existing|being alive|being here|breathing|this life|my life)\b|"
        r"\blast time (?:you|anyone|anybody|yall)(?:ll| will| are gonna| gonna)? (?:ever )?"
        r"(?:hear from|see|talk to|hear) me\b|\bno puedo mas\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "suicidal_thoughts",
        U,
        # Others better off, in any words: "an easier life without me in the picture".
        r"\b(?:better|easier|happier|simpler|lighter|calmer|less stressful|freer|more "
        r"peaceful|less complicated) (?:\w+ ){0,3}without me\b(?! (?!being|existing|living|"
        r"breathing)\w+ing\b)(?! (?:at|on|for|tonight|today|"
        r"tomorrow|this|there|coming|going|in (?:the )?(?:car|group|chat|game|band|lineup|"
        r"meeting)))|"
        # A burden, said of oneself: "feel like im just a burden on everyone".
        r"\b(?:im|i am|i feel|feel like|feeling like|being|i was|ive become|ive been|i become|"
        r"just|such|only|nothing but) (?:(?!not\b|never\b|no\b)\w+ ){0,3}?(?:a )?burden\b(?! "
        r"(?:asking|calling|texting|bothering|needing|for asking|when i ask|of proof|on the "
        r"(?:system|budget)))|"
        # Death welcomed if it came: "wouldnt mind if a bus hit me", "if i didnt wake up
        # tomorrow id be fine with that".
        rf"\b(?:wouldnt|would not|dont|do not|wont|honestly wouldnt|really wouldnt|kinda "
        rf"wouldnt) (?:\w+ )?(?:mind|care)(?: (?:if|when))? {DEATH_OF_ME}|"
        rf"\bif {DEATH_OF_ME}(?: \w+){{0,3}}? (?:\| )?(?:then )?(?:id|i would|ill|i will|i|"
        rf"honestly|honestly id) (?:\w+ ){{0,2}}?(?:be (?:fine|ok|okay|good|cool|at peace|"
        rf"relieved|happy|grateful|glad)(?: with (?:it|that))?|(?:not|wouldnt|would not|dont|"
        rf"do not|wont) (?:even |really |honestly |actually )?(?:mind|care))\b|"
        r"\b(?:hope|hoping|pray|praying|wish|wishing) (?:a|the|some) (?:\w+ )?(?:bus|car|truck|"
        r"train|semi|drunk driver) (?:\w+ )?(?:hits|hit|kills|runs over|takes) me\b|"
        # A way to die turned over in the mind: "think about driving into a tree".
        r"\b(?:think|thinking|thought|thinkin|wanna|want|wanted|tempted|urge|urges|fantasi[sz]e|"
        r"fantasizing|imagine|imagining|could|should|might) (?:about |of |to )?(?:just )?"
        r"(?:driving|drive|crashing|crash|swerving|swerve|steering|steer|walking|walk|stepping|"
        r"step|jumping|jump|veering|veer|flooring it) (?:my car |the car |my truck |the truck |"
        r"off |out )?(?:into|in front of|off|onto|in) (?:a |the |an |some |oncoming )?(?:tree|"
        r"wall|pole|telephone pole|traffic|oncoming traffic|truck|semi|bus|train|bridge|cliff|"
        r"river|lake|median|overpass|guardrail|ditch|ocean|barrier)\b|"
        # Working out a lethal amount: "how many pills it would take".
        r"\bhow (?:many|much) (?:of )?(?:my |the |these |those |his |her |them |\w+ ){0,2}"
        r"(?:pills|tabs|tablets|xans|bars|tylenol|advil|benadryl|insulin|fent\w*|dope|heroin|"
        r"methadone|subs|percs|oxys|meds|sleeping pills|of (?:them|these|those|it)) (?:it )?"
        r"(?:would|will|does|do|did|it would|it will|to) (?:it )?(?:take|kill|be lethal|be "
        r"fatal|be enough)\b(?= ?(?:\||$|to (?:die|kill|end|od|overdose|not wake|stop my)|for "
        r"(?:it|me) to))|\bhow (?:much|many) (?:\w+ ){0,3}to (?:die|kill (?:me|myself|a person|"
        r"someone)|overdose|not wake up|stop (?:my|your|a) heart)\b|\b(?:whats the|what is the|"
        r"what is a|whats a|know the|look up the|looked up the|googled|googling|searching|"
        r"searched) (?:\w+ )?(?:lethal|fatal|deadly) (?:dose|amount)\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "suicidal_thoughts",
        U,
        # Spanish: me quiero morir, voy a matarme, quitarme la vida.
        r"\b(?:me )?quiero morir(?:me)?\b|\bquisiera (?:morir(?:me)?|estar muert[oa])\b|"
        r"\bquiero (?:estar muert[oa]|desaparecer|dejar de existir)\b|\bmatarme\b|"
        r"\b(?:me voy a|me quiero|voy a) (?:matar|morir|suicidar)\b|\bquitarme la vida\b|"
        r"\b(?:colgarme|tirarme (?:del|de un|al|a las vias))\b|\bsuicidarme\b",
        temporal=True,
    ),
    Rule(
        "suicidal_thoughts",
        U,
        r"\b(?:no|ya no|yeah no) (?:quiero|tengo ganas de|aguanto) (?:vivir|seguir viviendo|"
        r"seguir|despertar|estar aqui|existir|mas)\b|\b(?:no|ya no|yeah no) vale la pena "
        r"(?:vivir|seguir|nada)\b|\bno tiene sentido (?:vivir|seguir|nada)\b|\b(?:estarian|"
        r"estarias|estaria|estan) mejor sin mi\b|\bmejor (?:muert[oa]|sin mi)\b|\bnadie (?:me "
        r")?(?:extranaria|notaria|le importaria)\b|"
        # Spanish: a burden; death welcomed ("soy una carga", "no me importaria morirme").
        r"\bsoy (?:una |un )?(?:carga|estorbo)\b|\bno me importaria (?:si )?(?:me muero|me "
        r"muriera|morirme|morir|no despertar|no despertaba|que me (?:atropellara|matara))\b",
        negatable=False,
        temporal=True,
    ),
    Rule(
        "self_harm",
        U,
        r"\b(?:cut|cutting|cuts|slice|slicing|burn|burning|burned|burnt|hurt|hurting|harm|"
        r"harming|hit|hitting|punish|punishing|starve|starving|scratch|scratching|carve|"
        r"carving) (?:on )?myself\b|\bself ?harm\w*|\bslef harm\w*|\bcutting (?:again|my|"
        r"myself)\b|\bcut (?:my|on my) (?:arm|arms|wrist|wrists|leg|legs|thigh|thighs|skin|"
        r"stomach)\b|\b(?:started|start|urge to|want to|wanna|relapsed on|back to) cut(?:ting)?"
        r"\b|\bsh (?:again|urges|relapse)\b|\brelapsed on (?:sh|self harm|cutting)\b|"
        r"\b(?:razor|blade)s? (?:to|on|against) my (?:skin|arm|wrist|leg)\b|"
        # Cutting as a habit: "cant stop cutting", "been cutting again".
        r"\b(?:cant stop|keep|kept|been|still|started|start|back to|addicted to|havent stopped|"
        r"never stopped|went back to|relapsed and) cutting\b(?! (?:back|down|class|hair|grass|"
        r"corners|coupons|ties|it close|me off|in line|out|off|weight|carbs|sugar|wood|onions|"
        r"school|costs|hours|the|my hair|\w+ hair|paper|fabric|vegetables|meat))",
        temporal=True,
    ),
)

IMMINENT_RULES: tuple[Rule, ...] = (
    Rule(
        "means_access",
        U,
        r"\b(?:bought|got|have|holding|loaded|grabbed|found|cleaning|hid|hiding) (?:a|the|my|"
        r"his|her|my dads|dads) (?:gun|pistol|rope|noose)\b|\b(?:gun|pistol|blade|razor) "
        r"(?:is )?(?:in|on) my (?:lap|hand|head|mouth|nightstand|pocket)\b|\b(?:saving|saved|"
        r"stockpiling|stockpiled|hoarding|hoarded|stashing|stashed) (?:up )?(?:my |all my |"
        r"some )?(?:pills|meds|subs|xans|bars|benzos|tabs|sleeping pills|medication)\b",
        temporal=True,
    ),
    Rule(
        "suicide_imminent",
        E,
        r"\b(?:swallowed|downed|chugged) (?:everything|all|them all|the whole|a whole|a "
        r"bottle|the bottle|the rest|a handful|a bunch|every)\b|\b(?:took|taken|taking|take|"
        r"ate|popped|swallowed|gonna take|about to take|gonna swallow) (?:them all|all of "
        r"them|all of it|everything (?:i have|in|i got|at once)|the whole (?:bottle|pack|box|"
        r"script|strip|thing|bag|bundle)|a whole (?:bottle|pack|box|script|strip))\b|"
        r"\b(?:took|swallowed|taken|downed|ate|popped|gonna take|about to take|going to take) "
        r"(?:all|every|the whole|a whole|a bunch of|a handful of|all of|like \d+ of|a bottle of"
        r"|the rest of|\d\d+) (?:my |the |his |her |of my |of the |these |those |bottle of |"
        r"\w+ )?(?:pills|subs|methadone|xans?|xanax|sleeping pills|tylenol|advil|percs?|oxys?|"
        r"bars|benzos|it|them|bottle|tabs|tablets|strips|klonopin|meds at once|"
        r"medication at once|meds to)\b(?! (?:today|this morning|on time|like|as prescribed|"
        r"for the week|already))|"
        # "taken all of my heart pills", "took every pill in the house": up to two words
        # name the kind; everyday "took all my meds" stays out.
        r"\b(?:took|taken|swallowed|downed|ate|popped|gonna take|about to take|going to take) "
        r"(?:all|every|every single|all of|the rest of) (?:of )?(?:my |the |his |her |these |"
        r"those |our )?(?:\w+ ){0,2}?(?:pills?|tablets?|tabs|oxycodone|oxycontin|oxys?|"
        r"percs?|xans?|xanax|klonopin|benzos|methadone|opioids|painkillers)\b(?! (?:today|"
        r"this morning|on time|like|as prescribed|for the week|already|to the|at the|back)\b)|"
        r"\bevery (?:single )?(?:pill|tablet) (?:in the (?:house|cabinet|bottle|place)|i (?:had|"
        r"have|own|could find|got))\b|"
        # Spanish: "me tome todas las pastillas".
        r"\b(?:me )?(?:tome|trague|tomo|trago) (?:todas|todo|el frasco|el bote|la botella)"
        r" (?:las |mis |de las |de mis )?(?:pastillas|pildoras|medicinas|medicamentos|pastis)\b",
        negatable=False,
    ),
    Rule(
        "suicide_imminent",
        E,
        r"\bgoodbye (?:everyone|everybody|all|yall|world|forever|for good|guys|cruel|my "
        r"friends|friends)\b|\bthis is (?:my )?(?:goodbye|the end|my last)\b|\b(?:my )?last "
        r"(?:text|message|goodbye)\b|\bby the time (?:you|u|anyone|someone) (?:read|get|see|"
        r"reads|gets|sees) this\b|\bwont be (?:here|around|alive) (?:tomorrow|much longer|"
        r"by morning|anymore|in the morning|when)\b|\b(?:ill|i will|im gonna|i) (?:\w+ )?be "
        r"gone (?:by (?:morning|tomorrow|tonight)|forever|before (?:you|u|anyone|they) "
        r"(?:wake|read|see|get))\b|\b(?:suicide|goodbye|farewell|last) "
        r"(?:notes?|letters?|texts?|messages?|videos?)\b(?! (?:from|about))|"
        r"\b(?:wrote|writing|left|leaving) (?:a|my) "
        r"(?:note|letter) (?:for|to) (?:my |the )?(?:kids|family|mom|dad|son|daughter|"
        r"everyone|wife|husband)\b|\btell (?:my kids|my mom|my family|everyone|them|my son|"
        r"my daughter) (?:that )?i (?:love|loved|am sorry|m sorry|was sorry)\b|"
        r"\bforgive me (?:for what|for this)\b|\b(?:giving|gave) (?:away )?(?:all )?my "
        r"(?:stuff|things|belongings) away\b|\bgiving away my (?:stuff|things)\b",
        negatable=False,
    ),
    Rule(
        "suicide_imminent",
        E,
        # A dose taken "on purpose": "gonna do the whole bag tonight on purpose".
        r"\b(?:overdose|od) on purpose\b|\b(?:hot ?shot)\b|\b(?:do|did|doing|take|took|"
        r"taking|shoot|shot|shooting|use|used|using|swallow|swallowed|swallowing|snort|snorted|"
        r"snorting|mix|mixed|mixing|inject|injected|injecting) (?:\w+ ){0,4}(?:bag|bags|bundle|"
        r"bundles|pills|dope|fent\w*|everything|"
        r"all|all of it|it all|the rest|too much|dose|them|extra) (?:\w+ ){0,2}on purpose\b|"
        r"\b(?:gonna|going to|about to|finna|want to|wanna|ready to) (?:do|shoot|take|use) "
        r"(?:it all|everything|the whole "
        r"\w+|all of it) (?:at once|at one time)\b|\bnoose\b|\brope (?:is )?(?:ready|tied|up|"
        r"around)\b|\b(?:on|at|standing on|sitting on) the (?:bridge|ledge|roof|edge|tracks) "
        r"(?:and|ready|gonna|about|right now|now|rn)\b|\bloaded (?:the|my) (?:gun|pistol)\b|"
        # Bleeding out of control, in any word order; a cut deeper than meant.
        r"\bcut (?:way |too |a lot |much |so )?(?:deep|deeper)\b(?! (?:conversation|talk|"
        r"thoughts?|cuts?|(?:into|in) (?:\w+ ){0,2}(?:budget|savings|pocket|profits|wallet|"
        r"funds|account|hours|pay)))|\b(?:cant|wont|doesnt|"
        r"cannot|couldnt|not|isnt|aint|still not|wouldnt|hasnt) (?:\w+ )?stop(?:ping|ped)? "
        r"(?:the )?bleeding\b|\bbleeding (?:a lot|bad|everywhere|wont stop|alot|so much|"
        r"really bad|wont slow|(?:is |has )?not (?:stopping|slowing)|keeps going|still going|"
        r"through (?:the |a |my )?(?:towel|towels|bandage|bandages|gauze|shirt))\b|"
        r"(?<!nose )(?<!gums )\bbleeding (?:\w+ ){0,2}(?:hasnt|wont|isnt|doesnt|wasnt|not|aint|"
        r"never) (?:\w+ )?(?:stop|stopped|stopping|slow|slowed|slowing)\b|"
        r"\bblood (?:is )?(?:everywhere|all over (?:the|my))\b|\bsoaked (?:through )?(?:the |a |"
        r"my |another )?(?:towel|towels|bandage|bandages|gauze) (?:\w+ ){0,2}(?:blood|red)\b",
        negatable=False,
    ),
)

# Places and means people use to end their life, told as being there or having them now.
PLACES = (
    r"(?:bridge|overpass|roof|rooftop|ledge|edge|tracks|train tracks|railroad(?: tracks)?|"
    r"cliff|top of (?:the |a )?(?:parking garage|building|bridge|\w+ building)|parking "
    r"garage roof|water tower|dam)"
)
MEANS_RULES: tuple[Rule, ...] = (
    Rule(
        "means_access",
        U,
        # Being at a jumping place: "im at the bridge", "standing on the overpass".
        rf"\b(?:im|i am|been|sitting|standing|sat|stood|up|here|parked|climbed|climbing) "
        rf"(?:\w+ )?(?:at|on|by|near|onto|up on|out on|over|under) (?:the |this |a )?"
        rf"{PLACES}\b(?! (?:waiting|to (?:see|get|meet|pick|catch)|for (?:my|a|the|work)|on my "
        rf"way|picking|club|party|game|show|festival|job|"
        rf"crew|team|is closed|was closed|closed|traffic|toll|fixing|working|cleaning|for work|"
        rf"with (?:the|my) (?:crew|boss|kids|dog)|all day (?:at|for) work))|"
        # Means set out and ready: "counted out the pills", "pills are right here".
        r"\b(?:counted|counting|count|lined|lining|laid|laying|set|setting|sorted|poured) "
        r"(?:out |up )?(?:all )?(?:of )?(?:the |my |his |her |these |those )?(?:\w+ )?"
        r"(?:pills|meds|tabs|tablets|bars|xans|subs|percs|oxys)\b(?! (?:for (?:the|this|next) "
        r"week|for my (?:week|dose)|into (?:my|the) (?:pill ?box|organizer|case)))|"
        r"\b(?:pills|meds|tabs|bottle|rope|gun|pistol|razor|blade) (?:are |is |r )?(?:all )?"
        r"(?:right )?(?:here )?(?:next to me|in front of me|in my hand|in my lap|lined up|"
        r"counted out|on the (?:table|bed|counter) in front of me)\b|"
        # A rope or noose kept for it; a hose on the exhaust; charcoal in a closed room.
        r"\b(?:theres|there is|got|have|bought|hid|hung|tied|keep) (?:a |the |my )?rope\b"
        r"(?! (?:swing|course|for (?:the|my) (?:boat|dog|gym|tent|truck)))|"
        r"\bknow what (?:its|it is|thats|they are|theyre) for\b|"
        r"\b(?:have|got|brought|grabbed|took|taking|holding) all (?:of )?(?:my|his|her|the|"
        r"\w+s) (?:\w+ ){0,2}(?:pills|meds|tabs|xans|bars|subs|percs|oxys|medication|"
        r"prescriptions?)\b(?= (?:with me|on me|in my (?:car|bag|pocket|hand|lap))|.{0,40}\b"
        r"(?:lake|bridge|river|woods|parked|motel|alone)\b)",
        temporal=True,
    ),
    Rule(
        "suicide_imminent",
        E,
        # Carbon monoxide: in a closed garage with the engine on, a hose on the exhaust.
        r"\b(?:garage|car|truck) (?:\w+ ){0,5}(?:car|engine|truck|motor) (?:is |still |"
        r"left )?(?:running|on)\b(?= ?(?:\||$|and|with|door|doors|closed|shut|im|i\b))|"
        r"\b(?:car|engine|truck) (?:is |still |left )?running (?:in|inside) (?:the|my|a) "
        r"(?:closed |shut )?garage\b|\bhose (?:on|in|to|from) (?:the )?exhaust\b|"
        # ...or told as what the texter did: "ran the car in the closed garage".
        r"\b(?:ran|running|run|started|starting|turned on|left|leaving|have|got) (?:the|my|"
        r"his|her) (?:car|engine|truck|motor|van|generator) (?:\w+ ){0,2}(?:in|inside) (?:the|"
        r"my|a) (?:closed |shut |locked )?garage\b|"
        r"\bcharcoal (?:in|burning in) (?:the|my) (?:room|bathroom|car|tent)\b|"
        # Pills in a number no dose uses: "ate like 30 of my nanas pills", "40 tylenol".
        r"\b(?:took|taken|take|taking|ate|eaten|swallowed|downed|popped|chugged|gonna take|"
        r"about to take|gonna swallow|about to swallow) (?:like |about |around |maybe |over |"
        r"almost |at least |probably |prob |nearly )?(?:[1-9]\d|\d{3}|a (?:handful|fistful|"
        r"bunch|mouthful)|(?:twenty|thirty|forty|fifty|sixty|a hundred)\w*) (?:\w+ ){0,3}"
        r"(?:pills|tylenol|advil|ibuprofen|aspirin|benadryl|sleeping pills|tabs|tablets|meds|"
        r"xans?|bars|klonopin|seroquel|trazodone|subs|percs?|oxys?|methadone|of (?:them|"
        r"those|these|it))\b|"
        # Resolve stated to the reader: "dont try to talk me out of it".
        r"\b(?:dont|do not|dont even|no use|no point|you cant|u cant|cant nobody|nobody can|"
        r"no one can|nothing you say will|nothing u say will|nothing you can say will) "
        r"(?:try(?:ing)? (?:to |and )?)?(?:talk|talking|change|stop|stopping) (?:me|my mind)"
        r"(?: out of (?:it|this))?(?= ?(?:\||$|this time|now|i\b|im\b|its|it is|my mind|"
        r"please|pls|ive|i ve))|\bmy mind is made up\b|\b(?:ive|i have|i) made up my mind\b"
        r"|\bim at peace with (?:it|this|my decision)\b",
        negatable=False,
    ),
    Rule(
        "suicide_imminent",
        E,
        # Finality: letters to everyone, "then im done", nobody will have to deal with me.
        r"\b(?:wrote|writing|write|written|left|leaving|finished|finishing) (?:\w+ )?"
        r"(?:notes?|letters?|goodbyes?) (?:to|for) (?:everyone|everybody|all of (?:you|them|"
        r"yall)|my (?:kids|family|mom|dad|son|daughter|wife|husband|girl|man|people|parents)|"
        r"the (?:kids|family)|each of)\b|"
        r"\b(?:(?:tonight|letters?|notes?|goodbyes?|pills|all of it) (?:\w+ ){0,3}then|after "
        r"tonight) (?:im|i am|ill be|i will be|its) (?:done|gone|over|finished)\b(?! (?:with "
        r"(?!(?:it all|everything|life|living))|for the (?:day|night)|work|working|at))|"
        r"\bthen (?:im|ill be|i will be) gone (?:for good|forever)\b|"
        r"\b(?:wont|will never|never|dont) have to (?:deal with|worry about|put up with|"
        r"take care of|carry|see|hear from) me (?:again|anymore|after|no more|ever|much longer)"
        r"\b|\b(?:said|saying|say) (?:my )?(?:last )?goodbyes?\b(?= (?:\w+ ){0,6}(?:tonight|"
        r"forever|for good|last|wont|will never|after|im done|\|? ?(?:they|he|she|theyll) "
        r"(?:wont|will)))",
        negatable=False,
    ),
)

USE_RULES: tuple[Rule, ...] = (
    Rule(
        "return_to_use",
        U,
        r"(?:^|\| )(?:i |and |but |so |then |just |yeah |yes |ngl )?(?:used|relapsed|slipped|"
        r"slipped up|picked up|went back out|got high|shot up|copped|scored|caved|using)\b"
        r"(?! (?:to|my|the|a|an|it|its|his|her|their|your|our|this|that|on the|in the|and "
        r"fell|him|them|me|up on|off|out of|for|some (?!dope|h\b|boy|fent|blues|percs)|"
        # a count of something everyday: "picked up 2 boxes of cereal"
        r"(?:\d+|two|three|four|five|a couple|couple|a few) (?!bags?|bundles?|buns?|stamps?|"
        r"points?|grams?|g\b|blues|percs?|30s|bars|xans?|pills|oxys?|m30s?|lines?)\w+)\b)|"
        r"\b(?:picked up|went back out|used|slipped|slipped up|copped|relapsed) (?:last night|"
        r"yesterday|this weekend|over the weekend|last weekend|again|this morning|on "
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|earlier|today|tonight|after \w+|that "
        r"(?:same )?(?:night|day|morning|weekend|evening|afternoon)|the same (?:night|day)|right "
        r"after)\b|"
        r"\b(?:copped|copping|cop)\b(?= ?(?:\||$|with|from|again|last|yesterday|today|tonight|"
        r"after|before|off|on|at|in|and|but|when|rn))|\bto (?:use|get high|shoot up|cop)\b"
        r"(?= ?(?:\||$|again|tonight|rn|alone|by myself|in|at))|\b(?:it|that|shit|stuff|dope"
        r"|that shit) hit (?:me )?(?:way |so |a lot |real |mad )?(?:harder|different|hard)\b",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\b(?:did|do|doing|snorted|sniffed|railed|bought|copped|smoked|smoking|hit|took|"
        r"blew) (?:some |a little |a |a few |few |a couple |couple |\d+ )?(?:lines?|bumps?|"
        r"coke|blow|crack|rock)\b(?! of (?!(?:coke|dope|h|fent\w*|heroin|blow|crack|it)\b))"
        r"|\b(?:did|shot|copped|sniffed|snorted|cop|shoot|do|doing|bought|buy|grabbed) "
        r"(?:a|one|two|three|\d+|a couple|couple|half a|some|a few) (?:bags?|bundles?|buns?|"
        r"stamps?|points?|bricks?)\b(?! of (?!(?:dope|h|boy|fent\w*|heroin|blues|it)\b))|"
        r"\b(?:smoked|smoke|smoking|took|popped|pop|did|snorted|sniffed|crushed|bought|copped|"
        r"railed|had) (?:a|one|half a|half of a|half|\d+|a half|a whole) (?:blue|perc|roxy|"
        r"oxy|30|m30|bar|xan|zan|bean|football|button|dilly|blue pill|fake pill|pressed pill)"
        r"\b|\bpop(?:ped|ping)? (?:some |a few |a couple |couple |\d+ |a )?(?:pills|blues|bars|"
        r"percs?|oxys?|30s|m30s?|roxys?|xans?|xanax|beans|footballs)\b|\b(?:im|i was|was|been|hes"
        r"|shes|theyre|still|back|got) on (?:the |"
        r"some )?(?:fent|fentanyl|dope|h|boy|blues|heroin|percs|oxys|pills|xans|bars|benzos|"
        r"the needle)\b(?! (?:test|strips))",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\b(?:i|we|ive|i have|i had|i just|i kinda|i def|i still|i already|and|but|so|"
        r"finally|accidentally|ngl|yes|yeah|yep|yea|honestly|tbh|unfortunately|sadly|well|ok) "
        r"(?:\w+ )?used\b(?! (?:to|my|the|an|his|her|their|your|it|its|this|that|these|those|"
        r"up|all|as|for|with|me|him|them|our|every|each|one|google|words?|coupons?|"
        r"narcan|naloxone|\w+ to)\b)(?! a (?!little|lil|bit|couple|few))",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\b(?:been|im|am|was|were|started|start|keep|kept|still|back to|are|is|hes|shes|"
        # "using another number" is a phone, not a drug.
        r"theyre) using\b(?! (?:my|the|a|an|his|her|their|your|it|this|that|another|other|"
        r"different|same|new|fake|burner|"
        r"google|uber|lyft|public|coupons?|words|both|an app|apps?|\w+ to|narcan|naloxone|"
        r"cbd|the bus)\b)|\busing (?:again|every ?day|daily|more|a lot|alot|heavy|"
        r"everyday)\b|\bback (?:on (?:it|the stuff|the street|dope|fent|h|boy|the needle|"
        r"pills)|using|out there|to using|to my old ways|in the game)\b",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\brelaps(?:e|ed|es|ing)\b|\b(?:had|have) a (?:little |small |big |bad )?(?:slip|"
        r"relapse|lapse)\b|\b(?:i|ive|i just|i kinda|kinda|i def|i totally) (?:\w+ )?slip"
        r"(?:ped)?(?: up)?\b|\bslip ?up\b|\b(?:i|ive|i just) (?:\w+ )?(?:picked up|went back "
        r"out|fell off|caved|gave in|messed up and used|screwed up and used|gave into (?:it|"
        r"the cravings?|temptation))\b(?! (?:the|my|a|an|his|her|their|your|our|some food|"
        r"groceries|food|the kids|kids|shifts?|extra|overtime|trash|prescription|script|meds|"
        r"him|her|them|it|on|to|for|and got|with|in|of|side|there|the door|bike|chair|bed|"
        r"ladder|couch)\b)",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        # The drug taking effect: "the pills are kicking in", "the fent is hitting now".
        r"(?:^|(?<=\| )|(?<=\bthe )|(?<=\bthese )|(?<=\bthose )|(?<=\bthem )|(?<=\bthat )|"
        r"(?<=\bthis )|(?<=\band )|(?<=\bso ))(?:pills|bars|xans?|percs?|blues|dope|"
        r"fent|fetty|boy|oxys?|30s|m30s|benzos|heroin|h) (?:are |is |r |just |finally |already |"
        r"starting to |started to |started |startin to |got me )*(?:kicking in|kicked in|kick in|"
        r"hitting|hit me|hittin|taking effect|took effect)\b",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\bfell off the wagon\b|\blost my (?:clean|sober|sobriety|clean time|clean date|"
        r"sober date|date|days|streak)\b|\bback (?:to|at|on) day (?:1|one|0|zero)\b|\bday "
        r"(?:1|one) again\b|\breset my (?:date|clean date|sobriety|sober date|days|clock)\b|"
        r"\bstart(?:ing)? (?:over|all over) (?:at|from) day\b|\bstarting my (?:days|count|"
        r"clean time) over\b",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\b(?:ua|urine|drug test|drug screen|pee test|tox screen|tox|test|screen|drop|uds)"
        r" (?:\w+ )?(?:came back |was |is |came up |showed |shows )?(?:positive|dirty|hot|"
        r"popped|bad|dirty for|positive for)\b|\bpopped (?:positive|hot|dirty) (?:for|on)\b|"
        r"\btested positive for\b|\bdirty (?:ua|urine|drop|test|uds|screen)\b|\bfailed "
        r"(?:my |a |the )?(?:drug test|ua|urine|screen|test|drop|uds)\b",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\b(?:got|getting|get|been|im|am|was|so|still|stay|stayed|real|too|hella|mad|"
        r"currently|are|were|hes|shes|theyre|gonna get|about to get|bout to get) high\b"
        r"|\bhigh (?:rn|right now|af|asf|as hell|as fuck|as f|as shit|off|on (?!life))\b|"
        r"\b(?:on the|in the) nod\b|\bnod(?:ding|din|ded)? (?:out|off hard|hard)\b|"
        r"\bnoddin\b|\bfaded\b|\bgeeked\b|\bblasted\b|\bzooted\b|\bloaded rn\b",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        rf"\b(?!used to\b)(?:{USE_VERBS}) {gap(4)}(?:{STRONG_DRUGS})\b|"
        rf"\b(?:{USE_VERBS}) {WEAK_FILL}(?:{WEAK_DRUGS})\b|\b(?:shot|shooting|shoot) up\b|"
        rf"\b(?:a|one|my) (?:hit|line|bump|"
        rf"shot|bag|point) of (?:\w+ )?(?:{OPIOIDS}|{STIMULANTS})\b",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\b(?:my|the) (?:dealer|plug|connect|guy|man) (?:is |just |came |texted |hit me|"
        r"called|dropped|coming|came|on (?:his|the) way|said)\b|\b(?:hit up|hitting up|"
        r"called|texted|calling|texting|call|text|meet|meeting|met|went to|go to|see|saw|"
        r"seeing) (?:up )?(?:my|the|a) (?:dealer|plug|connect|old dealer|old plug)\b|"
        r"\bon my way to (?:cop|score|get (?:some|it|high|a bag|dope|fent|blues|boy))\b|"
        r"\b(?:gonna|about to|finna|decided to|going|fuck it im|f it im|screw it im) "
        r"(?:go )?(?:use|get high|pick up|cop|score|shoot up|get (?:some|a bag|dope|fent|"
        r"blues|boy|h|a bundle|some dope|some fent)|use again|relapse|go out and use)\b"
        # ...but picking up a script, the kids or a shift is an errand
        r"(?! (?:my|the|a|an|his|her|their|your|our|groceries|food|kids|shifts?|extra|"
        r"overtime|prescription|script|meds|him|them|it|on|from the (?:pharmacy|clinic)|"
        r"at the (?:pharmacy|clinic))\b)",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        r"\b(?:use|used|using|relapse|relapsed|slip|slipped|use since|usage|used since "
        r"\w+ \w+|any use) ?\|? ?(?:yes|yeah|y|yep|yup|ya|a little|a lil|once|twice|some|"
        r"a bit)\b|\b(?:pick up|get high|use|relapse)\b.{0,40}\bbut i (?:did|still did|went "
        r"ahead|caved|couldnt stop)\b|\bcant stop (?:using|getting high|picking up)\b|"
        r"\b(?:couldnt|cant|didnt) (?:stop|resist|help) (?:myself|it)(?: and| i) (?:used|"
        r"picked up|got high)\b",
        negatable=False,
        temporal=True,
    ),
)

SEEKING_DRUGS = (
    r"dope|boy|fent\w*|fetty|blues|h|heroin|percs?|oxys?|roxys?|30s|m30s?|bars|xans?|"
    r"xanax|tar|stamps|a bag|bags|a bundle|a point|a fix|a plug|a connect|my plug|a dealer|"
    r"the plug|someone selling|somebody selling|crack|coke|meth|pills"
)
SLANG_USE_RULES: tuple[Rule, ...] = (
    Rule(
        "return_to_use",
        U,
        # Looking for it: "tryna find some dope rn", "who got blues", "need a plug".
        rf"\b(?:trying to|looking to|looking for|lookin for|searching for|hunting for|where "
        rf"(?:can i|could i|do i|to|should i) (?:find|get|cop|score|buy|grab)|(?:anyone|anybody|"
        rf"who|yall|u|you) (?:know )?(?:who )?(?:has|got|have|sells|selling|know where to get|"
        rf"know where i can get)|hook me up with|link me (?:with|to)|need to (?:find|cop|score|"
        rf"get)) (?:find |get |cop |score |buy |grab |some |a |any |me |some good |that )*"
        rf"(?:{SEEKING_DRUGS})\b(?! (?:test|strips|kit|kits|training|music|band|bands|"
        rf"singer|concert|festival|bar|club|songs?|shoes|fits?|spot|for my phone|charger|"
        rf"adapter|outlet))|"
        # Getting wrecked, in any of its words.
        r"\b(?:get|getting|got|gonna get|about to get|go get|went and got|to get) (?:so |real |"
        r"hella |mad |really |super |fully |completely )?(?:loaded|faded|messed up|fucked "
        r"up|twisted|torn up|zooted|blasted|smacked|geeked|on one|leaned|nodded out|obliterated|"
        r"high as hell)\b(?! (?:with|up with|on (?:work|homework|bills)))|\b(?:gonna get|about "
        r"to get|go get|to get|tryna get|want to get|wanna get|is (?:to )?get|(?:^|\| )get) "
        r"(?:so |real |hella |mad )?lit\b|"
        # Fell off, caved, slipped: told with a time or at the end of a clause.
        r"(?:^|\| |\b(?:i|and|but|so|then|just|ngl|kinda|totally|finally) )(?:fell off|caved|"
        r"gave in|messed up and used|went back)(?= ?(?:\||$|again|hard|bad|last|yesterday|"
        r"today|this (?:weekend|week|morning)|over the weekend|on (?:mon|tues|wednes|thurs|fri|"
        r"satur|sun)day|after|tonight|earlier))|"
        # A shot, a point, a bag: "did a shot last night" (but a shot of tequila is a drink).
        r"\b(?:did|do|doing|took|hit|had|gave myself|shot|slammed|banged) (?:a|one|my first|"
        r"another|half a) (?:shot|point|fix|hit|bag|bundle|stamp|line)\b(?! (?:of (?!(?:dope|"
        r"h|boy|fent\w*|heroin|it|that)\b)|at (?:the|a) (?:bar|party|club|game)|with (?:the|my) "
        r"(?:boys|girls|crew)|for (?:my|the) (?:birthday|toast)|glass|on goal|at the buzzer))|"
        # Swallowing a count of pills, any kind: "dropped 2 bars", "took 3 blues".
        r"\b(?:dropped|popped|ate|took|swallowed|threw back|crushed|snorted|railed|chewed) "
        r"(?:like |about |maybe |a couple |couple |a few |few |some |half |a half |\d+ |two |"
        r"three |four |five |one |a )+(?:bars?|xans?|xanax|blues?|percs?|oxys?|roxys?|30s|"
        r"m30s?|footballs?|beans|buttons?|pressies|klonopin|kpins?|valium|benzos?|pills)\b(?! "
        r"(?:as prescribed|like (?:i|the doctor|prescribed)|for my (?:back|head|tooth)|of "
        r"(?:ibuprofen|tylenol|advil|vitamins?)))|"
        # Spending money on it: "blew my whole check on dope".
        r"\b(?:spent|spend|spending|blew|blow|blowing|wasted|dropped|put) (?:\w+ ){0,4}(?:on|"
        r"for) (?:some |a |more )?(?:dope|fent\w*|fetty|boy|blues|heroin|percs?|pills|bags|"
        r"a bundle|drugs|crack|coke|meth|xans?|bars|stamps)\b|"
        # Went and scored, linked up with the plug, grab a bag after group.
        r"\b(?:went and|went out and|then|and|finally|already|i) (?:scored|copped|picked up|"
        r"got some|got a bag|used|shot up)\b(?! (?:to|my|the|an|it|its|his|her|their|your|"
        r"our|this|that|him|them|me|up on|tickets?|points?|goals?|a (?!bag|point|bundle)\w+|"
        r"groceries|food|the kids|kids|shifts?|extra|overtime|prescription|script|meds|on "
        r"(?:the|my|a) (?:test|exam))\b)|"
        r"\b(?:picked|picking) (?:it )?back up\b(?! (?:the|my|a|an|his|her|work|shifts?|"
        r"where|on (?:the|my|a) (?:book|show|project)))|\b(?:ended up|wound up|found myself) "
        r"(?:using|getting high|picking up|relapsing|copping|shooting up|smoking|snorting)\b|"
        r"\b(?:hit|hitting|hittin|on|back on) the (?:pipe|needle|rig|foil|stem|spoon)\b|"
        r"\b(?:dropped off|fronted me|sold me|served me) (?:a |some |another |"
        r"\d+ )?(?:bundle|bag|bags|point|stamps|dope|fent|fetty|boy|blues|percs|30s)\b(?! of "
        r"(?!(?:dope|h|boy|fent\w*|heroin|blues)\b))|"
        r"\b(?:link|linked|linking|hook|hooked|hooking|meet|met|meeting|hit|hitting) up "
        r"(?:with )?(?:my|the|an|a) (?:old )?(?:plug|dealer|connect|guy for|man for)\b|"
        r"\b(?:gonna|about to|going to|finna|im gonna|will|ill|then|after (?:group|work|"
        r"my shift|class|the meeting)) (?:go )?(?:grab|cop|score|pick up|buy|get) (?:a |some |"
        r"another |one |two |\d+ )?(?:bag|bags|bundle|point|stamps?|blues|percs?|30s|fent|"
        r"fetty|dope|boy)\b(?! of (?!(?:dope|h|boy|fent\w*|heroin|blues)\b))",
        temporal=True,
    ),
)

PERSON_OWNS = (
    r"(?:friends?|moms?|dads?|roommates?|brothers?|sisters?|cousins?|girlfriends?|"
    r"boyfriends?|grandmas?|grandpas?|nanas?|wifes?|husbands?|someone elses|somebody elses|"
    r"somebodys|someones|sons?|daughters?|neighbors?|uncles?|aunts?|homies?|buddys?|"
    r"buddies|exs?|partners?|girls|mans|dudes|patients?)"
)
MINIMISED_USE_RULES: tuple[Rule, ...] = (
    Rule(
        "return_to_use",
        U,
        # Use made to sound small: "been chipping", "dabbling again", "dipping back into the
        # dope on weekends", "messing with blues here and there".
        r"\b(?:been|im|i|was|still|started|start|keep|kept|back to|only|just|started back) "
        r"(?:\w+ )?(?:chipping|chipped|dabbling|dabbled)\b(?! (?:in (?!(?:dope|"
        r"h|fent\w*|heroin|it|pills|the dope|drugs|coke|crack|meth|blues|percs)\b)|away|at|"
        r"off|a |my |the |paint|ice|into))|"
        r"\b(?:dipping|dipped|dip|dabbling|dabbled|dabble|messing|messed|fooling|"
        r"fucking|playing|flirting|toying|fucking around|experimenting) (?:back )?(?:around )?"
        r"(?:in|into|with) (?:the |some |a little |a lil |that |a bit of )?(?:dope|fent\w*|fetty|"
        r"boy|h|heroin|blues|percs?|pills|oxys?|xans?|bars|coke|crack|meth|drugs|the needle|"
        r"needles|opiates|opioids|the pipe)\b|"
        r"\b(?:back|getting back|got back|going back|went back|slid back|sliding back|slipped "
        r"back) (?:in|into|to) (?:the |some |my old )?(?:dope|fent\w*|heroin|pills|drugs|blues|"
        r"percs|the needle|using)\b|"
        # Use planned with a time: "picking up tonight", "getting high after work".
        r"\b(?:picking up|copping|cop|scoring|going back out|getting high|get high|"
        r"shooting up|shoot up|using|use|relapsing) (?:again )?(?:tonight|later tonight|rn|"
        r"right now|after work|after group|after my shift|after the meeting|this weekend|"
        r"when i get (?:off|paid|home)|in a bit|in an hour)\b(?! (?:to|for|from|at|with|"
        r"\w+ shift))",
        temporal=True,
    ),
    Rule(
        "return_to_use",
        U,
        # Someone else's medication or pills taken: "took my friends methadone".
        rf"\b(?:took|taking|take|used|using|bought|buying|borrowed|stole|stealing|snorted|shot|"
        rf"drank|drinking|popped|popping|ate) (?:a |some |a couple |couple |a few |\d+ |one |"
        rf"two |half |half of |a bunch |a handful |a lot |all |most )?(?:of )?"
        rf"(?:my |his |her |a |some |their )?{PERSON_OWNS} (?:\w+ )?"
        rf"(?:methadone|subs|suboxone|strips?|bupe|pills|percs|oxys|xans|bars|meds|script|dose|"
        rf"klonopin|benzos|painkillers|pain pills|oxycodone|morphine|dilaudid|norcos?|vicodin)"
        rf"\b(?! (?:to|back|for (?:her|him|them)|in|into|from|off|with (?:her|him)))|"
        # Stacking on the prescribed dose: "took a few percs on top of my methadone".
        rf"\b(?:took|did|used|popped|snorted|smoked|shot|drank|doubled|mixed) (?:\w+ ){{0,4}}?"
        rf"(?:{STRONG_DRUGS}|pills|percs?|blues|bars|dope|methadone|subs|strips?|beers?|drinks|"
        rf"liquor|vodka|whiskey|more|extra|another|{PERSON_OWNS}) (?:\w+ ){{0,2}}?"
        r"on top of (?:my |the )?(?:own |regular |daily |usual |prescribed )?(?:dose|methadone|"
        r"subs|suboxone|strips?|meds|script|bupe|sublocade)\b",
        temporal=True,
    ),
)

SPANISH_USE_RULES: tuple[Rule, ...] = (
    Rule(
        "return_to_use",
        U,
        # Spanish: recai, volvi a usar, me drogue.
        r"(?<!prevencion de )(?<!prevenir )\breca(?:i|ida|iste|yendo)\b|\bvolvi a (?:usar|"
        r"consumir|drogarme|meterme|inyectarme|fumar|caer|la droga|las drogas)\b|"
        r"\bme drogue\b|\b(?:use|consumi|me meti|me inyecte|fume) (?:otra vez|de nuevo|"
        r"anoche|ayer|hoy|fentanilo|heroina|droga|drogas)\b|\b(?:use|consumi|compre) "
        r"(?:\w+ )?(?:heroina|fentanilo|droga|drogas|pastillas)\b",
        temporal=True,
    ),
)

HARM_RULES: tuple[Rule, ...] = (
    Rule(
        "fentanyl",
        U,
        r"\bfent\b|\bfentanyl\w*|\bfentanil\w*|\bfent[aeiy]n[aeiy]l\w*|\bfetanyl\b|"
        r"\bfetty\b|\bfetti\b|\bfenty\b|\bfentys\b|\bfenny\b|\bcarfent\w*|\btranq\b|"
        r"\bxylazine\b|\bpressed (?:pills|blues|30s|bars|percs)\b|\b(?:are|were|all|theyre|"
        r"its|probably|prob|def|definitely|them) pressed\b|\bm30s?\b|\bfake "
        r"(?:pills|percs|blues|30s|oxys)\b|\b(?:laced|cut) with (?:fent\w*|tranq|xylazine|"
        r"something|carfent\w*)\b|\b(?:was|is|its|it was|dope|pills?|bag|stuff|shit) "
        r"(?:was |is )?laced\b",
        temporal=True,
    ),
    Rule(
        "no_naloxone",
        U,
        r"\b(?:no|dont have|dont got|do not have|aint got|without|out of|ran out of|lost|"
        r"used up|used my last|need|needs|need more|where (?:can i|do i|to|could i) get|"
        r"how (?:do i|can i|to) get|can i get|can you send|can u send|could i get|"
        r"threw away|left|forgot|forgot my|havent got|never got|dont carry|dont keep|"
        r"expired|gave away|gave my last|took my|confiscated) (?:any |a |my |more |some |the |"
        r"another |extra |new |\w+ )?(?:narcan|naloxone|nalox|kloxxado|zimhi|narcan kit|"
        r"nasal spray)\b|\b(?:narcan|naloxone) (?:is |was |kit is )?(?:expired|gone|used|"
        r"lost|empty)\b",
        negatable=False,
    ),
)

SUPPORT_RULES: tuple[Rule, ...] = (
    Rule(
        "wants_peer",
        S,
        r"\b(?:talk|speak|chat|vent|talking) (?:to|with) (?:someone|somebody|a person|a human|"
        r"a real person|a peer|my peer|my person|anyone|anybody|u|you|a counselor|my "
        r"counselor|my sponsor|a sponsor|someone real)\b|\b(?:can|could|will|would) (?:someone"
        r"|somebody|you|u|my peer|a peer|anyone) (?:please )?(?:call|talk to|reach out to|"
        r"check on) me\b|\b(?:call|text) me (?:back|please|asap|when|pls|if)\b|\bneed "
        r"(?:someone|somebody|to talk|a friend|support|some support|help|a peer)\b|"
        r"\b(?:wanna|want to|can we|could we|need to) talk\b|\b(?:is )?(?:anyone|anybody|"
        r"someone|somebody) (?:there|around|up|awake)\b|\blonely\b|\bfeel(?:ing)? (?:so |"
        r"really |all )?alone\b|\bno one to talk to\b|\bnobody to talk to\b|\bmy peer\b|"
        r"\bpeer support\b|\bcall me\b",
    ),
    Rule(
        "high_craving",
        S,
        r"\bcrav\w*(?: \w+){0,4}? (?:8|9|10|eight|nine|ten)\b(?! (?:days|day|hours|am|pm|"
        r"weeks|months|years|mins|minutes|times))|\b(?:8|9|10) ?(?:/|out of) ?10\b|"
        r"\bcrav\w* (?:\w+ ){0,2}(?:so |really |real |super |hella |mad |very |extra |"
        r"crazy |pretty )*(?:bad|hard|strong|intense|crazy|insane|heavy|awful|terrible|"
        r"rough|through the roof|off the charts|out of control|unbearable|killing me|high|"
        r"nonstop|all day|all night|like crazy|like hell)\b|\b(?:really|so|bad|hard|hardcore) "
        r"craving\b|\bcraving (?:dope|fent|it|h|heroin|boy|blues|pills|percs|oxys|a hit|"
        r"a bag|to use|to get high)\b|\b(?:want|wanna|need) (?:to )?(?:use|get high|pick up|"
        r"get loaded|get right) (?:so bad|really bad|bad|so much|rn|right now|tonight)\b|"
        r"\bitching to\b|\bjonesing\b|\bjonesin\b|\bfien\w*|\bfeen\w*|\burges?\b|\btempted\b|"
        r"\btriggered\b|\bmiss (?:getting high|using|the high|dope|heroin|fent|it so)\b|"
        r"\bthinking about (?:using|getting high|picking up|it) (?:a lot|all day|nonstop|"
        r"constantly|so much)\b|\b(?:want|wanna) (?:to )?(?:use|get high|pick up)\b",
    ),
    Rule(
        "missed_dose",
        S,
        r"\bmiss(?:ed|ing)? (?:my |a |the |todays |yesterdays |two |2 |a couple |a few |"
        r"some |\w+ )?(?:dose|doses|dosing|meds|medication|methadone|subs|suboxone|strip|"
        r"strips|film|films|shot|injection|vivitrol|sublocade|pickup|clinic)\b|"
        r"\b(?:didnt|couldnt|did not|could not|wasnt able to|cant|cannot|never) "
        r"(?:take|get|pick up|make it to|dose|go to) (?:my |the )?(?:dose|meds|subs|"
        r"methadone|suboxone|medication|strip|film|clinic|script|refill|shot|dosing)\b|"
        r"\bforgot (?:to take )?(?:my )?(?:dose|meds|subs|strip|film|methadone|suboxone)\b|"
        r"\b(?:ran out of|out of|no more|run out of|running out of|low on) (?:my )?(?:subs|"
        r"meds|suboxone|methadone|strips|films|medication|script|prescription|bupe|"
        r"bupes)\b|\bskip(?:ped|ping)? (?:my )?(?:dose|meds|subs|methadone|strip)\b|"
        r"\bstopped (?:taking )?(?:my )?(?:subs|meds|suboxone|methadone|medication|"
        r"strips|bupe)\b|\bbeen off (?:my )?(?:subs|meds|methadone|suboxone)\b|"
        r"\bclinic (?:was |is )?closed\b",
    ),
    Rule(
        "missed_appointment",
        S,
        r"\bmiss(?:ed|ing)? (?:my |the |our |an |todays )?(?:appt|appointment|session|group|"
        r"visit|meeting)\b|\b(?:cant|couldnt|wont|not gonna) make (?:it to )?(?:my |the )?"
        r"(?:appt|appointment|session|group|visit)\b",
    ),
    Rule(
        "withdrawal",
        S,
        r"\bdopesick\b|\bdope sick\b|\bwithdraw\w*|\bw ?ds\b|\bwding\b|\bsick as (?:hell|"
        r"fuck|a dog|shit)\b|\bprecipitated\b|\bprecip\b|\bcold sweats\b|\brestless legs\b|"
        r"\bkicking\b|\bdetoxing\b|\bsick (?:and|n) (?:shaking|sweating)\b",
    ),
    Rule(
        "distress",
        S,
        r"\bstruggl\w*|\bhaving a (?:really )?(?:hard|rough|tough|bad|shit|shitty) (?:time|"
        r"day|week|night|morning)\b|\brough (?:day|week|night)\b|\b(?:so |really )?"
        r"(?:depressed|anxious|overwhelmed|hopeless|worthless|stressed out|freaking out|"
        r"panicking|panic attack|breaking down|falling apart|losing it|at my limit|"
        r"numb|empty inside)\b|\bnot doing (?:good|well|great|ok|okay|too good|so good)\b|"
        r"\bim not (?:ok|okay|good|alright)\b|\bbad day\b|\b(?:anxiety|depression|stress|"
        r"panic) (?:is |has been |been )?(?:through the roof|so bad|really bad|bad|high|crazy|"
        r"off the charts|killing me|out of control)\b|\bcant stop crying\b|\bcrying\b",
    ),
)

# Barriers: what keeps someone from dosing or coming in. Code is "barrier:<kind>".
BARRIERS: tuple[tuple[str, str], ...] = (
    (
        "transport",
        r"\bno (?:ride|car|way to get|transportation|transport|gas)\b|\b(?:car|truck) "
        r"(?:broke|broken|wont start|died|got towed|in the shop|is in the shop)\b|\bneed a "
        r"ride\b|\bcant get (?:to|there|a ride)\b|\bgas money\b|\b(?:bus|train) (?:pass|fare|"
        r"didnt come|never came|was late|broke|is late)\b|\bmissed the bus\b|"
        r"\btransportation\b|\bride (?:fell through|cancelled|canceled|bailed)\b",
    ),
    (
        "pharmacy",
        r"\bpharmacy (?:wont|didnt|doesnt|is out|was out|out of|closed|said|says|wouldnt|"
        r"cant|messed|lost|refused|wont fill)\b|\bprior auth\w*|\b(?:script|prescription|"
        r"refill) (?:\w+ )?(?:not ready|expired|didnt go through|wasnt sent|never sent|"
        r"denied|got lost|is late|wasnt called in|not called in)\b|\b(?:wont|didnt) fill\b|"
        r"\bout of stock\b",
    ),
    (
        "insurance",
        r"\binsurance\b|\bmedicaid\b|\bmedicare\b|\bcopay\b|\bco pay\b|\bdeductible\b|"
        r"\bnot covered\b|\bcoverage\b",
    ),
    (
        "housing",
        r"\bevict\w*|\bhomeless\b|\bkicked out\b|\bno (?:place|where) to (?:stay|live|sleep|"
        r"go)\b|\bshelter\b|\bsleeping in my car\b|\bliving in my car\b|\blost my (?:place|"
        r"apartment|housing|room)\b|\blandlord\b|\bon the street\b|\bcouch surfing\b",
    ),
    (
        "money",
        r"\bbroke\b(?! (?:down|up|my|his|her|the))|\bcant afford\b|\bno money\b|"
        r"\bcant pay\b|\brent\b|\bbills?\b|\bout of money\b|\bcash app me\b|\bfood stamps\b|"
        r"\bebt\b",
    ),
    (
        "childcare",
        r"\bbabysitter\b|\bbaby sitter\b|\bchildcare\b|\bchild care\b|\bdaycare\b|\bno one "
        r"to (?:watch|keep|take care of) (?:my )?(?:kids|son|daughter|baby|kid|children)\b|"
        r"\bcant bring (?:my )?(?:kids|son|daughter|baby)\b",
    ),
    (
        "work",
        r"\bwork (?:schedule|hours|wont let)\b|\bmy (?:boss|manager|supervisor)\b|\bcant "
        r"(?:get|take) (?:off|time off|off work)\b|\blost my job\b|\bgot fired\b|\blaid off\b|"
        r"\bmandatory overtime\b|\bdouble shift\b",
    ),
    (
        "phone",
        r"\bphone (?:got |is |was |gets |is getting |getting |gonna get |about to get |will "
        r"get |will be |bout to get )?(?:cut off|shut off|turned off|disconnected|broke|"
        r"broken|stolen|cracked)\b|\b(?:no|out of|low on) minutes\b|\bno (?:service|data)\b|"
        r"\blost my phone\b|\bnew (?:number|phone)\b|\bphone bill\b|\bprepaid\b",
    ),
)

# --- the words that tie two parts of a message together --------------------------------

ALONE = (
    r"\b(?:alone|by myself|on my own|by my self|nobody (?:here|around|with me|home|knows)|"
    r"no one (?:here|around|with me|home|knows)|locked (?:myself )?in|in the bathroom|"
    r"in my car|in the car alone|no one to check|nobody to check|all alone|solo|"
    r"my room alone|house to myself|place to myself|by (?:him|her|them)sel(?:f|ves)|"
    r"on (?:his|her|their) own)\b"
)
# Someone texting on the participant's behalf ("this is her sister", "im his mom"): the
# "she" or "he" they write about is the participant, so their use is not someone else's.
PROXY_TEXTER = (
    r"^(?:hi |hey |hello |sorry |um )?(?:\| )?(?:this is|its|im|i am|this|hi this is) "
    r"(?:\w+s |his |her |their )(?:mom|mother|mama|dad|father|sister|brother|wife|husband|"
    r"girlfriend|boyfriend|partner|son|daughter|aunt|uncle|cousin|grandma|grandmother|"
    r"grandpa|roommate|friend|best friend|fiance|fiancee|sponsor|case manager)\b"
)
# A supplier handing drugs to the texter: the dealer is third person, the use is ours.
SUPPLIED_TO_ME = r"^(?:dropped off|fronted me|sold me|served me|brought me|hooked me up)"
# Drugs or the kit to use them: near "alone" they mean nobody is there with naloxone.
DRUG_OR_KIT = (
    rf"\b(?:{STRONG_DRUGS}|dope|boy|blues|bars|needle|needles|rig|rigs|spoon|foil|works|"
    rf"bundle|bundles|stamps|a bag|my bag|the bag|bags|a point|points|a fix|my fix)\b(?! "
    rf"of (?!(?:dope|h|boy|fent\w*|"
    rf"heroin|blues|it)\b))"
)
# Veiled finality: a condition, then being done ("if this appeal gets denied im done"),
# echoed elsewhere in the message by a sign that "done" means more than quitting a job or
# a partner ("like done done", "ill figure out a way", "one way or another").
DONE_IF = (
    r"\bif\b(?: \w+){1,10}? (?:then )?(?:im|i am|ill be|i will be|im gonna be) (?:so |just )?"
    r"done\b(?= ?(?:\||$|for real|like|done|and))"
)
FINALITY_ECHO = (
    r"\bdone done\b|\b(?:ill|i will|im gonna|gonna|i can|ima|i know how to|i already know "
    r"how to) (?:figure out|find|found|make) (?:a|the|my) way\b(?= ?(?:\||$))|\bone way or "
    r"another\b|\bcant do (?:this|it) (?:anymore|no more|any longer)\b|\bnothing left\b|"
    r"\bno reason to (?:stay|stick around|keep going)\b|\bcheck(?:ing)? out\b(?= ?(?:\||$))"
)
# A gun made ready by the texter: "i loaded it", "one in the chamber", "safety off".
# It counts only with a gun word nearby (not "loaded the dishwasher") and no hunting or
# range trip around it.
LOADING = (
    r"\b(?:i|i just|just|finally|already|and|i already|i finally|went and) (?:loaded|cocked|"
    r"chambered) (?:it|him|the \w+|my \w+|a round|one|up|a bullet|bullets|the clip)\b|"
    r"\bone in the chamber\b|\b(?:took|take|taking|took off) the safety(?: off)?\b"
)
WEAPON = r"\b(?:gun|guns|pistol|glock|revolver|rifle|shotgun|handgun|bullets?|rounds|ammo)\b"
NOT_WEAPON_USE = (
    r"\b(?:range|hunting|hunt|deer|season|target practice|shooting range|gun show|gun shop|"
    r"pawn|sell|selling|sold|cleaning kit|safety class|license|permit|lock box|gave it to|"
    r"get rid of|got rid of|video game|game|paintball|airsoft|nerf)\b"
)
USING_ALONE_DIRECT = (
    r"\b(?:using|use|used|get high|getting high|shoot|shooting|do it|doing it|did it) "
    r"(?:\w+ ){0,2}(?:alone|by myself|on my own|solo|by (?:him|her|them)sel(?:f|ves)|on "
    r"(?:his|her|their) own)\b"
)
RELEASE = (
    r"\b(?:got|get|getting|just|been|was|recently|finally|released|paroled|discharged|"
    r"came|coming|come) (?:\w+ )?(?:out|released|home|discharged|back|paroled)? ?(?:of"
    r"|from) (?:jail|prison|county|lockup|the pen|detox|rehab|"
    r"treatment|inpatient|the program|residential|a program|"
    r"juvie|the feds|state|doc|lock up)\b|\b(?:released|paroled|discharged) "
    r"(?:today|yesterday|last week|this week|on \w+|\w+ days ago)\b|\b(?:left|walked out "
    r"of|kicked out of|got kicked out of|dropped out of) (?:detox|rehab|treatment|the "
    r"program|inpatient|residential)\b|\bjust got out\b|\bfresh out\b|\bjust got home from "
    r"(?:jail|prison|county|rehab|detox)\b|\bout of (?:jail|prison|county|detox|rehab)\b|"
    r"\bleft (?:ama|against medical advice)\b"
)
TOLERANCE = (
    r"\btolerance\b|\b(?:havent|hadnt|didnt|not) (?:used|touched it|touched|done it|picked"
    r" up|been high) (?:in|for) (?:months|weeks|a while|so long|a long time|\d+ \w+|a year|"
    r"years|a minute)\b|\bbeen (?:clean|sober|off it|off everything|off dope) (?:for )?"
    r"(?:\d+|a|two|three|six|few|couple|several) ?\w*|\bfirst time (?:\w+ )?(?:in|since) "
    r"(?:a while|months|years|weeks|forever|ages|rehab|detox|jail|getting out|\d+ \w+|"
    r"a long time|so long|a year|a month|\w+ (?:days|weeks|months|years))\b|"
    r"\b(?:stopped|came off|tapered off|quit|been off|off) (?:my )?(?:subs|methadone|"
    r"suboxone|meds|bupe|vivitrol|the clinic|sublocade)\b"
)
# Time away from use in a locked or treatment setting: "6 months in the feds", "90 days
# inpatient". With any use or craving in the message, tolerance is the risk.
STINT = (
    r"\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"eighteen|few|couple|couple of|several|many) (?:days?|weeks?|wks?|months?|mos|years?|"
    r"yrs?) (?:in |at |of |locked up in |locked up at |down in |inside |sitting in |behind "
    r")?(?:jail|prison|county|the county|the feds|feds|federal|fed|state|the pen|lockup|"
    r"lock up|rehab|detox|treatment|inpatient|residential|the hospital|hospital|juvie|"
    r"a program|the program|locked up|incarcerated|inside|bars|a cell)\b"
)
# Stopping MOUD in order to use: "stopped my subs so i can feel it when i use".
MOUD_STOP = (
    r"\b(?:stopped|stop|stopping|skip|skipping|skipped|quit|quitting|came off|coming off|"
    r"come off|going off|went off|go off|not taking|didnt take|wont take|dont take|holding|"
    r"held|hold|ditched|ditch|dumped|sold|selling|spit out|spitting out|missed|missing|"
    r"miss) (?:off )?(?:on )?(?:taking )?(?:my |the )?(?:subs|sub|suboxone|subutex|bupe|"
    r"methadone|meds|dose|doses|strips?|films?|vivitrol|shot|sublocade|medication|"
    r"buprenorphine|zubsolv)\b"
)
USE_PURPOSE = (
    r"\b(?:so|to|cuz|because|then|so that|that way|in order to|and|til|till|until) (?:i |"
    r"that i |the |it |my |i can |ill |im gonna |\w+ ){0,4}(?:can )?(?:feel (?:it|the dope|"
    r"the high|something|the fent|anything)|get high|use|using|get lit|get loaded|nod|"
    r"(?:dope|fent|fetty|boy|h|heroin|blues|percs|pills|it|shot) (?:will |can |actually "
    r"|would )?(?:hits?|works?|hit harder|kick in)|hits? (?:harder|right|better)|get a "
    r"buzz|pick up|cop|relapse|party)\b"
)
# Alone, then use: "ima be alone when i use", "nobody around when i shoot".
ALONE_THEN_USE = (
    r"\b(?:alone|by myself|on my own|solo|nobody (?:around|here|home|with me)|no one "
    r"(?:around|here|home|with me)) (?:\w+ ){0,3}(?:when|while|if|and|to|cuz|because|so|"
    r"once) (?:i |im |ill |i can )?(?:use|using|get high|getting high|shoot|shooting|shoot "
    r"up|do it|doing it|hit it|fix|smoke|snort|nod|pick up|do dope|do fent)\b"
)

USE_INTENT_OR_CRAVING = (
    r"\b(?:use|using|used|get high|pick up|picked up|relapse|relapsed|cop|score|dope|"
    r"fent|boy|blues|h|heroin|dealer|plug|crav\w*|urges?|tempted|want to|wanna|gonna|"
    r"first thing|celebrate)\b"
)
MIXING = (
    r"\b(?:mix|mixed|mixing|combine|combined|combining|on top of|with my|along with|plus|"
    r"and|chased|washed down|w|with)\b"
)
HISTORY_CODES = frozenset(
    {
        "overdose_now",
        "suicidal_thoughts",
        "self_harm",
        "return_to_use",
        "fentanyl",
        "polysubstance",
        "using_alone",
        "emergency_services",
    }
)

# --- normalisation tables -------------------------------------------------------------

EMOJI_WORDS: dict[str, str] = {
    "💀": " skull ",
    "☠": " skull ",
    "😂": " lol ",
    "🤣": " lol ",
    "😆": " lol ",
    "😹": " lol ",
    "😭": " crying ",
    "😢": " crying ",
    "😞": " sad ",
    "😔": " sad ",
    "💊": " pills ",
    "💉": " needle ",
    "🔫": " gun ",
    "🪦": " grave ",
    "⚰": " coffin ",
    "🔪": " knife ",
    "🩸": " blood ",
    "🪢": " rope ",
    "🥶": " blue ",
    "😵": " passed out ",
    "🆘": " help ",
    "🚑": " ambulance ",
    "❄": " snow ",
    "👋": " bye ",
    "💔": " sad ",
    "🙏": " please ",
    "🔥": " fire ",
    "💯": " fr ",
    "🤞": " hope ",
    "😩": " ugh ",
    "😫": " ugh ",
    "🥺": " please ",
    "❤": " love ",
    "💙": " love ",
    "♥": " love ",
}
HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ѕ": "s",
        "ј": "j",
        "ӏ": "l",
        "к": "k",
        "м": "m",
        "т": "t",
        "н": "h",
        "в": "b",
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "‘": "'",
        "’": "'",
        "`": "'",
        "´": "'",
        "ʼ": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": ".",
    }
)
LEET = str.maketrans(
    {
        "1": "i",
        "3": "e",
        "4": "a",
        "0": "o",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "*": "i",
    }
)

# One spelling for each common texting form; keys are whole tokens.
TOKEN_MAP: dict[str, str] = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "plzz": "please",
    "2nite": "tonight",
    "2night": "tonight",
    "tonite": "tonight",
    "tonigt": "tonight",
    "tnight": "tonight",
    "2day": "today",
    "tday": "today",
    "2morrow": "tomorrow",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "tmw": "tomorrow",
    "b4": "before",
    "cuz": "because",
    "bc": "because",
    "cause": "because",
    "coz": "because",
    "sum": "some",
    "jus": "just",
    "juss": "just",
    "kno": "know",
    "knw": "know",
    "gonna": "gonna",
    "gunna": "gonna",
    "gna": "gonna",
    "finna": "about to",
    "boutta": "about to",
    "bouta": "about to",
    "wanna": "wanna",
    "wana": "wanna",
    "tryna": "trying to",
    "idk": "idk",
    "dont": "dont",
    "dnt": "dont",
    "didnt": "didnt",
    "didn": "didnt",
    "dint": "didnt",
    "cant": "cant",
    "cnt": "cant",
    "cannot": "cant",
    "wont": "wont",
    "havent": "havent",
    "hvnt": "havent",
    "aint": "aint",
    "isnt": "isnt",
    "wasnt": "wasnt",
    "im": "im",
    "iam": "im",
    "ima": "im gonna",
    "imma": "im gonna",
    "ive": "ive",
    "ill": "ill",
    "hes": "hes",
    "shes": "shes",
    "myslef": "myself",
    "mysef": "myself",
    "myselg": "myself",
    "mself": "myself",
    "meself": "myself",
    "mysel": "myself",
    "myslf": "myself",
    "msyelf": "myself",
    "kil": "kill",
    "kll": "kill",
    "klll": "kill",
    "sucide": "suicide",
    "suiside": "suicide",
    "sucidal": "suicidal",
    "suicidle": "suicidal",
    "suicidial": "suicidal",
    "suecide": "suicide",
    "overdosing": "overdosing",
    "ovrdose": "overdose",
    "odeing": "overdosing",
    "breating": "breathing",
    "breahting": "breathing",
    "breathig": "breathing",
    "breathng": "breathing",
    "brething": "breathing",
    "breathin": "breathing",
    "breathinh": "breathing",
    "breath": "breathe",
    "respondin": "responding",
    "narcn": "narcan",
    "narcon": "narcan",
    "narcam": "narcan",
    "narkan": "narcan",
    "narcen": "narcan",
    "nalaxone": "naloxone",
    "naloxon": "naloxone",
    "naloxine": "naloxone",
    "fentynal": "fentanyl",
    "fentenyl": "fentanyl",
    "fentanol": "fentanyl",
    "fentnyl": "fentanyl",
    "fetanyl": "fentanyl",
    "fentinal": "fentanyl",
    "fentynol": "fentanyl",
    "hereoin": "heroin",
    "herion": "heroin",
    "heroine": "heroin",
    "relasped": "relapsed",
    "relpased": "relapsed",
    "relapsd": "relapsed",
    "relasp": "relapse",
    "relaspe": "relapse",
    "rlapsed": "relapsed",
    "crvings": "cravings",
    "cravins": "cravings",
    "cravin": "craving",
    "cravng": "craving",
    "cravving": "craving",
    "craveing": "craving",
    "usin": "using",
    "usng": "using",
    "usd": "used",
    "useing": "using",
    "yea": "yeah",
    "ya": "yeah",
    "yah": "yeah",
    "yh": "yeah",
    "ye": "yeah",
    "yess": "yes",
    "yup": "yep",
    "ok": "ok",
    "okay": "ok",
    "k": "ok",
    "rn": "rn",
    "atm": "atm",
    "tho": "though",
    "thru": "through",
    "alot": "a lot",
    "thx": "thanks",
    "ty": "thanks",
    "smth": "something",
    "sumthin": "something",
    "nothin": "nothing",
    "nuthin": "nothing",
    "goin": "going",
    "doin": "doing",
    "gettin": "getting",
    "takin": "taking",
    "feelin": "feeling",
    "wakin": "waking",
    "livin": "living",
    "dyin": "dying",
    "killin": "killing",
    "nobodys": "nobody",
    "noone": "no one",
    "sumone": "someone",
    "some1": "someone",
    "any1": "anyone",
    "every1": "everyone",
    "no1": "no one",
    "gf": "girlfriend",
    "bf": "boyfriend",
    "bro": "bro",
    "mom": "mom",
    "appt": "appointment",
    "apt": "appointment",
    "w": "with",
    "wit": "with",
    "n": "and",
    "nd": "and",
    "an": "an",
    "bout": "about",
    "abt": "about",
    "prolly": "probably",
    "probs": "probably",
    "rly": "really",
    "rlly": "really",
    "realy": "really",
    "srsly": "seriously",
    "wtf": "wtf",
    "lmao": "lmao",
    "lmfao": "lmao",
    "lol": "lol",
    "lolol": "lol",
    "haha": "haha",
    "hahaha": "haha",
    "xanny": "xannies",
    "zanny": "zannies",
    "zans": "xans",
    "xan": "xan",
    "wd": "wd",
    "suboxen": "suboxone",
    "suboxin": "suboxone",
    "subox": "suboxone",
    "methodone": "methadone",
    "methadon": "methadone",
    "unalived": "unalive",
    "selfharm": "self harm",
    "dopesick": "dopesick",
    "ded": "dead",
    "gud": "good",
    "ova": "over",
    "outta": "out of",
    "gotta": "got to",
    "wassup": "whats up",
    "sup": "whats up",
    "tmrrw": "tomorrow",
    "nite": "night",
    "2": "2",
    "4": "4",
    "hella": "hella",
    "dat": "that",
    "dis": "this",
    "da": "the",
    "tha": "the",
    "ma": "my",
    "mah": "my",
    "wen": "when",
    "wat": "what",
    "wut": "what",
    "whats": "whats",
    "thats": "thats",
    "wuz": "was",
    "iz": "is",
    "pill": "pill",
    "goodby": "goodbye",
    "gudbye": "goodbye",
    "bye": "bye",
    "everyine": "everyone",
    "evryone": "everyone",
    "evry1": "everyone",
}

# Whole phrases folded to one spelling (applied to the space-joined token string).
PHRASE_MAP: tuple[tuple[str, str], ...] = (
    (
        r"\b(?:not gonna lie|not going to lie|aint gonna lie|im not gonna lie|not even gonna "
        r"lie|no lie|wont lie|i wont lie|not gonna front|no cap|tbh not gonna lie)\b",
        "ngl",
    ),
    (r"\bgoing to\b", "gonna"),
    (r"\bwant to\b", "wanna"),
    (r"\bwants to\b", "wanna"),
    (r"\bi am\b", "im"),
    (r"\bi m\b", "im"),
    (r"\bdo not\b", "dont"),
    (r"\bdid not\b", "didnt"),
    (r"\bcan not\b", "cant"),
    (r"\bwill not\b", "wont"),
    (r"\bhave not\b", "havent"),
    (r"\bis not\b", "isnt"),
    (r"\bwas not\b", "wasnt"),
    (r"\bare not\b", "arent"),
    (r"\bhe is\b", "hes"),
    (r"\bshe is\b", "shes"),
    (r"\bbout to\b|\babout ta\b|\bbout ta\b|\bfixing to\b|\bfixin to\b", "about to"),
    (r"\bmy self\b", "myself"),
    (r"\b(kill|hurt|cut|harm|off|hang|shoot|burn)myself\b", r"\1 myself"),
    (r"\bself harm\w*\b", "self harm"),
    (r"\bdope ?sick\b", "dopesick"),
    (r"\bre lapse(d)?\b", r"relapse\1"),
    (r"\bover dos(e|ed|ing)\b", r"overdos\1"),
    (r"\bun alive\b", "unalive"),
    (r"\bnar can\b", "narcan"),
    (r"\bfent anyl\b", "fentanyl"),
    (r"\bk ?ms\b", "kms"),
    (r"\bgood ?bye\b", "goodbye"),
    (r"\bno body\b", "nobody"),
    (r"\bno one\b", "no one"),
    (r"\bcould not\b", "couldnt"),
    (r"\bwould not\b", "wouldnt"),
    (r"\bhas not\b", "hasnt"),
    (r"\bam not\b", "not"),
    (r"\bw o\b", "without"),
)

# Words the screen must be able to repair when mistyped by one letter: the few whose
# misspelling would hide a crisis. Longer than five letters so a repair stays unlikely
# to turn an everyday word into a risk word.
CRITICAL_WORDS: tuple[str, ...] = (
    "myself",
    "suicide",
    "suicidal",
    "overdose",
    "overdosed",
    "overdosing",
    "breathing",
    "breathe",
    "fentanyl",
    "relapse",
    "relapsed",
    "relapsing",
    "naloxone",
    "narcan",
    "unresponsive",
    "responding",
    "heroin",
    "xanax",
    "cravings",
    "craving",
    "methadone",
    "suboxone",
    "withdrawal",
    "goodbye",
    "unalive",
    "tolerance",
    "killing",
    "overdoses",
    "percocet",
    "oxycodone",
    "klonopin",
    "benzos",
    "tonight",
    "nodding",
)
# Real words one edit away from a critical word, which must be left alone.
NOT_TYPOS: frozenset[str] = frozenset(
    {
        "heroic",
        "heroes",
        "herein",
        "breaths",
        "breather",
        "craven",
        "cravat",
        "relapses",
        "goodbyes",
        "killings",
        "tonights",
        "breathed",
        "breathes",
        "overdue",
        "xanadu",
        "narcos",
        "benzo",
        "myselves",
        "kidding",
        "tonics",
        "nodding",
        "modding",
        "podding",
        "noddings",
        "calling",
        "filling",
        "billing",
        "willing",
        "tolerant",
        "chilling",
        "milling",
        "telling",
        "selling",
        "felling",
        "falling",
        "pulling",
        "rolling",
        "tolling",
        "walling",
        "yelling",
        "killin",
        "kilning",
    }
)
