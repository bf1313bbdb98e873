import pytest
from actions.answers import (
    parse_barriers,
    parse_craving,
    parse_medication,
    parse_mood,
    parse_use,
)
from actions.checkin import (
    ActionAskCraving,
    ActionAskMood,
    ActionAskUse,
    ActionCheckinIntro,
    ActionSubmitCheckin,
    ValidateCheckinForm,
)

from action_helpers import ent, make_tracker, payloads, responses, run_action, slot_events

FORM = "checkin_form"


def answer(intent, text, requested, slots=None, entities=None, active=True):
    """Run validate_checkin_form on one user answer; returns (slot values set, messages)."""
    tracker = make_tracker(
        intent,
        text,
        entities=entities,
        slots={"requested_slot": requested, **(slots or {})},
        active_loop=FORM if active else None,
    )
    events, messages = run_action(ValidateCheckinForm(), tracker)
    bookkeeping = ("requested_slot", "checkin_key", "checkin_digressions")
    values = {k: v for k, v in slot_events(events).items() if k not in bookkeeping}
    return values, messages


# ---- parsers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("4", 4),
        ("5!!", 5),
        ("like a 3", 3),
        ("three", 3),
        ("good", 4),
        ("pretty good", 4),
        ("not great tbh", 2),
        ("rough day", 2),
        ("meh", 3),
        ("terrible", 1),
        ("7", None),
        ("banana", None),
        ("4/5", 4),
    ],
)
def test_parse_mood(text, expected):
    assert parse_mood(text) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("0", 0),
        ("10", 10),
        ("like a 7", 7),
        ("5 out of 10", 5),
        ("none", 0),
        ("no cravings", 0),
        ("low", 2),
        ("high", 8),
        ("really bad", 10),
        ("11", None),
        ("banana", None),
    ],
)
def test_parse_craving(text, expected):
    assert parse_craving(text) == expected


@pytest.mark.parametrize(
    "text,intent,expected",
    [
        ("no", None, "no"),
        ("nope", None, "no"),
        ("didnt use", None, "no"),
        ("still clean", None, "no"),
        ("yes", None, "yes"),
        ("x", "deny", "no"),
        ("x", "affirm", "yes"),
        ("had a couple on saturday at a party", None, "had a couple on saturday at a party"),
    ],
)
def test_parse_use(text, intent, expected):
    assert parse_use(text, intent) == expected


@pytest.mark.parametrize(
    "text,intent,expected",
    [
        ("yes every day", None, "as prescribed"),
        ("took it", None, "as prescribed"),
        ("missed 2 doses", None, "missed doses"),
        ("forgot sunday", None, "missed doses"),
        ("no", None, "missed doses"),
        ("ran out tuesday", None, "ran out"),
        ("x", "med_taken", "as prescribed"),
        ("x", "pharmacy_problem", "pharmacy problem"),
        ("the doctor changed it", None, "the doctor changed it"),
    ],
)
def test_parse_medication(text, intent, expected):
    assert parse_medication(text, intent) == expected


def test_parse_barriers():
    assert parse_barriers("no ride and no money", ["transport"]) == ["transport"]
    assert parse_barriers("no ride and broke", []) == ["transport", "money"]
    assert parse_barriers("nope", []) == ["none"]
    assert parse_barriers("x", [], "deny") == ["none"]
    assert parse_barriers("my landlord", []) == ["my landlord"]


# ---- form validation ---------------------------------------------------------------


def test_number_answer_for_mood():
    values, _ = answer("inform_checkin", "4", "mood", entities=[ent("number", "4")])
    assert values == {"mood": 4}


def test_word_answer_for_craving():
    values, _ = answer(
        "inform_checkin", "cravings kinda high", "craving", entities=[ent("craving", "high")]
    )
    assert values["craving"] == 8


def test_unreadable_answer_is_asked_again():
    values, _ = answer("out_of_scope", "purple", "mood")
    assert values == {"mood": None}


def test_skip_question():
    assert answer("skip_question", "skip", "mood")[0] == {"mood": "skipped"}
    assert answer("skip_question", "pass", "barriers")[0] == {"barriers": ["skipped"]}


