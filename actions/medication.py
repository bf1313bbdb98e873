"""Medication / refill nudges (EXTERNAL_medication_nudge) and their answers."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    close_checkin,
)
from actions.common import (
    BARRIER_VALUES,
    entity_values,
    latest_intent,
    payload,
    peer_request,
)
from actions.everyday import medication_only


class ActionMedicationNudge(Action):
    """A discreet reminder: no drug names (anyone holding the phone can read it)."""

    def name(self) -> str:
        return "action_medication_nudge"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = close_checkin(dispatcher, tracker)
        dispatcher.utter_message(response="utter_medication_nudge")
        return [*events, SlotSet("awaiting", "medication")]


class ActionMedicationAnswer(Action):
    """taken / not yet (medication-only partial check-in); ran out / pharmacy problem also
    open a peer request."""

    def name(self) -> str:
        return "action_medication_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        if intent == "med_taken":
            payload(dispatcher, "checkin", data=medication_only("as prescribed"))
            dispatcher.utter_message(response="utter_med_taken")
        elif intent == "med_not_yet":
            payload(dispatcher, "checkin", data=medication_only("not yet"))
            dispatcher.utter_message(response="utter_med_not_yet")
        else:
            ran_out = intent == "med_ran_out"
            barriers = [b for b in entity_values(tracker, "barrier") if b in BARRIER_VALUES]
            barrier = barriers[0] if barriers else "pharmacy"
            payload(
                dispatcher,
                "checkin",
                data=medication_only("ran out" if ran_out else "pharmacy problem"),
            )
            peer_request(
                dispatcher,
                reason="ran out of medication" if ran_out else "pharmacy problem",
                barrier=barrier,
            )
            dispatcher.utter_message(response="utter_med_problem")
        return [SlotSet("awaiting", None)]


class ActionReengage(Action):
    def name(self) -> str:
        return "action_reengage"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = close_checkin(dispatcher, tracker)
        dispatcher.utter_message(response="utter_reengage")
        return [*events, SlotSet("awaiting", "checkin_offer")]
