"""The routine check-in: checkin_form, its validation, its questions and its submission."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    checkin_data,
    has_checkin_answers,
    mentions_medication,
    parse_barriers,
    parse_craving,
    parse_medication,
    parse_mood,
    parse_use,
    parse_yes_no,
    reset_checkin_slots,
    send_checkin,
)
from actions.checkin_asks import (
    INTERRUPTIONS,
    ActionAskBarriers,
    ActionAskCraving,
    ActionAskMedication,
    ActionAskMood,
    ActionAskUse,
    ActionAskWantsPeer,
)
from actions.common import (
    CHECKIN_FORM,
    CHECKIN_SLOTS,
    NO_BARRIERS,
    SKIPPED,
    entity_values,
    latest_intent,
    latest_text,
    peer_request,
)
from actions.reflect import reflection

__all__ = [  # the ask actions live in actions.checkin_asks; re-exported for one import place
    "ActionAskBarriers",
    "ActionAskCraving",
    "ActionAskMedication",
    "ActionAskMood",
    "ActionAskUse",
    "ActionAskWantsPeer",
    "ActionCheckinIntro",
    "ActionSubmitCheckin",
    "ValidateCheckinForm",
]

MED_INTENTS = frozenset({"med_taken", "med_not_yet", "med_ran_out", "pharmacy_problem"})
CHECKIN_ENTITIES = ("mood", "craving", "use", "barrier", "medication")
# The label that must come with a number for a question that was not the one asked.
LABELS = {
    "mood": re.compile(r"\b(mood|feel|feeling|feelin|felt)\b"),
    "craving": re.compile(r"\bcrav"),
}
# Words after a label ("cravings none", "feeling pretty good") for a question not asked yet.
LABELLED_WORDS = {
    "mood": re.compile(
        r"\b(?:mood|feeling|feelin|feel|felt)\W+((?:is |was |been )?[a-z']+(?: [a-z]+)?)"
    ),
    "craving": re.compile(r"\bcrav\w*\W+((?:are |is |r |been )?[a-z']+(?: [a-z]+)?)"),
}
NO_CRAVINGS = re.compile(r"\b(no|zero|0|not any|without|nada)\s+(crav|urge)")
# "nothing in the way" in an all-in-one message: no barriers, so never asked.
NO_BARRIERS_SAID = re.compile(
    r"\b(nothing|nothin|nothing's|nothings|no problems?|no issues?|no barriers?)\b"
    r"[^.,;!]*\b(in the way|in my way|getting in|stopping me|blocking|going on|barriers?)\b"
    r"|\bno (barriers?|problems?|issues?)\b|\b(otherwise|everything else|rest is) all good\b"
)
LABELLED_NUMBER = {
    "mood": re.compile(r"\bmood\W*(?:is|at|of|like|about|around|a|an|\s)*(\d{1,2})\b"),
    "craving": re.compile(r"\bcrav\w*\W*(?:is|are|at|of|like|about|around|a|an|\s)*(\d{1,2})\b"),
}


def _labelled(slot: str, parse: Callable[[Any], int | None], text: str) -> int | None:
    """A value for `slot` said with its label, in a message that answered something else."""
    if slot == "craving" and NO_CRAVINGS.search(text):
        return 0
    for pattern in (LABELLED_NUMBER[slot], LABELLED_WORDS[slot]):
        match = pattern.search(text)
        if match and parse(match.group(1)) is not None:
            return parse(match.group(1))
    return None


def _previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest user message."""
    events = tracker.events or []
    last_user = max(
        (i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events)
    )
    value = None
    for event in events[:last_user]:
        if event.get("event") == "slot" and event.get("name") == slot:
            value = event.get("value")
    return value


