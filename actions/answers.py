"""A participant's check-in answers: read as they text them (numbers, words and emoji for
mood and cravings, yes/no, medication taken or missed, barriers named), and sent to the app
as the `checkin` payload, complete or partial.

Runs in the engine environment (Python 3.10); imports nothing from the app.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    BARRIER_VALUES,
    CHECKIN_BOOKKEEPING,
    CHECKIN_FORM,
    CHECKIN_SLOTS,
    NO_BARRIERS,
    SKIPPED,
    entity_values,
    free_text,
    gsm_safe,
    latest_text,
    payload,
)

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


def _norm(text: str) -> str:
    return " " + re.sub(r"\s+", " ", gsm_safe(str(text)).lower()).strip() + " "


def _first_number(text: str) -> int | None:
    match = re.search(r"(?<![\d.])(\d{1,2})(?:\s*(?:/|out of)\s*\d+)?(?![\d.])", text)
    if match:
        return int(match.group(1))
    for word, number in _NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            return number
    return None


def _word_scale(text: str, table) -> int | None:
    for phrase, value in table:
        if re.search(rf"(?<![a-z']){re.escape(phrase)}(?![a-z'])", text):
            return value
    return None


def parse_mood(value: Any) -> int | None:
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


def parse_craving(value: Any) -> int | None:
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


def parse_use(value: Any, intent: str | None = None) -> str | None:
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


def parse_medication(text: str, intent: str | None = None) -> str | None:
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


def parse_barriers(text: str, entities: list[Any], intent: str | None = None) -> list[str] | None:
    """Barrier values from entities or keywords; ['none'] for no barriers; else the words."""
    found: list[str] = []
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


def parse_yes_no(text: str, intent: str | None = None) -> bool | None:
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


def checkin_data(
    tracker: Tracker, complete: bool, updates: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``checkin`` payload data from the form slots (with `updates` applied on top);
    'skipped' becomes null."""
    slots = {slot: tracker.get_slot(slot) for slot in CHECKIN_SLOTS}
    slots.update(updates or {})

    def clean(value: Any) -> Any:
        return None if value == SKIPPED else value

    barriers = slots["barriers"]
    if barriers is not None and not isinstance(barriers, list):
        barriers = [barriers]
    if barriers is not None:
        barriers = (
            [b for b in barriers if b not in (SKIPPED, NO_BARRIERS)]
            if barriers != [SKIPPED]
            else None
        )
    wants_peer = clean(slots["wants_peer"])
    return {
        "mood": parse_mood(slots["mood"]) if slots["mood"] != SKIPPED else None,
        "craving": parse_craving(slots["craving"]) if slots["craving"] != SKIPPED else None,
        "use": clean(slots["use"]),
        "medication": clean(slots["medication"]),
        "barriers": barriers,
        "wants_peer": bool(wants_peer) if wants_peer is not None else None,
        "complete": complete,
    }


def send_checkin(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    complete: bool,
    updates: dict[str, Any] | None = None,
    key: str | None = None,
    **overrides: Any,
) -> None:
    """The ``checkin`` payload; its key names the one record the app keeps updating."""
    data = checkin_data(tracker, complete, updates)
    data.update({k: v for k, v in overrides.items() if v is not None})
    payload(dispatcher, "checkin", data=data, key=key or tracker.get_slot("checkin_key"))


def has_checkin_answers(tracker: Tracker) -> bool:
    return any(tracker.get_slot(slot) is not None for slot in CHECKIN_SLOTS)


def reset_checkin_slots() -> list[EventType]:
    return [SlotSet(slot, None) for slot in (*CHECKIN_SLOTS, *CHECKIN_BOOKKEEPING)]


def close_checkin(
    dispatcher: CollectingDispatcher, tracker: Tracker, **overrides: Any
) -> list[EventType]:
    """Before changing the subject (risk, peer request, outreach) while the check-in form is
    open: keep what was answered as a partial check-in payload and clear the form's slots.
    The rule then runs action_deactivate_loop. Returns the events to add ([] if no check-in)."""
    if (tracker.active_loop or {}).get("name") != CHECKIN_FORM:
        return []
    data = checkin_data(tracker, complete=False)
    data.update({k: v for k, v in overrides.items() if v is not None})
    if any(v is not None for k, v in data.items() if k != "complete"):
        send_checkin(dispatcher, tracker, complete=False, **overrides)
    return reset_checkin_slots()