def test_interruptions_are_not_answers():
    for intent in (
        "bot_challenge",
        "defer_checkin",
        "risk_return_to_use",
        "request_peer",
        "EXTERNAL_checkin",
    ):
        values, _ = answer(intent, "whatever", "use")
        assert values == {}, intent


def test_use_answers():
    assert answer("deny", "no", "use")[0] == {"use": "no"}
    assert answer("inform_checkin", "no use", "use", entities=[ent("use", "no")])[0] == {
        "use": "no"
    }
    assert answer("out_of_scope", "had one drink", "use")[0] == {"use": "had one drink"}


def test_medication_answers():
    assert answer("med_taken", "took it", "medication")[0] == {"medication": "as prescribed"}
    assert answer("affirm", "yes", "medication")[0] == {"medication": "as prescribed"}
    assert answer("inform_checkin", "missed sunday", "medication")[0] == {
        "medication": "missed doses"
    }


def test_barriers_and_wants_peer_answers():
    assert answer("deny", "nope", "barriers")[0] == {"barriers": ["none"]}
    values, _ = answer(
        "inform_checkin", "need a ride", "barriers", entities=[ent("barrier", "transport")]
    )
    assert values == {"barriers": ["transport"]}
    assert answer("affirm", "yes please", "wants_peer")[0] == {"wants_peer": True}
    assert answer("request_peer", "yes have them call me", "wants_peer")[0] == {"wants_peer": True}
    assert answer("deny", "no thanks", "wants_peer")[0] == {"wants_peer": False}


def test_all_in_one_message_prefills_at_activation():
    # from_entity mappings already set mood/craving/use before the form runs
    tracker = make_tracker(
        "inform_checkin",
        "mood 4 cravings 2 no use took my dose",
        entities=[ent("mood", "4"), ent("craving", "2"), ent("use", "no")],
        slots={"mood": "4", "craving": "2", "use": "no"},
        events=[
            {"event": "user", "text": "mood 4 cravings 2 no use took my dose"},
            {"event": "slot", "name": "mood", "value": "4"},
            {"event": "slot", "name": "craving", "value": "2"},
            {"event": "slot", "name": "use", "value": "no"},
        ],
    )
    # make_tracker appends the user event last; put the slot events after it instead
    tracker.events = tracker.events[-1:] + tracker.events[1:-1]
    events, _ = run_action(ValidateCheckinForm(), tracker)
    values = slot_events(events)
    assert values["mood"] == 4 and values["craving"] == 2 and values["use"] == "no"
    assert values["medication"] == "as prescribed"


def test_answering_another_question_does_not_complain():
    # asked mood, they said "cravings 7": craving is set by the domain mapping, mood is asked again
    tracker = make_tracker(
        "inform_checkin",
        "cravings 7",
        entities=[ent("craving", "7")],
        slots={"requested_slot": "mood", "craving": "7"},
        active_loop=FORM,
    )
    tracker.events.append({"event": "slot", "name": "craving", "value": "7"})  # set by the mapping
    events, _ = run_action(ValidateCheckinForm(), tracker)
    values = slot_events(events)
    assert "mood" not in values and values["craving"] == 7


# ---- asking ------------------------------------------------------------------------


def test_ask_use_emits_context_payload_first():
    _, messages = run_action(
        ActionAskUse(), make_tracker("inform_checkin", slots={"requested_slot": "use"})
    )
    assert messages[0]["custom"] == {"peerline": {"type": "context", "asked": "use"}}
    assert responses(messages) == ["utter_ask_use"]


def test_ask_mood_first_time_and_again():
    first = make_tracker(
        "start_checkin", events=[{"event": "slot", "name": "requested_slot", "value": None}]
    )
    assert responses(run_action(ActionAskMood(), first)[1]) == ["utter_ask_mood"]
    again = make_tracker(
        "nlu_fallback",
        "purple",
        events=[{"event": "slot", "name": "requested_slot", "value": "mood"}],
    )
    assert responses(run_action(ActionAskMood(), again)[1]) == ["utter_ask_mood_again"]
    after_question = make_tracker(
        "bot_challenge", events=[{"event": "slot", "name": "requested_slot", "value": "craving"}]
    )
    assert responses(run_action(ActionAskCraving(), after_question)[1]) == ["utter_ask_craving"]


