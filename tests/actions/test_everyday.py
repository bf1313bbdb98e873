from actions.everyday import (
    ActionAnswerYesNo,
    ActionGreet,
    ActionNextAppointment,
    ActionOfferPeer,
    ActionPeerRequest,
    ActionProgramInfo,
    ActionResources,
    ActionRiskSignal,
)

from action_helpers import META, make_tracker, payloads, responses, run_action, slot_events


def test_greet_uses_alias_from_metadata():
    events, messages = run_action(ActionGreet(), make_tracker("greet", "hi", metadata=META))
    assert messages[0]["response"] == "utter_greet_name"
    assert messages[0]["alias"] == "Sam"
    assert slot_events(events) == {"awaiting": "checkin_offer"}


def test_greet_without_metadata_is_generic():
    _, messages = run_action(ActionGreet(), make_tracker("greet", "hey"))
    assert responses(messages) == ["utter_greet"]


def test_greet_alias_made_sms_safe():
    meta = {"peerline": {"participant": {"alias": "\u2018Jo\u2019 " + "x" * 50}}}
    _, messages = run_action(ActionGreet(), make_tracker("greet", "hi", metadata=meta))
    assert messages[0]["alias"].startswith("'Jo'") and len(messages[0]["alias"]) <= 30


def test_program_info_from_metadata_and_default():
    _, messages = run_action(ActionProgramInfo(), make_tracker("ask_program", metadata=META))
    assert messages[0]["program"] == "Peerline" and messages[0]["contact"] == "(212) 555-0199"
    _, messages = run_action(ActionProgramInfo(), make_tracker("ask_program"))
    assert messages[0]["response"] == "utter_program_info" and messages[0]["program"]


def test_next_appointment_from_metadata():
    events, messages = run_action(
        ActionNextAppointment(), make_tracker("ask_next_appointment", metadata=META)
    )
    assert messages[0]["response"] == "utter_next_appointment"
    assert messages[0]["when"] == "Tue Nov 24 at 3:00 PM"
    assert messages[0]["kind"] == "prescriber visit"
    assert slot_events(events) == {"awaiting": None}


def test_no_next_appointment_offers_peer():
    meta = {"peerline": {"next_appointment": None}}
    events, messages = run_action(
        ActionNextAppointment(), make_tracker("ask_next_appointment", metadata=meta)
    )
    assert responses(messages) == ["utter_no_appointment"]
    assert slot_events(events) == {"awaiting": "peer_offer"}


def test_resources_from_metadata():
    _, messages = run_action(ActionResources(), make_tracker("ask_naloxone", metadata=META))
    assert messages[0]["text"] == META["peerline"]["resources"]["naloxone"]
    _, messages = run_action(ActionResources(), make_tracker("ask_test_strips", metadata=META))
    assert messages[0]["text"] == META["peerline"]["resources"]["test_strips"]


def test_resources_default_when_missing():
    _, messages = run_action(ActionResources(), make_tracker("ask_test_strips"))
    assert responses(messages) == ["utter_test_strips_default"]
    _, messages = run_action(ActionResources(), make_tracker("ask_naloxone"))
    assert responses(messages) == ["utter_naloxone_default"]


def test_peer_request_payload_and_reply():
    events, messages = run_action(
        ActionPeerRequest(), make_tracker("request_peer", "can i talk to my peer")
    )
    [request] = payloads(messages, "peer_request")
    assert request["reason"] and request["barrier"] is None
    assert responses(messages) == ["utter_peer_requested"]
    assert slot_events(events) == {"awaiting": None}


def test_peer_request_during_checkin_keeps_partial_checkin():
    tracker = make_tracker(
        "request_peer", active_loop="checkin_form", slots={"mood": 2, "requested_slot": "craving"}
    )
    events, messages = run_action(ActionPeerRequest(), tracker)
    [checkin] = payloads(messages, "checkin")
    assert checkin["data"]["mood"] == 2 and checkin["data"]["wants_peer"] is True
    assert checkin["data"]["complete"] is False
    assert payloads(messages, "peer_request")
    assert slot_events(events)["mood"] is None


def test_offer_peer_for_out_of_scope_and_fallback():
    events, messages = run_action(
        ActionOfferPeer(), make_tracker("out_of_scope", "this traffic is killing me")
    )
    assert responses(messages) == ["utter_out_of_scope"]
    assert slot_events(events) == {"awaiting": "peer_offer"}
    assert not payloads(messages)
    _, messages = run_action(ActionOfferPeer(), make_tracker("nlu_fallback", "asdfgh"))
    assert responses(messages) == ["utter_fallback"]


