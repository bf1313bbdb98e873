"""Issue 14: answers kept as given, nothing asked twice, digressions, hand-back, new talk."""

import re
from datetime import datetime

import pytest
from actions.appointments import ActionAppointmentAnswer
from actions.checkin import (
    ActionAskBarriers,
    ActionAskMood,
    ActionCheckinIntro,
    ActionSubmitCheckin,
    ValidateCheckinForm,
)
from actions.checkin_asks import ActionAlreadyTold
from actions.dates import requested_day
from actions.reflect import reflection
from actions.talk import ActionFeeling, ActionHandback

from action_helpers import ent, make_tracker, payloads, responses, run_action, slot_events

FORM = "checkin_form"
ASKED_MOOD = [{"event": "slot", "name": "requested_slot", "value": "mood"}]
# minimum-necessary: nothing that names a substance, a dose, a clinic or a diagnosis
FORBIDDEN = re.compile(
    r"\b(opioid|heroin|fentanyl|bupe|buprenorphine|suboxone|methadone|naloxone|narcan|dose|"
    r"dosing|clinic|oud|disorder|addiction|relapse|drug)\w*",
    re.I,
)


def validate(intent, text, requested, slots=None, entities=None):
    tracker = make_tracker(
        intent,
        text,
        entities=entities,
        slots={"requested_slot": requested, **(slots or {})},
        active_loop=FORM,
    )
    return run_action(ValidateCheckinForm(), tracker)


# ---- 1. answers are stored as they are given ------------------------------------------


def test_each_answer_is_sent_at_once_under_the_checkins_key():
    events, messages = validate("inform_checkin", "2", "mood", slots={"checkin_key": "k1"})
    [progress] = payloads(messages, "checkin")
    assert progress["key"] == "k1"
    assert progress["data"]["mood"] == 2 and progress["data"]["complete"] is False
    assert "checkin_key" not in slot_events(events)  # the key stays the same


def test_a_checkin_started_by_an_answer_gets_a_key():
    events, messages = validate("inform_checkin", "2 and cravings 9", "mood")
    key = slot_events(events)["checkin_key"]
    assert key and payloads(messages, "checkin")[0]["key"] == key


def test_an_unreadable_answer_sends_nothing():
    _, messages = validate("nlu_fallback", "purple", "mood", slots={"checkin_key": "k1"})
    assert payloads(messages, "checkin") == []


def test_intro_starts_a_new_record():
    events, _ = run_action(ActionCheckinIntro(), make_tracker("start_checkin"))
    values = slot_events(events)
    assert values["checkin_key"] and values["checkin_digressions"] is None


def test_submit_uses_the_same_key():
    slots = {
        "checkin_key": "k1",
        "mood": 4,
        "craving": 1,
        "use": "no",
        "medication": "as prescribed",
        "barriers": ["none"],
        "wants_peer": False,
    }
    events, messages = run_action(ActionSubmitCheckin(), make_tracker("deny", slots=slots))
    [final] = payloads(messages, "checkin")
    assert final["key"] == "k1" and final["data"]["complete"] is True
    assert slot_events(events)["checkin_key"] is None


# ---- 2. slots filled from anything already said ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "mood 4, no cravings, no use, took it, nothing in the way",
        "4 no cravings no use, no problems this week",
        "good. cravings none. nothing getting in my way",
    ],
)
def test_what_was_said_up_front_is_never_asked(text):
    events, _ = validate("inform_checkin", text, "mood")
    values = slot_events(events)
    assert values["craving"] == 0
    assert values["barriers"] == ["none"]


def test_nothing_none_all_good_answer_the_question_asked():
    assert slot_events(validate("deny", "nothing", "craving")[0])["craving"] == 0
    assert slot_events(validate("affirm", "all good", "barriers")[0])["barriers"] == ["none"]
    assert slot_events(validate("deny", "none", "use")[0])["use"] == "no"


# ---- 3. digressions ---------------------------------------------------------------------


def test_first_digression_asks_again_once_then_offers_to_finish_later():
    first = make_tracker("bot_challenge", slots={"requested_slot": "mood"}, events=ASKED_MOOD)
    events, messages = run_action(ActionAskMood(), first)
    assert responses(messages) == ["utter_ask_mood"]
    assert slot_events(events)["checkin_digressions"] == 1
    second = make_tracker(
        "ask_next_appointment",
        slots={"requested_slot": "mood", "checkin_digressions": 1.0},
        events=ASKED_MOOD,
    )
    events, messages = run_action(ActionAskMood(), second)
    assert responses(messages) == ["utter_checkin_finish_later"]
    assert slot_events(events)["checkin_digressions"] == 2


def test_small_talk_is_answered_with_a_way_to_a_person():
    chat = make_tracker("out_of_scope", "lol my cat", events=ASKED_MOOD)
    _, messages = run_action(ActionAskMood(), chat)
    assert responses(messages) == ["utter_checkin_smalltalk", "utter_ask_mood"]