class ValidateCheckinForm(FormValidationAction):
    """Reads answers (numbers or words, several at once, SKIP) for checkin_form.

    Entities of an all-in-one message prefill slots through the domain's from_entity
    mappings; the extract_* methods here read the answer to the question just asked, and
    prefill medication (no entity carries it) from words like "took my dose".
    """

    def name(self) -> str:
        return "validate_checkin_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        return events + _record_progress(dispatcher, tracker, events)

    # ---- extraction ---------------------------------------------------------------

    def _answer(self, slot: str, tracker: Tracker) -> dict[str, Any] | None:
        """None if this message isn't an answer to `slot` being asked; else {} or {slot: v}."""
        if tracker.get_slot("requested_slot") != slot:
            return None
        intent = latest_intent(tracker)
        if intent in INTERRUPTIONS:
            return {}
        if intent == "skip_question":
            return {slot: [SKIPPED] if slot == "barriers" else SKIPPED}
        return None if intent is None else {"_intent": intent}

    @staticmethod
    def _other_answers_given(tracker: Tracker) -> bool:
        return any(entity_values(tracker, e) for e in CHECKIN_ENTITIES) or (
            latest_intent(tracker) in MED_INTENTS
        )

    def _numeric(self, slot: str, parse, tracker: Tracker) -> dict[str, Any]:
        answer = self._answer(slot, tracker)
        if answer is None:
            # not the question asked: prefill only from a label ("mood 4", "no cravings")
            if tracker.get_slot(slot) is None and latest_intent(tracker) not in INTERRUPTIONS:
                value = _labelled(slot, parse, latest_text(tracker).lower())
                if value is not None:
                    return {slot: value}
            return {}
        if "_intent" not in answer:
            return answer
        own = entity_values(tracker, slot) + entity_values(tracker, "number")
        for candidate in [*own, latest_text(tracker)]:
            value = parse(candidate)
            if value is not None:
                return {slot: value}
        others = set(tracker.slots_to_validate()) & (set(CHECKIN_SLOTS) - {slot})
        if others or latest_intent(tracker) in MED_INTENTS:
            return {}  # they answered another question; the form asks this one again
        return {slot: None}  # unreadable: ask again (action_ask_<slot> says so)

    def _validate_numeric(self, slot: str, value: Any, parse, tracker: Tracker) -> dict[str, Any]:
        if value == SKIPPED:
            return {slot: value}
        requested = tracker.get_slot("requested_slot")
        parsed = parse(value)
        labelled = LABELLED_NUMBER[slot].search(latest_text(tracker).lower())
        if labelled and parse(labelled.group(1)) is not None:
            parsed = parse(
                labelled.group(1)
            )  # "mood 4 cravings 2": trust the label over the tagger
        if (
            requested
            and requested != slot
            and not LABELS[slot].search(latest_text(tracker).lower())
        ):
            parsed = None  # an unlabelled entity while another question was asked: not for us
        if parsed is None and requested != slot:
            return {slot: _previous_value(tracker, slot)}
        return {slot: parsed}

    def extract_mood(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._numeric("mood", parse_mood, tracker)

    def extract_craving(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._numeric("craving", parse_craving, tracker)

    def extract_use(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = self._answer("use", tracker)
        if answer is None or "_intent" not in answer:
            return answer or {}
        values = entity_values(tracker, "use")
        value = parse_use(values[0] if values else latest_text(tracker), latest_intent(tracker))
        return {"use": value} if value is not None else {}

    def extract_medication(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = latest_intent(tracker)
        answer = self._answer("medication", tracker)
        if answer is None:
            # not asked: prefill only from a clear mention ("took my dose", "missed my meds")
            if tracker.get_slot("medication") is None and (
                intent in MED_INTENTS
                or (intent == "inform_checkin" and mentions_medication(tracker))
            ):
                value = parse_medication(
                    latest_text(tracker), intent if intent in MED_INTENTS else None
                )
                if value in ("as prescribed", "missed doses", "ran out", "pharmacy problem"):
                    return {"medication": value}
            return {}
        if "_intent" not in answer:
            return answer
        value = parse_medication(latest_text(tracker), intent)
        return {"medication": value} if value is not None else {}

    def extract_barriers(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = self._answer("barriers", tracker)
        if answer is None:
            # not asked: "nothing in the way" said up front means it is never asked
            said = NO_BARRIERS_SAID.search(latest_text(tracker).lower())
            if (
                said
                and tracker.get_slot("barriers") is None
                and not entity_values(tracker, "barrier")
            ):
                return {"barriers": [NO_BARRIERS]}
            return {}
        if "_intent" not in answer:
            return answer
        intent = latest_intent(tracker)
        value = parse_barriers(latest_text(tracker), entity_values(tracker, "barrier"), intent)
        if intent == "pharmacy_problem" and (value is None or "pharmacy" not in value):
            value = ["pharmacy"]
        return {"barriers": value} if value is not None else {}

    def extract_wants_peer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if (
            tracker.get_slot("requested_slot") == "wants_peer"
            and latest_intent(tracker) == "request_peer"
        ):
            return {"wants_peer": True}
        answer = self._answer("wants_peer", tracker)
        if answer is None or "_intent" not in answer:
            return answer or {}
        value = parse_yes_no(latest_text(tracker), latest_intent(tracker))
        return {"wants_peer": value} if value is not None else {"wants_peer": None}

    # ---- validation (normalise prefilled entity values) ---------------------------

    def validate_mood(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_numeric("mood", value, parse_mood, tracker)

    def validate_craving(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._validate_numeric("craving", value, parse_craving, tracker)

    def validate_use(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"use": value if value == SKIPPED else parse_use(value)}

    def validate_medication(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"medication": value}

    def validate_wants_peer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {
            "wants_peer": value
            if value in (True, False, SKIPPED)
            else parse_yes_no(str(value or ""))
        }

    def validate_barriers(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"barriers": None}
        values = value if isinstance(value, list) else [value]
        if values == [SKIPPED]:
            return {"barriers": values}
        return {"barriers": parse_barriers(" ".join(map(str, values)), values)}


class ActionCheckinIntro(Action):
    """Starts a check-in (EXTERNAL_checkin / start_checkin / yes to an offer): clears any
    stale answers so the form asks every question."""

    def name(self) -> str:
        return "action_checkin_intro"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_checkin_intro")
        return [
            SlotSet("awaiting", None),
            *reset_checkin_slots(),
            SlotSet("checkin_key", new_key()),
        ]


class ActionSubmitCheckin(Action):
    """Sends the check-in payload (complete when the form finished, partial otherwise),
    a peer_request when they want their peer, and clears the check-in slots."""

    def name(self) -> str:
        return "action_submit_checkin"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        active = (tracker.active_loop or {}).get("name") == CHECKIN_FORM
        complete = (
            not active
            and tracker.get_slot("requested_slot") is None
            and all(
                tracker.get_slot(s) is not None
                for s in ("mood", "craving", "use", "medication", "barriers", "wants_peer")
            )
        )
        events: list[EventType] = []  # an open form is closed by the rule (action_deactivate_loop)
        if has_checkin_answers(tracker):
            send_checkin(dispatcher, tracker, complete=complete)
        wants_peer = tracker.get_slot("wants_peer") is True
        if wants_peer:
            peer_request(
                dispatcher,
                reason="asked for their peer during a check-in",
                barrier=_first_barrier(tracker),
            )
        if complete:
            dispatcher.utter_message(
                response="utter_checkin_done_peer" if wants_peer else "utter_checkin_done",
                reflection=reflection(checkin_data(tracker, complete=True)),
            )
        elif intent == "defer_checkin" or not active:
            dispatcher.utter_message(
                response="utter_checkin_deferred"
                if has_checkin_answers(tracker)
                else "utter_checkin_deferred_empty"
            )
        # else: ended by goodbye / stop question; the rule's next response answers that
        return events + reset_checkin_slots() + [SlotSet("awaiting", None)]


def new_key() -> str:
    return uuid.uuid4().hex[:16]


def _record_progress(
    dispatcher: CollectingDispatcher, tracker: Tracker, events: list[EventType]
) -> list[EventType]:
    """Every answer is sent as it is given, so an escalation, a hand-back or silence keeps
    it: the app updates one record per check-in key."""
    updates = {
        e["name"]: e["value"]
        for e in events
        if e.get("event") == "slot" and e.get("name") in CHECKIN_SLOTS
    }
    if not any(value is not None for value in updates.values()):
        return []
    key = tracker.get_slot("checkin_key")
    added: list[EventType] = [] if key else [SlotSet("checkin_key", new_key())]
    key = key or added[0]["value"]
    send_checkin(dispatcher, tracker, complete=False, updates=updates, key=key)
    return added


def _first_barrier(tracker: Tracker) -> str | None:
    barriers = tracker.get_slot("barriers") or []
    for barrier in barriers if isinstance(barriers, list) else [barriers]:
        if barrier not in (SKIPPED, "none"):
            return str(barrier)
    return None
