"""Everyday talk, peer requests, fallbacks and risk signals."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    close_checkin,
)
from actions.common import (
    RISK_INTENTS,
    appointment_answer,
    format_when,
    free_text,
    gsm_safe,
    latest_confidence,
    latest_intent,
    latest_text,
    participant_alias,
    payload,
    peer_request,
    peerline_metadata,
    rescue_from,
)

DEFAULT_PROGRAM = "Peerline"
DEFAULT_CONTACT = "your program"


class ActionGreet(Action):
    """Greets by alias (metadata.peerline.participant.alias) and offers a check-in."""

    def name(self) -> str:
        return "action_greet"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        alias = participant_alias(tracker)
        if alias:
            dispatcher.utter_message(response="utter_greet_name", alias=alias)
        else:
            dispatcher.utter_message(response="utter_greet")
        return [SlotSet("awaiting", "checkin_offer")]


class ActionProgramInfo(Action):
    def name(self) -> str:
        return "action_program_info"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        program = peerline_metadata(tracker).get("program") or {}
        name = gsm_safe(str(program.get("name") or DEFAULT_PROGRAM))[:40]
        contact = gsm_safe(str(program.get("support_contact") or DEFAULT_CONTACT))[:40]
        dispatcher.utter_message(response="utter_program_info", program=name, contact=contact)
        return []


class ActionNextAppointment(Action):
    """Answers 'when is my next appointment' from metadata.peerline.next_appointment."""

    def name(self) -> str:
        return "action_next_appointment"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        appointment = peerline_metadata(tracker).get("next_appointment") or {}
        when = format_when(appointment.get("at")) if isinstance(appointment, dict) else None
        if not when:
            dispatcher.utter_message(response="utter_no_appointment")
            return [SlotSet("awaiting", "peer_offer")]
        kind = gsm_safe(str(appointment.get("kind") or "appointment"))[:40]
        dispatcher.utter_message(response="utter_next_appointment", kind=kind, when=when)
        return [SlotSet("awaiting", None)]


class ActionResources(Action):
    """Naloxone and test-strip info: the program's text from metadata, else a default."""

    def name(self) -> str:
        return "action_resources"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        key = "test_strips" if latest_intent(tracker) == "ask_test_strips" else "naloxone"
        resources = peerline_metadata(tracker).get("resources") or {}
        text = resources.get(key) if isinstance(resources, dict) else None
        if isinstance(text, str) and text.strip():
            dispatcher.utter_message(text=gsm_safe(text.strip()))
        else:
            dispatcher.utter_message(response=f"utter_{key}_default")
        return []


class ActionPeerRequest(Action):
    """Participant asked for their peer: peer_request payload and a reassuring reply.
    Ends an open check-in (what was answered is kept as a partial check-in)."""

    def name(self) -> str:
        return "action_peer_request"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = close_checkin(dispatcher, tracker, wants_peer=True)
        if latest_intent(tracker) == "request_peer":
            reason = "participant asked for their peer"
        else:
            reason = "participant accepted the offer of a peer"
        peer_request(dispatcher, reason=reason)
        dispatcher.utter_message(response="utter_peer_requested")
        return [*events, SlotSet("awaiting", None)]


class ActionOfferPeer(Action):
    """Out of scope or not understood: never a dead end, always offer the peer.
    If the classifier's best guess was a risk intent, treat it as a risk signal."""

    def name(self) -> str:
        return "action_offer_peer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        ranking = [
            r
            for r in (tracker.latest_message or {}).get("intent_ranking") or []
            if r.get("name") != "nlu_fallback"
        ]
        if (
            latest_intent(tracker) == "nlu_fallback"
            and ranking
            and ranking[0].get("name") in RISK_INTENTS
        ):
            # Unsure, but the best guess is a risk intent: tell the safety screen (it weighs
            # the confidence) and reply gently with 988/911 plus the offer of a peer.
            conf = ranking[0].get("confidence")
            payload(
                dispatcher,
                "risk",
                intent=ranking[0]["name"],
                confidence=round(float(conf), 4) if conf is not None else None,
            )
            dispatcher.utter_message(response="utter_fallback_risk")
            return [SlotSet("awaiting", "peer_offer")]
        if latest_intent(tracker) == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(response="utter_fallback")
        return [SlotSet("awaiting", "peer_offer")]


def emit_risk(
    dispatcher: CollectingDispatcher, tracker: Tracker, intent: str, confidence: Any
) -> list[EventType]:
    """Risk payload first (most urgent), then close an open check-in, then the reply."""
    conf = round(float(confidence), 4) if confidence is not None else None
    payload(dispatcher, "risk", intent=intent, confidence=conf)
    overrides: dict[str, Any] = {}
    if tracker.get_slot("requested_slot") == "use":
        # the answer to "any use?" is itself the disclosure: keep it with the partial check-in
        overrides["use"] = free_text(latest_text(tracker))
    events = close_checkin(dispatcher, tracker, **overrides)
    if intent == "risk_overdose_now" and (conf is None or conf < rescue_from()):
        # not sure enough for "call 911 now" (a past use felt badly reads like this): the
        # gentle reply with 988, 911 and a peer; the safety screen decides on a case
        dispatcher.utter_message(response="utter_fallback_risk")
    else:
        dispatcher.utter_message(response=f"utter_{intent}")
    # a "yes" after this asks for the peer (never a cheerful generic reply after a crisis)
    return [*events, SlotSet("awaiting", "peer_offer")]


class ActionRiskSignal(Action):
    """All risk_* intents: risk payload for the gateway's safety screen and a brief, warm
    reply with 988 and 911. Ends an open check-in (partial check-in kept)."""

    def name(self) -> str:
        return "action_risk_signal"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker)
        if intent not in RISK_INTENTS:
            intent = "risk_suicidal" if intent is None else intent
        return emit_risk(dispatcher, tracker, intent, latest_confidence(tracker))


class ActionAnswerYesNo(Action):
    """A bare yes/no: what it means depends on what the bot asked last (slot `awaiting`)."""

    def name(self) -> str:
        return "action_answer_yes_no"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        yes = latest_intent(tracker) == "affirm"
        awaiting = tracker.get_slot("awaiting")
        if awaiting == "peer_offer" and yes:
            peer_request(dispatcher, reason="participant accepted the offer of a peer")
            dispatcher.utter_message(response="utter_peer_requested")
        elif awaiting == "appointment" and yes:
            appointment_answer(dispatcher, "confirm")
            dispatcher.utter_message(response="utter_appointment_confirmed")
        elif awaiting == "missed_appointment" and yes:
            appointment_answer(dispatcher, "reschedule", reason="missed appointment follow-up")
            dispatcher.utter_message(response="utter_missed_reschedule")
        elif awaiting == "medication":
            medication = "as prescribed" if yes else "not yet"
            payload(dispatcher, "checkin", data=medication_only(medication))
            dispatcher.utter_message(response="utter_med_taken" if yes else "utter_med_not_yet")
        elif yes:
            dispatcher.utter_message(response="utter_how_can_i_help")
        else:
            dispatcher.utter_message(response="utter_no_problem")
        return [SlotSet("awaiting", None)]


def medication_only(medication: str) -> dict[str, Any]:
    """A medication-only partial check-in (answer to a medication nudge)."""
    return {
        "mood": None,
        "craving": None,
        "use": None,
        "medication": medication,
        "barriers": None,
        "wants_peer": None,
        "complete": False,
    }