def test_every_reply_inside_a_checkin_offers_a_person(domain_texts):
    for name in (
        "utter_ask_mood_again",
        "utter_ask_craving_again",
        "utter_checkin_smalltalk",
        "utter_checkin_finish_later",
    ):
        assert "PEER" in domain_texts[name], name


def test_already_told_skips_the_question_asked():
    tracker = make_tracker("already_told", slots={"requested_slot": "barriers"}, active_loop=FORM)
    events, messages = run_action(ActionAlreadyTold(), tracker)
    assert responses(messages) == ["utter_already_told_sorry"]
    assert slot_events(events) == {"barriers": ["skipped"]}
    outside = run_action(ActionAlreadyTold(), make_tracker("already_told"))
    assert responses(outside[1]) == ["utter_already_told"]


@pytest.mark.parametrize(
    "text", ["30 days clean today 🎉", "6 months sober!!", "clean for 2 weeks"]
)
def test_a_milestone_read_as_checkin_information_is_celebrated_first(text):
    _, messages = run_action(ActionAskMood(), make_tracker("inform_checkin", text))
    assert responses(messages) == ["utter_good_news", "utter_ask_mood"]


def test_barriers_question_is_asked_plainly():
    _, messages = run_action(ActionAskBarriers(), make_tracker("inform_checkin"))
    assert responses(messages) == ["utter_ask_barriers"]


# ---- 4. hand-back -------------------------------------------------------------------------


def test_hand_back_forgets_the_stale_question():
    tracker = make_tracker(
        "EXTERNAL_handback",
        slots={"awaiting": "peer_offer", "mood": 2, "requested_slot": "use"},
        active_loop=FORM,
    )
    events, messages = run_action(ActionHandback(), tracker)
    values = slot_events(events)
    assert responses(messages) == ["utter_handback"]
    assert values["awaiting"] is None and values["mood"] is None
    assert payloads(messages) == []  # answers were stored when given


# ---- 5. new understanding -------------------------------------------------------------------

MONDAY = datetime(2026, 11, 30, 9, 0)


@pytest.mark.parametrize(
    "text,label",
    [
        ("can i move my appt to next week, got work", "the week of Mon Dec 7"),
        ("can we do friday instead", "Fri Dec 4"),
        ("move it to the 12th pls", "Sat Dec 12"),
        ("dec 8?", "Tue Dec 8"),
        ("el lunes", "Mon Dec 7"),
        ("in two weeks", "the week of Mon Dec 14"),
        ("tmrw", "Tue Dec 1"),
    ],
)
def test_the_day_asked_for_is_read(text, label):
    found = requested_day(text, MONDAY)
    assert found is not None and found.label() == label


def test_no_day_named_is_none():
    assert requested_day("can i reschedule", MONDAY) is None


def test_moving_with_a_day_is_recorded_and_sent_to_the_peer():
    tracker = make_tracker(
        "reschedule_appointment",
        "can we move it to next week? work",
        entities=[ent("barrier", "work")],
    )
    _, messages = run_action(ActionAppointmentAnswer(), tracker)
    [answer] = payloads(messages, "appointment_answer")
    assert answer["answer"] == "reschedule" and answer["requested_week"] is True
    assert answer["requested_for"] and answer["reason"] == "work"
    [request] = payloads(messages, "peer_request")
    assert request["reason"] == "asked to move an appointment" and request["barrier"] == "work"
    assert responses(messages) == ["utter_appointment_move_requested"]


def test_feelings_without_words_offer_the_peer():
    events, messages = run_action(ActionFeeling(), make_tracker("share_feeling_emoji", "😢"))
    assert responses(messages) == ["utter_feeling_ack"]
    assert slot_events(events)["awaiting"] == "peer_offer"


# ---- 6. the acknowledgement -------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,expected",
    [
        ({"mood": 2, "craving": 9}, "hard"),
        ({"mood": 5, "craving": 0}, "great"),
        ({"mood": 4, "craving": 1}, "cravings are low"),
        ({"mood": None, "craving": None, "barriers": ["work"]}, "getting in the way"),
        ({}, "effort"),
    ],
)
def test_the_acknowledgement_reflects_what_was_said(data, expected, domain_texts):
    said = reflection(data)
    assert expected in said
    for name in ("utter_checkin_done", "utter_checkin_done_peer"):
        text = domain_texts[name].replace("{reflection}", said)
        assert len(text) <= 160 and not FORBIDDEN.search(text), text


def test_complete_checkin_reply_carries_the_reflection():
    slots = {
        "mood": 2,
        "craving": 8,
        "use": "no",
        "medication": "as prescribed",
        "barriers": ["none"],
        "wants_peer": False,
    }
    _, messages = run_action(ActionSubmitCheckin(), make_tracker("deny", slots=slots))
    [done] = [m for m in messages if m.get("response")]
    assert done["response"] == "utter_checkin_done"
    assert "hard" in done["reflection"] and "cravings" in done["reflection"]


@pytest.fixture
def domain_texts():
    from action_helpers import DOMAIN

    return {name: variants[0]["text"] for name, variants in DOMAIN["responses"].items()}
