"""Shared helpers for peerline's custom actions.

Actions run in the engine environment and import nothing from the app. They read the app's
per-turn metadata (``metadata.peerline``) and write back only through custom payloads
``{"peerline": {...}}`` that the gateway applies (docs/architecture.md, "The engine contract").
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

CHECKIN_FORM = "checkin_form"
CHECKIN_SLOTS = ("mood", "craving", "use", "medication", "barriers", "wants_peer")
SKIPPED = "skipped"
NO_BARRIERS = "none"
BARRIER_VALUES = (
    "transport",
    "pharmacy",
    "insurance",
    "housing",
    "money",
    "childcare",
    "work",
    "phone",
)
RISK_INTENTS = ("risk_suicidal", "risk_overdose_now", "risk_return_to_use", "risk_using_alone")
MAX_FREE_TEXT = 200


# --------------------------------------------------------------------------- metadata


def peerline_metadata(tracker: Tracker) -> Dict[Text, Any]:
    """``metadata.peerline`` of the latest user message, or of the most recent user message
    that had it (external intents triggered by the app carry no metadata)."""
    meta = (tracker.latest_message or {}).get("metadata") or {}
    if isinstance(meta, dict) and isinstance(meta.get("peerline"), dict):
        return meta["peerline"]
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            meta = event.get("metadata") or {}
            if isinstance(meta, dict) and isinstance(meta.get("peerline"), dict):
                return meta["peerline"]
    return {}


def participant_alias(tracker: Tracker) -> Optional[Text]:
    participant = peerline_metadata(tracker).get("participant") or {}
    alias = participant.get("alias") if isinstance(participant, dict) else None
    if isinstance(alias, str):
        alias = gsm_safe(alias.strip())[:30]
        return alias or None
    return None


# --------------------------------------------------------------------------- payloads


def payload(dispatcher: CollectingDispatcher, kind: Text, **fields: Any) -> None:
    """Emit a ``{"peerline": {"type": kind, ...}}`` custom payload for the gateway."""
    dispatcher.utter_message(json_message={"peerline": {"type": kind, **fields}})


def peer_request(
    dispatcher: CollectingDispatcher, reason: Text, barrier: Optional[Text] = None
) -> None:
    payload(dispatcher, "peer_request", reason=reason, barrier=barrier)


def appointment_answer(
    dispatcher: CollectingDispatcher, answer: Text, reason: Optional[Text] = None
) -> None:
    payload(dispatcher, "appointment_answer", answer=answer, reason=reason)


# --------------------------------------------------------------------------- message helpers


def latest_intent(tracker: Tracker) -> Optional[Text]:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_confidence(tracker: Tracker) -> Optional[float]:
    conf = ((tracker.latest_message or {}).get("intent") or {}).get("confidence")
    return round(float(conf), 4) if conf is not None else None


def latest_text(tracker: Tracker) -> Text:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def entity_values(tracker: Tracker, entity: Text) -> List[Any]:
    return [
        e.get("value")
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == entity and e.get("value") is not None
    ]


def free_text(text: Text) -> Optional[Text]:
    text = " ".join((text or "").split())
    return text[:MAX_FREE_TEXT] or None


_GSM_REPLACEMENTS = {
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2014": "-",
    "\u2013": "-",
}


def gsm_safe(text: Text) -> Text:
    """Straight quotes and dashes so an SMS stays GSM-7 (160 chars a segment)."""
    for bad, good in _GSM_REPLACEMENTS.items():
        text = text.replace(bad, good)
    return text


def format_when(value: Any) -> Optional[Text]:
    """ISO 8601 -> 'Tue Nov 24 at 3:00 PM'; anything else is passed through as text."""
    if not value:
        return None
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return gsm_safe(text)[:60]
    hour = moment.strftime("%I").lstrip("0") or "12"
    return f"{moment.strftime('%a %b')} {moment.day} at {hour}:{moment.strftime('%M %p')}"


# --------------------------------------------------------------------------- check-in parsing

_NUMBER_WORDS = {
    "zero": 0,
    "none": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}

# Ordered: multi-word phrases and negations before the single words they contain.
_MOOD_WORDS = [
    ("not great", 2),
    ("not good", 2),
    ("not bad", 3),
    ("not ok", 2),
    ("not okay", 2),
    ("not so good", 2),
    ("really bad", 1),
    ("very bad", 1),
    ("so so", 3),
    ("so-so", 3),
    ("pretty good", 4),
    ("really good", 5),
    ("very good", 5),
    ("amazing", 5),
    ("awesome", 5),
    ("excellent", 5),
    ("great", 5),
    ("fantastic", 5),
    ("blessed", 5),
    ("good", 4),
    ("fine", 4),
    ("happy", 4),
    ("better", 4),
    ("decent", 4),
    ("well", 4),
    ("solid", 4),
    ("ok", 3),
    ("okay", 3),
    ("alright", 3),
    ("aight", 3),
    ("meh", 3),
    ("mid", 3),
    ("tired", 3),
    ("bad", 2),
    ("rough", 2),
    ("down", 2),
    ("sad", 2),
    ("low", 2),
    ("anxious", 2),
    ("stressed", 2),
    ("depressed", 2),
    ("lonely", 2),
    ("struggling", 2),
    ("angry", 2),
    ("mad", 2),
    ("upset", 2),
    ("terrible", 1),
    ("awful", 1),
    ("horrible", 1),
    ("worst", 1),
    ("hopeless", 1),
    ("miserable", 1),
]

_CRAVING_WORDS = [
    ("no craving", 0),
    ("no cravings", 0),
    ("not really", 1),
    ("barely", 1),
    ("very strong", 10),
    ("really bad", 10),
    ("really strong", 10),
    ("really high", 9),
    ("super strong", 10),
    ("none", 0),
    ("nothing", 0),
    ("nope", 0),
    ("nah", 0),
    ("no", 0),
    ("zero", 0),
    ("little", 2),
    ("low", 2),
    ("mild", 2),
    ("small", 2),
    ("light", 2),
    ("few", 3),
    ("some", 5),
    ("medium", 5),
    ("moderate", 5),
    ("ok", 4),
    ("manageable", 4),
    ("high", 8),
    ("strong", 8),
    ("bad", 8),
    ("intense", 9),
    ("lot", 8),
    ("heavy", 8),
    ("extreme", 10),
    ("worst", 10),
    ("terrible", 9),
    ("awful", 9),
]

_NO_WORDS = re.compile(
    r"\b(no|nope|nah|naw|none|nothing|never|not|didn'?t|did not|haven'?t|have not|havent|didnt|"
    r"clean|sober|stayed clean)\b"
)
_YES_WORDS = re.compile(r"\b(yes|yeah|yep|yup|ya|yea|i did|did)\b")
_MED_MISSED = re.compile(
    r"\b(missed|miss|forgot|forget|skipped|skip|didn'?t take|did not take|haven'?t taken|"
    r"ran out|run out|out of|late)\b"
)
_MED_TAKEN = re.compile(
    r"\b(yes|yeah|yep|yup|took|taken|taking|take it|dosed|every day|everyday|daily|on track|"
    r"as prescribed|got my (shot|dose|juice)|all good)\b"
)
_MED_WORDS = re.compile(r"\b(dose|doses|dosed|meds|medication|medicine|script|shot|strips?)\b")
_BARRIER_KEYWORDS = {
    "transport": r"ride|bus|car|transport|gas|train|uber|lyft|get there|far",
    "pharmacy": r"pharmacy|refill|pharmacist",
    "insurance": r"insurance|medicaid|medicare|copay|coverage|prior auth",
    "housing": r"housing|rent|evict|shelter|homeless|place to stay|apartment",
    "money": r"money|cash|afford|broke|bills|pay",
    "childcare": r"kid|kids|child|childcare|babysit|daycare|son|daughter",
    "work": r"work|job|shift|boss",
    "phone": r"phone|minutes|data plan|signal|cell",
}
_NONE_BARRIERS = re.compile(
    r"^\W*(no|none|nope|nah|nothing|not really|all good|im good|i'?m good|n/?a|no barriers|"
    r"no problems?|nothing really)\W*(thanks|thank you|really|rn|right now|atm|at the moment|"
    r"for now|today|this week)?\W*$"
)


def _norm(text: Text) -> Text:
    return " " + re.sub(r"\s+", " ", gsm_safe(str(text)).lower()).strip() + " "


def _first_number(text: Text) -> Optional[int]:
    match = re.search(r"(?<![\d.])(\d{1,2})(?:\s*(?:/|out of)\s*\d+)?(?![\d.])", text)
    if match:
        return int(match.group(1))
    for word, number in _NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            return number
    return None


def _word_scale(text: Text, table) -> Optional[int]:
    for phrase, value in table:
        if re.search(rf"(?<![a-z']){re.escape(phrase)}(?![a-z'])", text):
            return value
    return None


def parse_mood(value: Any) -> Optional[int]:
    """Mood 1-5 from a number or a word; None if it can't be read."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if 1 <= value <= 5 else None
    text = _norm(value)
    number = _first_number(text)
    if number is not None:
        return number if 1 <= number <= 5 else None
    return _word_scale(text, _MOOD_WORDS)


