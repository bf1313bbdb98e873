"""Talk outside the check-in questions: feelings sent without words, and the clean start
after a peer hands the conversation back."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import reset_checkin_slots


class ActionFeeling(Action):
    """Emoji alone: acknowledged as a feeling, and the peer offered (a yes asks for them)."""

    def name(self) -> str:
        return "action_feeling"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_feeling_ack")
        return [SlotSet("awaiting", "peer_offer")]


class ActionHandback(Action):
    """A peer handed the conversation back (EXTERNAL_handback from the app): forget any
    question asked before the case, so nothing stale is resumed. What was answered was
    already stored as it was given."""

    def name(self) -> str:
        return "action_handback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_handback")
        # an open form is closed by the rule (action_deactivate_loop)
        return [
            *reset_checkin_slots(),
            SlotSet("appointment_reason", None),
            SlotSet("awaiting", None),
        ]
