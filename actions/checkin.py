"""The routine check-in: checkin_form, its validation, its questions and its submission."""

from __future__ import annotations

import re
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
)
from actions.common import (
    CHECKIN_FORM,
    CHECKIN_SLOTS,
    RISK_INTENTS,
    SKIPPED,
    entity_values,
    latest_intent,
    latest_text,
    payload,
    peer_request,
)

# Intents that are never an answer to a check-in question: the form rejects, a rule
# answers them (and the form resumes, or ends for defer/goodbye/risk/peer/outreach).
INTERRUPTIONS = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "bot_challenge",
        "ask_program",
        "ask_how_to_stop",
        "ask_next_appointment",
        "ask_naloxone",
        "ask_test_strips",
        "request_peer",
        "start_checkin",
        "defer_checkin",
        "confirm_appointment",
        "cant_make_appointment",
        "reschedule_appointment",
        "cancel_appointment",
        "ask_appointment_time",
        "ask_appointment_location",
        "EXTERNAL_checkin",
        "EXTERNAL_appointment_nudge",
        "EXTERNAL_missed_appointment",
        "EXTERNAL_medication_nudge",
        "EXTERNAL_reengage",
        *RISK_INTENTS,
    }
)
MED_INTENTS = frozenset({"med_taken", "med_not_yet", "med_ran_out", "pharmacy_problem"})
CHECKIN_ENTITIES = ("mood", "craving", "use", "barrier", "medication")
# The label that must come with a number for a question that was not the one asked.
LABELS = {
    "mood": re.compile(r"\b(mood|feel|feeling|feelin|felt)\b"),
    "craving": re.compile(r"\bcrav"),
}
LABELLED_NUMBER = {
    "mood": re.compile(r"\bmood\W*(?:is|at|of|like|about|around|a|an|\s)*(\d{1,2})\b"),
    "craving": re.compile(r"\bcrav\w*\W*(?:is|are|at|of|like|about|around|a|an|\s)*(\d{1,2})\b"),
}


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


def _retrying(tracker: Tracker, slot: str) -> bool:
    """True when the form asks `slot` again because the last answer couldn't be read."""
    if latest_intent(tracker) in INTERRUPTIONS:
        return False
    events = tracker.events or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=None)
    if last_user is None:
        return False
    before = [
        e
        for e in events[:last_user]
        if e.get("event") == "slot" and e.get("name") == "requested_slot"
    ]
    return bool(before) and before[-1].get("value") == slot


class ActionAskMood(Action):
    def name(self) -> str:
        return "action_ask_mood"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_ask_mood_again" if _retrying(tracker, "mood") else "utter_ask_mood"
        )
        return []


class ActionAskCraving(Action):
    def name(self) -> str:
        return "action_ask_craving"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_ask_craving_again"
            if _retrying(tracker, "craving")
            else "utter_ask_craving"
        )
        return []


class ActionAskUse(Action):
    """Asks about use and tells the gateway's safety screen that a following 'yes' is a
    disclosure (context payload)."""

    def name(self) -> str:
        return "action_ask_use"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        payload(dispatcher, "context", asked="use")
        dispatcher.utter_message(response="utter_ask_use")
        return []


class ValidateCheckinForm(FormValidationAction):
    """Reads answers (numbers or words, several at once, SKIP) for checkin_form.

    Entities of an all-in-one message prefill slots through the domain's from_entity
    mappings; the extract_* methods here read the answer to the question just asked, and
    prefill medication (no entity carries it) from words like "took my dose".
    """

    def name(self) -> str:
        return "validate_checkin_form"

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
            # not the question asked: prefill only from a labelled number ("mood 4")
            if tracker.get_slot(slot) is None and latest_intent(tracker) == "inform_checkin":
                match = LABELLED_NUMBER[slot].search(latest_text(tracker).lower())
                if match and parse(match.group(1)) is not None:
                    return {slot: parse(match.group(1))}
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
        if answer is None or "_intent" not in answer:
            return answer or {}
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
        return [SlotSet("awaiting", None), *reset_checkin_slots()]


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
            payload(dispatcher, "checkin", data=checkin_data(tracker, complete=complete))
        wants_peer = tracker.get_slot("wants_peer") is True
        if wants_peer:
            peer_request(
                dispatcher,
                reason="asked for their peer during a check-in",
                barrier=_first_barrier(tracker),
            )
        if complete:
            dispatcher.utter_message(
                response="utter_checkin_done_peer" if wants_peer else "utter_checkin_done"
            )
        elif intent == "defer_checkin" or not active:
            dispatcher.utter_message(
                response="utter_checkin_deferred"
                if has_checkin_answers(tracker)
                else "utter_checkin_deferred_empty"
            )
        # else: ended by goodbye / stop question; the rule's next response answers that
        return events + reset_checkin_slots() + [SlotSet("awaiting", None)]


def _first_barrier(tracker: Tracker) -> str | None:
    barriers = tracker.get_slot("barriers") or []
    for barrier in barriers if isinstance(barriers, list) else [barriers]:
        if barrier not in (SKIPPED, "none"):
            return str(barrier)
    return None