def test_fallback_whose_best_guess_is_risk_signals_risk():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "risk_suicidal", "confidence": 0.41},
        {"name": "out_of_scope", "confidence": 0.3},
    ]
    events, messages = run_action(
        ActionOfferPeer(), make_tracker("nlu_fallback", "idk anymore", ranking=ranking)
    )
    [risk] = payloads(messages, "risk")
    assert risk == {"type": "risk", "intent": "risk_suicidal", "confidence": 0.41}
    assert responses(messages) == ["utter_fallback_risk"]
    assert slot_events(events) == {"awaiting": "peer_offer"}


def test_risk_signal_for_each_risk_intent():
    for intent in ("risk_suicidal", "risk_overdose_now", "risk_return_to_use", "risk_using_alone"):
        events, messages = run_action(
            ActionRiskSignal(), make_tracker(intent, "...", confidence=0.991234)
        )
        assert messages[0] == {
            **messages[0],
            "custom": {"peerline": {"type": "risk", "intent": intent, "confidence": 0.9912}},
        }
        assert responses(messages) == [f"utter_{intent}"]
        assert slot_events(events) == {"awaiting": "peer_offer"}


def test_an_unsure_overdose_reading_gets_the_gentle_reply_not_rescue_steps():
    """ "I used last night and feel like garbage" can read as overdose-now with middling
    confidence: "call 911 now" would be wrong, so only a calibrated, sure reading gets it."""
    from actions.common import rescue_from

    sure, unsure = rescue_from() + 0.01, rescue_from() - 0.2
    _, messages = run_action(
        ActionRiskSignal(), make_tracker("risk_overdose_now", "...", confidence=sure)
    )
    assert responses(messages) == ["utter_risk_overdose_now"]
    _, messages = run_action(
        ActionRiskSignal(), make_tracker("risk_overdose_now", "...", confidence=unsure)
    )
    assert responses(messages) == ["utter_fallback_risk"]
    assert payloads(messages, "risk")  # the screen still gets the reading


def test_risk_replies_mention_988_and_911():
    from action_helpers import DOMAIN

    for response in (
        "risk_suicidal",
        "risk_overdose_now",
        "risk_return_to_use",
        "risk_using_alone",
        "fallback_risk",
    ):
        for variant in DOMAIN["responses"][f"utter_{response}"]:
            assert "988" in variant["text"] and "911" in variant["text"]


def test_risk_at_use_question_keeps_disclosure_in_partial_checkin():
    tracker = make_tracker(
        "risk_return_to_use",
        "yeah i used friday",
        active_loop="checkin_form",
        slots={"mood": 3, "craving": 6, "requested_slot": "use"},
    )
    events, messages = run_action(ActionRiskSignal(), tracker)
    kinds = [p["type"] for p in payloads(messages)]
    assert kinds == ["risk", "checkin"]
    checkin = payloads(messages, "checkin")[0]["data"]
    assert (
        checkin["use"] == "yeah i used friday"
        and checkin["craving"] == 6
        and checkin["complete"] is False
    )
    assert slot_events(events)["use"] is None


def test_yes_no_in_context():
    cases = [
        ("affirm", "peer_offer", "peer_request", "utter_peer_requested"),
        ("affirm", "appointment", "appointment_answer", "utter_appointment_confirmed"),
        ("affirm", "missed_appointment", "appointment_answer", "utter_missed_reschedule"),
        ("affirm", "medication", "checkin", "utter_med_taken"),
        ("deny", "medication", "checkin", "utter_med_not_yet"),
        ("deny", "peer_offer", None, "utter_no_problem"),
        ("affirm", None, None, "utter_how_can_i_help"),
    ]
    for intent, awaiting, kind, response in cases:
        events, messages = run_action(
            ActionAnswerYesNo(), make_tracker(intent, slots={"awaiting": awaiting})
        )
        assert responses(messages) == [response], (intent, awaiting)
        assert [p["type"] for p in payloads(messages)] == ([kind] if kind else []), (
            intent,
            awaiting,
        )
        assert slot_events(events) == {"awaiting": None}
    _, messages = run_action(
        ActionAnswerYesNo(), make_tracker("affirm", slots={"awaiting": "missed_appointment"})
    )
    assert payloads(messages, "appointment_answer")[0]["answer"] == "reschedule"
