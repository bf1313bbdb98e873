from actions.appointments import (
    ActionAppointmentAnswer,
    ActionAppointmentInfo,
    ActionAppointmentNudge,
    ActionAppointmentReason,
    ActionMissedAppointment,
)

from action_helpers import META, ent, make_tracker, payloads, responses, run_action, slot_events

NUDGE_SLOTS = {
    "appointment_time": "2026-11-24T15:00:00-05:00",
    "appointment_kind": "prescriber visit",
}


def test_nudge_uses_entities_and_waits_for_answer():
    events, messages = run_action(
        ActionAppointmentNudge(), make_tracker("EXTERNAL_appointment_nudge", slots=NUDGE_SLOTS)
    )
    assert messages[0]["response"] == "utter_appointment_nudge"
    assert (
        messages[0]["when"] == "Tue Nov 24 at 3:00 PM" and messages[0]["kind"] == "prescriber visit"
    )
    assert slot_events(events) == {"awaiting": "appointment"}


def test_nudge_without_time_still_reads_well():
    _, messages = run_action(ActionAppointmentNudge(), make_tracker("EXTERNAL_appointment_nudge"))
    assert messages[0]["kind"] == "appointment" and messages[0]["when"] == "coming up soon"


def test_nudge_closes_open_checkin_with_partial():
    tracker = make_tracker(
        "EXTERNAL_appointment_nudge", slots={**NUDGE_SLOTS, "mood": 4}, active_loop="checkin_form"
    )
    events, messages = run_action(ActionAppointmentNudge(), tracker)
    assert payloads(messages, "checkin")[0]["data"]["mood"] == 4
    assert slot_events(events)["mood"] is None


def test_answers():
    for intent, awaiting, answer, response in [
        ("confirm_appointment", "appointment", "confirm", "utter_appointment_confirmed"),
        ("affirm", "appointment", "confirm", "utter_appointment_confirmed"),
        ("reschedule_appointment", None, "reschedule", "utter_appointment_reschedule"),
        ("cancel_appointment", "appointment", "cancel", "utter_appointment_cancelled"),
        ("affirm", "missed_appointment", "reschedule", "utter_appointment_reschedule"),
    ]:
        events, messages = run_action(
            ActionAppointmentAnswer(), make_tracker(intent, slots={"awaiting": awaiting})
        )
        assert payloads(messages, "appointment_answer") == [
            {"type": "appointment_answer", "answer": answer, "reason": None}
        ], intent
        assert responses(messages) == [response]
        assert slot_events(events)["awaiting"] is None


def test_cant_make_it_records_and_leaves_question_to_the_form():
    for intent in ("cant_make_appointment", "deny"):
        events, messages = run_action(
            ActionAppointmentAnswer(), make_tracker(intent, slots={"awaiting": "appointment"})
        )
        assert payloads(messages, "appointment_answer")[0]["answer"] == "cant_make_it"
        assert (
            responses(messages) == []
        )  # utter_ask_appointment_reason comes from appointment_reason_form
        assert slot_events(events) == {"awaiting": None, "appointment_reason": None}


def test_cant_make_it_with_barrier_prefills_reason():
    tracker = make_tracker(
        "cant_make_appointment", "cant make it no ride", entities=[ent("barrier", "transport")]
    )
    events, messages = run_action(ActionAppointmentAnswer(), tracker)
    assert slot_events(events)["appointment_reason"] == "cant make it no ride"
    assert not payloads(messages)  # action_appointment_reason records it, with the reason


def test_reason_with_barrier_opens_peer_request():
    tracker = make_tracker(
        "inform_checkin", "my car broke down", slots={"appointment_reason": "my car broke down"}
    )
    events, messages = run_action(ActionAppointmentReason(), tracker)
    assert payloads(messages, "appointment_answer") == [
        {"type": "appointment_answer", "answer": "cant_make_it", "reason": "my car broke down"}
    ]
    assert payloads(messages, "peer_request")[0]["barrier"] == "transport"
    assert responses(messages) == ["utter_appointment_reason_barrier"]
    assert slot_events(events) == {"appointment_reason": None, "awaiting": None}


def test_reason_without_barrier_offers_peer():
    tracker = make_tracker(
        "out_of_scope", "i have the flu", slots={"appointment_reason": "i have the flu"}
    )
    events, messages = run_action(ActionAppointmentReason(), tracker)
    assert not payloads(messages, "peer_request")
    assert responses(messages) == ["utter_appointment_reason_other"]
    assert slot_events(events)["awaiting"] == "peer_offer"


def test_time_and_location_from_slots_and_metadata():
    _, messages = run_action(
        ActionAppointmentInfo(), make_tracker("ask_appointment_time", slots=NUDGE_SLOTS)
    )
    assert (
        messages[0]["response"] == "utter_appointment_time"
        and messages[0]["when"] == "Tue Nov 24 at 3:00 PM"
    )
    _, messages = run_action(
        ActionAppointmentInfo(), make_tracker("ask_appointment_location", metadata=META)
    )
    assert (
        messages[0]["response"] == "utter_appointment_location"
        and messages[0]["location"] == "the clinic"
    )


def test_time_and_location_unknown():
    _, messages = run_action(ActionAppointmentInfo(), make_tracker("ask_appointment_time"))
    assert responses(messages) == ["utter_appointment_time_unknown"]
    _, messages = run_action(
        ActionAppointmentInfo(), make_tracker("ask_appointment_location", slots=NUDGE_SLOTS)
    )
    assert responses(messages) == ["utter_appointment_location_unknown"]


def test_missed_appointment_is_kind_and_waits():
    events, messages = run_action(
        ActionMissedAppointment(), make_tracker("EXTERNAL_missed_appointment")
    )
    assert responses(messages) == ["utter_missed_appointment"]
    assert slot_events(events) == {"awaiting": "missed_appointment"}
