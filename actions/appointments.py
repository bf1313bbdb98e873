"""Appointment nudges (EXTERNAL_appointment_nudge), answers and missed-appointment follow-up."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import (
    close_checkin,
    parse_barriers,
)
from actions.common import (
    BARRIER_VALUES,
    appointment_answer,
    entity_values,
    format_when,
    free_text,
    gsm_safe,
    latest_intent,
    latest_text,
    participant_now,
    payload,
    peer_request,
    peerline_metadata,
)
from actions.dates import requested_day

DEFAULT_KIND = "appointment"


def _appointment(tracker: Tracker) -> dict[str, str | None]:
    """kind / when / location: nudge entities (slots) first, then metadata.next_appointment."""
    upcoming = peerline_metadata(tracker).get("next_appointment") or {}
    if not isinstance(upcoming, dict):
        upcoming = {}
    kind = tracker.get_slot("appointment_kind") or upcoming.get("kind") or DEFAULT_KIND
    when = format_when(tracker.get_slot("appointment_time") or upcoming.get("at"))
    location = upcoming.get("location")
    return {
        "kind": gsm_safe(str(kind))[:40],
        "when": when,
        "location": gsm_safe(str(location))[:80] if location else None,
    }


class ActionAppointmentNudge(Action):
    def name(self) -> str:
        return "action_appointment_nudge"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = close_checkin(dispatcher, tracker)
        info = _appointment(tracker)
        dispatcher.utter_message(
            response="utter_appointment_nudge",
            kind=info["kind"],
            when=info["when"] or "coming up soon",
        )
        return [*events, SlotSet("awaiting", "appointment")]


class ActionAppointmentAnswer(Action):
    """confirm / can't make it / reschedule / cancel (or yes/no right after a nudge)."""

    def name(self) -> str:
        return "action_appointment_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        awaiting = tracker.get_slot("awaiting")
        if intent == "affirm" and awaiting == "missed_appointment":
            intent = "reschedule_appointment"
        elif intent == "affirm":
            intent = "confirm_appointment"
        elif intent == "deny":
            intent = "cant_make_appointment"
        if intent == "confirm_appointment":
            appointment_answer(dispatcher, "confirm")
            dispatcher.utter_message(response="utter_appointment_confirmed")
        elif intent in ("reschedule_appointment", "cancel_appointment"):
            _change_requested(dispatcher, tracker, intent)
        else:  # cant_make_appointment (or a barrier right after a nudge): record, then ask why
            barriers = [b for b in entity_values(tracker, "barrier") if b in BARRIER_VALUES]
            if barriers:
                # "can't make it, no ride": the reason came with the answer; prefilling it
                # completes appointment_reason_form at once and action_appointment_reason
                # records the answer with its reason
                reason = free_text(latest_text(tracker)) or barriers[0]
                return [SlotSet("awaiting", None), SlotSet("appointment_reason", reason)]
            appointment_answer(dispatcher, "cant_make_it")
            return [SlotSet("awaiting", None), SlotSet("appointment_reason", None)]
        return [SlotSet("awaiting", None)]


def _change_requested(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str) -> None:
    """Move or cancel. With a day named ("next week, I got work"), it is recorded on the
    appointment as the requested change and goes to the peer as a request."""
    answer = "reschedule" if intent == "reschedule_appointment" else "cancel"
    text = latest_text(tracker)
    asked = requested_day(text, participant_now(tracker))
    barriers = parse_barriers(text, entity_values(tracker, "barrier")) or []
    barrier = next((b for b in barriers if b in BARRIER_VALUES), None)
    if asked is None:
        appointment_answer(dispatcher, answer, reason=barrier)
        dispatcher.utter_message(
            response="utter_appointment_reschedule"
            if answer == "reschedule"
            else "utter_appointment_cancelled"
        )
        return
    payload(
        dispatcher,
        "appointment_answer",
        answer=answer,
        reason=barrier,
        requested_for=asked.day.isoformat(),
        requested_week=asked.week,
    )
    why = (
        "asked to move an appointment"
        if answer == "reschedule"
        else "asked to cancel an appointment"
    )
    peer_request(dispatcher, reason=why, barrier=barrier)
    if answer == "reschedule":
        dispatcher.utter_message(response="utter_appointment_move_requested", when=asked.label())
    else:
        dispatcher.utter_message(response="utter_appointment_cancel_requested", when=asked.label())


class ActionAppointmentReason(Action):
    """After 'what's getting in the way?': a concrete barrier opens a peer request."""

    def name(self) -> str:
        return "action_appointment_reason"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = free_text(tracker.get_slot("appointment_reason") or "")
        barriers = parse_barriers(reason or "", entity_values(tracker, "barrier"))
        barrier = next((b for b in barriers or [] if b in BARRIER_VALUES), None)
        appointment_answer(dispatcher, "cant_make_it", reason=reason)
        if barrier:
            peer_request(dispatcher, reason="can't make appointment", barrier=barrier)
            dispatcher.utter_message(response="utter_appointment_reason_barrier")
            return [SlotSet("appointment_reason", None), SlotSet("awaiting", None)]
        dispatcher.utter_message(response="utter_appointment_reason_other")
        return [SlotSet("appointment_reason", None), SlotSet("awaiting", "peer_offer")]


class ActionAppointmentInfo(Action):
    """'What time?' / 'Where?' from the nudge's entities or metadata.next_appointment."""

    def name(self) -> str:
        return "action_appointment_info"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        info = _appointment(tracker)
        if latest_intent(tracker) == "ask_appointment_location":
            if info["location"]:
                dispatcher.utter_message(
                    response="utter_appointment_location", location=info["location"]
                )
            else:
                dispatcher.utter_message(response="utter_appointment_location_unknown")
        elif info["when"]:
            dispatcher.utter_message(
                response="utter_appointment_time", kind=info["kind"], when=info["when"]
            )
        else:
            dispatcher.utter_message(response="utter_appointment_time_unknown")
        return []


class ActionMissedAppointment(Action):
    def name(self) -> str:
        return "action_missed_appointment"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = close_checkin(dispatcher, tracker)
        dispatcher.utter_message(response="utter_missed_appointment")
        return [*events, SlotSet("awaiting", "missed_appointment")]
