from actions.medication import ActionMedicationAnswer, ActionMedicationNudge, ActionReengage

from action_helpers import ent, make_tracker, payloads, responses, run_action, slot_events


def test_nudge_waits_for_answer():
    events, messages = run_action(
        ActionMedicationNudge(), make_tracker("EXTERNAL_medication_nudge")
    )
    assert responses(messages) == ["utter_medication_nudge"]
    assert slot_events(events) == {"awaiting": "medication"}


def test_taken_and_not_yet_store_medication_only_checkin():
    for intent, value, response in [
        ("med_taken", "as prescribed", "utter_med_taken"),
        ("med_not_yet", "not yet", "utter_med_not_yet"),
    ]:
        events, messages = run_action(
            ActionMedicationAnswer(), make_tracker(intent, slots={"awaiting": "medication"})
        )
        [checkin] = payloads(messages, "checkin")
        assert checkin["data"]["medication"] == value and checkin["data"]["complete"] is False
        assert checkin["data"]["mood"] is None
        assert not payloads(messages, "peer_request")
        assert responses(messages) == [response]
        assert slot_events(events) == {"awaiting": None}


def test_problems_open_peer_request():
    _, messages = run_action(ActionMedicationAnswer(), make_tracker("med_ran_out", "i ran out"))
    assert payloads(messages, "peer_request")[0] == {
        "type": "peer_request",
        "reason": "ran out of medication",
        "barrier": "pharmacy",
    }
    assert responses(messages) == ["utter_med_problem"]
    _, messages = run_action(
        ActionMedicationAnswer(),
        make_tracker(
            "pharmacy_problem", "insurance denied it", entities=[ent("barrier", "insurance")]
        ),
    )
    assert payloads(messages, "peer_request")[0]["barrier"] == "insurance"
    assert payloads(messages, "checkin")[0]["data"]["medication"] == "pharmacy problem"


def test_reengage_offers_checkin():
    events, messages = run_action(ActionReengage(), make_tracker("EXTERNAL_reengage"))
    assert responses(messages) == ["utter_reengage"]
    assert slot_events(events) == {"awaiting": "checkin_offer"}
