"""Crisis words in a non-crisis (issue 14): the scope of a negation, a use that the next
clause says did not happen, an overdose asked about as "what if", and naloxone questions,
each beside the look-alike that must still reach a human.

All messages here are synthetic.
"""

from __future__ import annotations

import pytest

from escalation import triage
from escalation.screen import Level, screen


def codes(text: str) -> set[str]:
    return {reason.code for reason in screen(text).reasons}


# --- negation: what a negator's scope holds -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "i havent used, havent drank, havent smoked. the bus just never came",
        "I have not used since I got out of detox and I'm not going to",
        "i didnt use heroin or pills or anything all week, just tired from the bus",
        "craving bad after the eviction notice but i have not used",
        "landlord raised the rent and the 14 bus never came, but I have NOT used, not once",
    ],
)
def test_a_denied_use_is_not_a_relapse(text: str) -> None:
    assert screen(text).level < Level.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "i almost used last night but i didnt",
        "i was gonna pick up after the eviction notice but i didnt",
        "wanted to get high so bad but i held off and called my sponsor",
    ],
)
def test_a_use_resisted_is_a_craving_for_the_peer_not_a_page(text: str) -> None:
    assert screen(text).level == Level.SUPPORT
    assert "high_craving" in codes(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("i didnt use heroin, i used fent last night", "return_to_use"),
        ("I did not use meth, I used dope, the blues from the new guy", "return_to_use"),
        ("i havent used in 6 months and i just used tonight", "low_tolerance"),
        ("i didnt think id use but i did", "return_to_use"),
        ("havent used since jail and i have a bag, gonna do it tonight", "low_tolerance"),
        ("i wanted to get high but i didnt, then i used fent last night alone", "using_alone"),
    ],
)
def test_a_use_beside_a_denied_one_still_reaches_a_human(text: str, code: str) -> None:
    assert screen(text).level >= Level.URGENT
    assert code in codes(text)


def test_a_suicidal_thought_not_acted_on_is_still_the_risk() -> None:
    assert screen("i thought about killing myself but i didnt").level >= Level.URGENT


def test_a_plan_to_use_that_is_denied_is_no_plan() -> None:
    assert screen("havent used in 3 months, not gonna use now").level < Level.URGENT


# --- "what if": an overdose asked about for nobody in particular ----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "if someone is overdosing do I spray the narcan first or call 911 first? asking so I know",
        "what do you do if someone wont wake up after using? its for my training",
        "how do you know if someone is overdosing",
        "should i call 911 if someone od's, or will they arrest me",
    ],
)
def test_an_overdose_asked_about_is_not_an_emergency(text: str) -> None:
    assert screen(text).level < Level.URGENT


@pytest.mark.parametrize(
    "text",
    [
        "He's not breathing, where is the narcan",
        "if he wont wake up do i call 911",
        "my friend is turning blue what do i do",
        "someone overdosed in the bathroom, what do i do",
        "what if someone isnt breathing right now, my roommate is blue",
        "where do i get narcan RIGHT NOW my friend is turning blue",
    ],
)
def test_an_overdose_under_way_is_still_an_emergency(text: str) -> None:
    assert screen(text).level == Level.EMERGENCY


# --- the whole decision (lexicon and learned layer), no engine ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Where can I get naloxone to keep at home?",
        "how do i use narcan? want to know just in case",
        "Rent went up again and the landlord still hasn't fixed the heat. Then the 14 bus never "
        "came so I walked to group in the rain and got there late. Long week. But I did NOT "
        "use, I want you to know that.",
    ],
)
def test_information_and_denials_open_no_case(text: str) -> None:
    assert not triage.decide(text).escalate


def test_a_past_use_with_regret_is_urgent_never_an_emergency() -> None:
    decision = triage.decide("I used last night and I feel like garbage about it")
    assert decision.level == Level.URGENT