def parse_craving(value: Any) -> Optional[int]:
    """Craving 0-10 from a number or a word; None if it can't be read."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if 0 <= value <= 10 else None
    text = _norm(value)
    number = _first_number(text)
    if number is not None:
        return number if 0 <= number <= 10 else None
    return _word_scale(text, _CRAVING_WORDS)


def parse_use(value: Any, intent: Optional[Text] = None) -> Optional[Text]:
    """'no', 'yes' or the participant's own words."""
    if intent == "deny":
        return "no"
    if intent == "affirm":
        return "yes"
    if value is None:
        return None
    text = _norm(value)
    if text.strip() in ("no", "n"):
        return "no"
    if text.strip() in ("yes", "y"):
        return "yes"
    if _NO_WORDS.search(text) and len(text.split()) <= 6:
        return "no"
    if _YES_WORDS.fullmatch(text.strip()):
        return "yes"
    return free_text(str(value))


def parse_medication(text: Text, intent: Optional[Text] = None) -> Optional[Text]:
    """'as prescribed', 'missed doses', 'ran out', 'pharmacy problem' or the participant's words."""
    mapping = {
        "affirm": "as prescribed",
        "med_taken": "as prescribed",
        "deny": "missed doses",
        "med_not_yet": "missed doses",
        "med_ran_out": "ran out",
        "pharmacy_problem": "pharmacy problem",
    }
    if intent in mapping:
        return mapping[intent]
    norm = _norm(text)
    if not norm.strip():
        return None
    if "ran out" in norm or "run out" in norm:
        return "ran out"
    if _MED_MISSED.search(norm):
        return "missed doses"
    if norm.strip() in ("no", "nope", "nah", "n"):
        return "missed doses"
    if _MED_TAKEN.search(norm):
        return "as prescribed"
    return free_text(text)