def test_intro_clears_stale_answers():
    events, messages = run_action(
        ActionCheckinIntro(), make_tracker("EXTERNAL_checkin", slots={"mood": 3})
    )
    assert responses(messages) == ["utter_checkin_intro"]
    assert slot_events(events)["mood"] is None and slot_events(events)["awaiting"] is None


# ---- submitting ----------------------------------------------------------------------

FULL = {
    "mood": 4,
    "craving": 2,
    "use": "no",
    "medication": "as prescribed",
    "barriers": ["transport"],
    "wants_peer": True,
}


def test_complete_checkin_payload_and_peer_request():
    events, messages = run_action(ActionSubmitCheckin(), make_tracker("affirm", slots=FULL))
    [checkin] = payloads(messages, "checkin")
    assert checkin["data"] == {**FULL, "complete": True}
    assert payloads(messages, "peer_request")[0]["barrier"] == "transport"
    assert responses(messages) == ["utter_checkin_done_peer"]
    assert all(v is None for k, v in slot_events(events).items())


def test_complete_checkin_with_skips_and_no_barriers():
    slots = {**FULL, "mood": "skipped", "barriers": ["none"], "wants_peer": False}
    _, messages = run_action(ActionSubmitCheckin(), make_tracker("deny", slots=slots))
    data = payloads(messages, "checkin")[0]["data"]
    assert data["mood"] is None and data["barriers"] == [] and data["wants_peer"] is False
    assert not payloads(messages, "peer_request")
    assert responses(messages) == ["utter_checkin_done"]


def test_deferred_checkin_is_partial():
    tracker = make_tracker(
        "defer_checkin", "later", slots={"mood": 2, "requested_slot": "craving"}, active_loop=FORM
    )
    _, messages = run_action(ActionSubmitCheckin(), tracker)
    data = payloads(messages, "checkin")[0]["data"]
    assert data["mood"] == 2 and data["craving"] is None and data["complete"] is False
    assert responses(messages) == ["utter_checkin_deferred"]


def test_deferred_before_any_answer_sends_no_payload():
    _, messages = run_action(ActionSubmitCheckin(), make_tracker("defer_checkin", "not now"))
    assert not payloads(messages)
    assert responses(messages) == ["utter_checkin_deferred_empty"]


def test_goodbye_mid_checkin_is_silent_partial():
    tracker = make_tracker(
        "goodbye", "bye", slots={"mood": 5, "requested_slot": "craving"}, active_loop=FORM
    )
    _, messages = run_action(ActionSubmitCheckin(), tracker)
    assert payloads(messages, "checkin")[0]["data"]["complete"] is False
    assert responses(messages) == []


def test_unlabelled_number_for_another_question_does_not_overwrite():
    # asked craving; NLU tagged "7" as a mood entity and the mapping set mood="7"
    tracker = make_tracker(
        "inform_checkin",
        "like a 7",
        entities=[ent("mood", "7")],
        slots={"requested_slot": "craving", "mood": "7"},
        active_loop=FORM,
        events=[{"event": "slot", "name": "mood", "value": 4}],
    )
    tracker.events.append({"event": "slot", "name": "mood", "value": "7"})
    events, _ = run_action(ValidateCheckinForm(), tracker)
    values = slot_events(events)
    assert values["craving"] == 7 and values["mood"] == 4


def test_labelled_number_prefills_without_entity():
    tracker = make_tracker(
        "inform_checkin", "mood 4 cravings 2 no use", entities=[ent("mood", "4")]
    )
    events, _ = run_action(ValidateCheckinForm(), tracker)
    assert slot_events(events)["craving"] == 2


def test_other_entity_with_deny_is_asked_again_not_rejected():
    values, _ = answer("deny", "no ride", "mood", entities=[ent("barrier", "transport")])
    assert values == {"mood": None}


def test_label_beats_a_mistagged_entity():
    tracker = make_tracker(
        "inform_checkin",
        "mood 4 cravings 2 no use",
        entities=[ent("mood", "2")],
        slots={"mood": "2"},
    )
    tracker.events.append({"event": "slot", "name": "mood", "value": "2"})
    events, _ = run_action(ValidateCheckinForm(), tracker)
    assert slot_events(events)["mood"] == 4 and slot_events(events)["craving"] == 2