def mentions_medication(tracker: Tracker) -> bool:
    return bool(entity_values(tracker, "medication")) or bool(
        _MED_WORDS.search(_norm(latest_text(tracker)))
    )


def parse_barriers(
    text: Text, entities: List[Any], intent: Optional[Text] = None
) -> Optional[List[Text]]:
    """Barrier values from entities or keywords; ['none'] for no barriers; else the words."""
    found: List[Text] = []
    for value in entities:
        value = str(value).lower()
        if value in BARRIER_VALUES and value not in found:
            found.append(value)
    if found:
        return found
    norm = _norm(text)
    if intent == "deny" or _NONE_BARRIERS.match(norm.strip()):
        return [NO_BARRIERS]
    for barrier, pattern in _BARRIER_KEYWORDS.items():
        if re.search(rf"\b({pattern})", norm):
            found.append(barrier)
    if found:
        return found
    words = free_text(text)
    return [words] if words else None


def parse_yes_no(text: Text, intent: Optional[Text] = None) -> Optional[bool]:
    if intent in ("affirm", "request_peer"):
        return True
    if intent == "deny":
        return False
    norm = _norm(text).strip()
    if re.match(r"^(yes|yeah|yep|yup|ya|sure|ok|okay|please|y)\b", norm):
        return True
    if re.match(r"^(no|nope|nah|naw|not now|n|im good|i'?m good)\b", norm):
        return False
    return None


# --------------------------------------------------------------------------- check-in payload


def checkin_data(tracker: Tracker, complete: bool) -> Dict[Text, Any]:
    """The ``checkin`` payload data from the form slots ('skipped' becomes null)."""

    def clean(value: Any) -> Any:
        return None if value == SKIPPED else value

    barriers = tracker.get_slot("barriers")
    if barriers is not None and not isinstance(barriers, list):
        barriers = [barriers]
    if barriers is not None:
        barriers = (
            [b for b in barriers if b not in (SKIPPED, NO_BARRIERS)]
            if barriers != [SKIPPED]
            else None
        )
    wants_peer = clean(tracker.get_slot("wants_peer"))
    return {
        "mood": clean(
            parse_mood(tracker.get_slot("mood")) if tracker.get_slot("mood") != SKIPPED else None
        ),
        "craving": clean(
            parse_craving(tracker.get_slot("craving"))
            if tracker.get_slot("craving") != SKIPPED
            else None
        ),
        "use": clean(tracker.get_slot("use")),
        "medication": clean(tracker.get_slot("medication")),
        "barriers": barriers,
        "wants_peer": bool(wants_peer) if wants_peer is not None else None,
        "complete": complete,
    }


def has_checkin_answers(tracker: Tracker) -> bool:
    return any(tracker.get_slot(slot) is not None for slot in CHECKIN_SLOTS)


def reset_checkin_slots() -> List[EventType]:
    return [SlotSet(slot, None) for slot in CHECKIN_SLOTS]


def close_checkin(
    dispatcher: CollectingDispatcher, tracker: Tracker, **overrides: Any
) -> List[EventType]:
    """Before changing the subject (risk, peer request, outreach) while the check-in form is
    open: keep what was answered as a partial check-in payload and clear the form's slots.
    The rule then runs action_deactivate_loop. Returns the events to add ([] if no check-in)."""
    if (tracker.active_loop or {}).get("name") != CHECKIN_FORM:
        return []
    data = checkin_data(tracker, complete=False)
    data.update({k: v for k, v in overrides.items() if v is not None})
    if any(v is not None for k, v in data.items() if k != "complete"):
        payload(dispatcher, "checkin", data=data)
    return reset_checkin_slots()
