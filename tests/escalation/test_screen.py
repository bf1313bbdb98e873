"""The safety screen's lexicon layer: levels, negation, idioms, engine, context, input
hygiene, and recall / false escalations over the labelled set.

All messages here are synthetic.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from escalation.screen import (
    Decision,
    Level,
    ScreenContext,
    normalise,
    screen,
)
from escalation.screen import context as screen_context
from escalation.screen.engine_trust import Trust

# The engine's calibrated trust is data (engine_thresholds.json); these tests fix their own.
TRUSTED = {
    "risk_overdose_now": Trust(raise_from=0.6, emergency_from=0.9),
    "risk_suicidal": Trust(raise_from=0.6),
    "risk_return_to_use": Trust(raise_from=0.6),
    "risk_using_alone": Trust(raise_from=0.6),
}


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_context, "TRUST", TRUSTED)


LABELLED = Path(__file__).resolve().parents[2] / "data" / "safety" / "labelled.csv"


def codes(decision: Decision) -> set[str]:
    return {reason.code for reason in decision.reasons}


# --- levels ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("my bf isnt breathing what do i do", "overdose_now"),
        ("hes turning blue and wont wake up", "overdose_now"),
        ("i think i took too much", "overdose_now"),
        ("my friend od'd in the bathroom", "overdose_now"),
        ("im going to kill myself tonight", "suicide_imminent"),
        ("took all my pills", "suicide_imminent"),
        ("goodbye everyone", "suicide_imminent"),
    ],
)
def test_emergency(text: str, code: str) -> None:
    decision = screen(text)
    assert decision.level == Level.EMERGENCY
    assert decision.escalate
    assert code in codes(decision)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("i want to kill myself", "suicidal_thoughts"),
        ("i dont want to live anymore", "suicidal_thoughts"),
        ("i cut myself again", "self_harm"),
        ("i relapsed last night", "return_to_use"),
        ("went back out this weekend", "return_to_use"),
        ("gonna use alone tonight", "using_alone"),
        ("pretty sure it was fent", "fentanyl"),
        ("took a couple xans with my methadone", "polysubstance"),
        ("just got out of jail yesterday", "low_tolerance"),
        ("i dont have narcan", "no_naloxone"),
    ],
)
def test_urgent(text: str, code: str) -> None:
    decision = screen(text)
    assert decision.level == Level.URGENT
    assert code in codes(decision)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("i need to talk to someone", "wants_peer"),
        ("cravings 9 today", "high_craving"),
        ("craving so bad", "high_craving"),
        ("missed my dose yesterday", "missed_dose"),
        ("no ride to the clinic", "barrier:transport"),
        ("pharmacy wont fill my script", "barrier:pharmacy"),
        ("got evicted", "barrier:housing"),
    ],
)
def test_support(text: str, code: str) -> None:
    decision = screen(text)
    assert decision.level == Level.SUPPORT
    assert not decision.escalate
    assert code in codes(decision)


@pytest.mark.parametrize(
    "text",
    ["hey whats up", "mood 4 cravings 2 no use took my dose", "cravings 3", "see u at 3"],
)
def test_none(text: str) -> None:
    assert screen(text) == Decision(Level.NONE, ())


def test_reasons_are_most_serious_first() -> None:
    decision = screen("i relapsed and now hes not breathing")
    assert decision.reasons[0].code == "overdose_now"
    assert "not breathing" in decision.reasons[0].detail


# --- families widened after the independent set (one example each, new phrasings) -------


@pytest.mark.parametrize(
    ("text", "level", "code"),
    [
        # suicide: a place, the means set out, carbon monoxide, a pill count, stated resolve
        ("standing on the overpass rn", Level.EMERGENCY, "suicide_imminent"),
        (
            "parked in the garage with the engine running, doors shut",
            Level.EMERGENCY,
            "suicide_imminent",
        ),
        ("swallowed about 40 tylenol an hour ago", Level.EMERGENCY, "suicide_imminent"),
        ("my mind is made up so please dont call anyone", Level.EMERGENCY, "suicide_imminent"),
        ("left letters for my family on the table", Level.EMERGENCY, "suicide_imminent"),
        ("theres a rope in my closet and i know what its for", Level.EMERGENCY, "suicide_imminent"),
        # passive ideation: no point, nobody would notice, better without me
        ("whats even the point of living like this", Level.URGENT, "suicidal_thoughts"),
        ("nobody would care if i was gone", Level.URGENT, "suicidal_thoughts"),
        ("if i disappeared tomorrow would anyone even notice", Level.URGENT, "suicidal_thoughts"),
        ("my family would be happier if i was dead", Level.URGENT, "suicidal_thoughts"),
        ("honestly been wanting to end it, no plan though", Level.URGENT, "suicidal_thoughts"),
        # overdose signs in anyone
        ("help her shes turning purple", Level.EMERGENCY, "overdose_now"),
        ("hes breathing like once every few seconds", Level.EMERGENCY, "overdose_now"),
        ("my roommate is seizing on the floor", Level.EMERGENCY, "overdose_now"),
        # use: slang, seeking, spending, tolerance, MOUD stopped to use, alone, mixing
        ("been poppin blues all week", Level.URGENT, "return_to_use"),
        ("who got fetty around here", Level.URGENT, "return_to_use"),
        ("blew my whole check on dope", Level.URGENT, "return_to_use"),
        ("fell off this weekend", Level.URGENT, "return_to_use"),
        ("ended up using after my shift", Level.URGENT, "return_to_use"),
        ("2 years in prison and im finally gonna get high friday", Level.URGENT, "low_tolerance"),
        (
            "skipping my methadone tomorrow so the dope actually hits",
            Level.URGENT,
            "stopping_moud_to_use",
        ),
        ("nobody around when i shoot up tonight", Level.URGENT, "using_alone"),
        ("been drinkin since noon and took my subs", Level.URGENT, "polysubstance"),
        # basic Spanish
        ("mi amigo no despierta, creo que es sobredosis", Level.EMERGENCY, "overdose_now"),
        ("voy a matarme esta noche", Level.EMERGENCY, "suicide_imminent"),
        ("ya no quiero vivir", Level.URGENT, "suicidal_thoughts"),
        ("volvi a usar, lo siento", Level.URGENT, "return_to_use"),
    ],
)
def test_widened_families(text: str, level: Level, code: str) -> None:
    decision = screen(text)
    assert decision.level == level, decision
    assert code in codes(decision)


@pytest.mark.parametrize(
    "text",
    [
        "im at the bridge waiting for my ride",
        "ill do laundry then im done",
        "my kid is blue in the face from screaming lol",
        "pills are right here on the counter for tomorrow",
        "i counted out my meds for the week",
        "i ate like 30 wings lol",
        "did a shot of espresso",
        "shot my shot with her lol",
        "where can i find some blues music around here",
        "i used to sell percs back in 2015 now i work construction",
        "no quiero morir, solo estoy cansada",
        "fui al grupo de prevencion de recaidas",
        "skipped my dose so i could go to my sons game",
        "i have a seizure disorder",
    ],
)
def test_widened_families_leave_everyday_texts(text: str) -> None:
    assert not screen(text).escalate


@pytest.mark.parametrize(
    "text",
    [
        "that chem exam was brutal i wanted to die 😂",
        "my team lost again, im gonna die lol",
        "where can i get narcan for my dads apartment",
        "do they give out fent test strips free at the health dept?",
        "my ex is using around me and its hard",
    ],
)
def test_clear_jokes_and_questions_lower(text: str) -> None:
    assert not screen(text).escalate


@pytest.mark.parametrize(
    "text",
    [
        "i want to die lol",  # a laugh alone is not a clear idiom
        "that test was hard and i want to kill myself lol",  # a method word never lowers
        "where can i get narcan",  # a bare request keeps the labelled policy
        "my girl is using by herself in the car rn",  # someone else alone still counts
    ],
)
def test_lowering_stays_narrow(text: str) -> None:
    assert screen(text).escalate


def test_denied_plan_is_not_imminent() -> None:
    decision = screen("been wanting to end it. havent planned anything")
    assert decision.level == Level.URGENT


# --- families widened after the third independent set (new phrasings, not its rows) -----


@pytest.mark.parametrize(
    ("text", "level", "code"),
    [
        # an attempt under way: every pill, all of a kind, a dose "on purpose", CO, a gun
        ("swallowed every pill i had left", Level.EMERGENCY, "suicide_imminent"),
        ("i took all of my blood pressure pills", Level.EMERGENCY, "suicide_imminent"),
        ("shooting the whole bundle on purpose tonight", Level.EMERGENCY, "suicide_imminent"),
        (
            "left the truck running inside the garage, im in the cab",
            Level.EMERGENCY,
            "suicide_imminent",
        ),
        ("got the gun out of the closet. i already loaded it", Level.EMERGENCY, "suicide_imminent"),
        ("me tome todas las pastillas", Level.EMERGENCY, "suicide_imminent"),
        # bleeding that will not stop
        (
            "went too deep this time and the bleeding still hasnt stopped",
            Level.EMERGENCY,
            "suicide_imminent",
        ),
        # overdose: naloxone that did nothing, doses counted, eyes, help en route
        ("the naloxone isnt doing anything, shes gray", Level.EMERGENCY, "overdose_now"),
        ("used two sprays of narcan on him already", Level.EMERGENCY, "overdose_now"),
        ("her eyes are rolled back and she wont answer", Level.EMERGENCY, "overdose_now"),
        ("medics are 15 minutes away what do i do", Level.EMERGENCY, "emergency_services"),
        ("el narcan no sirvio", Level.EMERGENCY, "overdose_now"),
        ("found my roommate on the kitchen floor", Level.EMERGENCY, "overdose_now"),
        ("shes snoring really funny after that bag", Level.EMERGENCY, "overdose_now"),
        ("i wont see you again, ill be gone by morning", Level.EMERGENCY, "suicide_imminent"),
        # passive ideation: better without me, a burden, death welcomed, ways turned over
        ("my kids would have a calmer life without me", Level.URGENT, "suicidal_thoughts"),
        ("honestly im just a burden to everybody", Level.URGENT, "suicidal_thoughts"),
        ("if a semi ran me over i wouldnt even care", Level.URGENT, "suicidal_thoughts"),
        ("wouldnt mind if i never woke up", Level.URGENT, "suicidal_thoughts"),
        (
            "keep picturing myself and thinking about swerving into oncoming traffic",
            Level.URGENT,
            "suicidal_thoughts",
        ),
        ("how much insulin would it take", Level.URGENT, "suicidal_thoughts"),
        ("been thinking about ending it more and more", Level.URGENT, "suicidal_thoughts"),
        ("if the judge says no im done. one way or another", Level.URGENT, "suicidal_thoughts"),
        ("soy una carga para todos", Level.URGENT, "suicidal_thoughts"),
        # self-harm as a habit
        ("been cutting again on my legs", Level.URGENT, "self_harm"),
        # use made small, planned with a time, borrowed, stacked, felt
        ("just been dabbling with percs on my days off", Level.URGENT, "return_to_use"),
        ("slid back into the fent after christmas", Level.URGENT, "return_to_use"),
        ("copping after work, dont tell my sponsor", Level.URGENT, "return_to_use"),
        ("took a few of my girlfriends subs", Level.URGENT, "return_to_use"),
        ("drank a couple beers on top of my methadone", Level.URGENT, "return_to_use"),
        ("these blues are starting to kick in", Level.URGENT, "return_to_use"),
        ("2 years clean and i picked up saturday", Level.URGENT, "return_to_use"),
        ("my uncle passed and i used that same night", Level.URGENT, "return_to_use"),
        # someone texting for the participant; a dealer dropping off to the texter
        ("hi this is his wife. hes using again and nodding out", Level.URGENT, "return_to_use"),
        ("my connect fronted me a bundle", Level.URGENT, "return_to_use"),
    ],
)
def test_third_set_families(text: str, level: Level, code: str) -> None:
    decision = screen(text)
    assert decision.level == level, decision
    assert code in codes(decision)


@pytest.mark.parametrize(
    "text",
    [
        # everyday talk that shares words with the new rules
        "loaded the truck for the move",
        "i loaded my rifle for deer season",
        "took all my meds this morning",
        "the caffeine is kicking in finally",
        "my allergy pills are kicking in",
        "i cut my thumb chopping onions and its bleeding a lot",
        "she cut deep into her savings to pay for rehab",
        "the power is still out at my place",
        "paramedics are here for a training at my job",
        "the narcan training did help a lot",
        "picked up 2 boxes of cereal",
        "found my keys on the bathroom floor",
        "gave my spare narcan to my neighbor",
        "the radio keeps talking about the fentanyl crisis",
        "picking up my son tonight",
        "gonna pick up my script after work",
        "been chipping in on rent with my cousin",
        "dipping my fries in ranch",
        "went back to using my old phone",
        "i had coffee on top of my dose",
        "took my moms pills to the pharmacy",
        "the meeting went smoother without me there",
        "its easier without me driving",
        "i feel like a burden asking for rides",
        "im not a burden i just need help with rent",
        "i wouldnt mind if it snowed tomorrow",
        "how many pills would it take to feel normal again",
        "thinking about driving to my sisters this weekend",
        "if he cheats again im done. ill find a way to move out",
        "if the bus is late again im done lol",
        "this new track got crazy bars",
        "the bars closed early so we drank at home",
        # jokes and passing sensations with an everyday cause
        "thought i was gonna die on that hike lol",
        "swear i was gonna die at spin class today",
        "my wife says im gonna die if the giants lose lmao",
        # information questions and the news
        "are fent test strips accurate for pills too",
        "saw on the news that two people overdosed downtown",
        "that overdose on tiktok was so scary",
        "the dealer keeps texting me but hes using a new number",
        # someone's overdose told as a story or an anniversary
        "the speaker at the meeting talked about her overdose",
        "3 years ago today i overdosed. today i have 3 years clean",
        "i almost used last night but called my sponsor",
    ],
)
def test_third_set_leaves_everyday_texts(text: str) -> None:
    assert not screen(text).escalate, screen(text)


def test_clean_time_before_a_relapse_is_not_history() -> None:
    # "N years clean" dates the recovery, not the relapse told with it.
    assert screen("i was 4 years clean and relapsed").level == Level.URGENT
    assert screen("had 18 months sober then picked up").level == Level.URGENT
    assert not screen("2 years clean today, no slips").escalate


def test_a_loss_dates_the_loss_not_the_use() -> None:
    assert screen("i ended up using after my dads funeral").escalate
    assert screen("my cousin died of fentanyl last year, funeral was hard").level == (Level.SUPPORT)


# --- negation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "i did not use",
        "no relapse",
        "not suicidal",
        "never thought about killing myself",
        "havent had a single thought about hurting myself",
        "use: no",
    ],
)
def test_negation_cancels(text: str) -> None:
    assert not screen(text).escalate


@pytest.mark.parametrize(
    "text",
    [
        "i cant stop using",
        "not gonna lie i used",
        "ngl i relapsed",
        "i dont want to live",
        "no narcan at home",
        "i never thought id relapse but i did",
    ],
)
def test_negation_does_not_hide_risk(text: str) -> None:
    assert screen(text).escalate


# --- idioms ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "this traffic is killing me",
        "dying to see my kids",
        "my feet are killing me",
        "i could kill for a burger",
        "dead tired",
        "overdosed on netflix",
        "my phone died",
        "i'm dead 😂",
        "killed it at work",
        "that test killed me",
    ],
)
def test_idioms_do_not_escalate(text: str) -> None:
    assert not screen(text).escalate


def test_idiom_lowers_only_its_own_words() -> None:
    assert screen("this traffic is killing me and i want to kill myself").escalate


@pytest.mark.usefixtures("trusted")
def test_idiom_cannot_lower_what_the_engine_raised() -> None:
    context = ScreenContext(engine_intent="risk_suicidal", engine_confidence=0.9)
    decision = screen("this traffic is killing me", context)
    assert decision.level == Level.URGENT
    assert codes(decision) == {"suicidal_thoughts"}


def test_history_and_grief_are_support_not_crisis() -> None:
    grief = screen("my cousin overdosed last year, funeral was hard")
    assert grief.level == Level.SUPPORT
    assert screen("i od'd last night, they narcanned me").level == Level.URGENT


# --- engine ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "level"),
    [
        ("risk_overdose_now", Level.EMERGENCY),
        ("risk_suicidal", Level.URGENT),
        ("risk_return_to_use", Level.URGENT),
        ("risk_using_alone", Level.URGENT),
    ],
)
@pytest.mark.usefixtures("trusted")
def test_engine_raises(intent: str, level: Level) -> None:
    context = ScreenContext(engine_intent=intent, engine_confidence=0.95)
    assert screen("ok", context).level == level


@pytest.mark.usefixtures("trusted")
@pytest.mark.parametrize("confidence", [None, 0.0, 0.59])
def test_engine_below_threshold_is_ignored(confidence: float | None) -> None:
    context = ScreenContext(engine_intent="risk_overdose_now", engine_confidence=confidence)
    assert screen("ok", context).level == Level.NONE


@pytest.mark.usefixtures("trusted")
def test_engine_never_lowers() -> None:
    context = ScreenContext(engine_intent="greet", engine_confidence=0.99)
    assert screen("hes not breathing", context).level == Level.EMERGENCY
    low = ScreenContext(engine_intent="risk_suicidal", engine_confidence=0.99)
    assert screen("hes not breathing", low).level == Level.EMERGENCY


# --- context -----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["yes", "Yeah", "yep", "a little", "once", "yes 😔"])
def test_bare_yes_after_use_question_is_disclosure(answer: str) -> None:
    decision = screen(answer, ScreenContext(last_question="use"))
    assert decision.level == Level.URGENT
    assert "return_to_use" in codes(decision)


@pytest.mark.parametrize("answer", ["no", "nope", "yeah no", "no i stayed clean"])
def test_no_after_use_question_is_not(answer: str) -> None:
    assert not screen(answer, ScreenContext(last_question="use")).escalate


def test_yes_without_the_question_is_nothing() -> None:
    assert screen("yes").level == Level.NONE
    assert screen("yes", ScreenContext(last_question="appointment")).level == Level.NONE


# --- normalisation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I WANT TO DIIIIE", "i wanna die"),
        ("k m s", "kms"),
        ("k.m.s.", "kms"),
        ("k1ll mys3lf", "kill myself"),
        ("he OD'd", "he overdosed"),
        ("that's odd", "thats odd"),
        ("sooo done", "so done"),
        ("kill myslef", "kill myself"),
        ("ｋｉｌｌ ｍｙｓｅｌｆ", "kill myself"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I WANT TO KILL MYSELF",
        "i want to diiiiie",
        "k m s",
        "k1ll mys3lf",
        "i want to kill myself 💀💀",
        "hes not breathing 😭😭🙏",
        "S U I C I D A L",
        "kіll myself",  # Cyrillic і
        "k\u200bms",
    ],
)
def test_normalised_risk_still_escalates(text: str) -> None:
    assert screen(text).escalate


# --- input hygiene -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t\r",
        "|||",
        "🙂" * 500,
        "a" * 5000,
        "i " * 2500,
        "\x00\x01\x02",
        "\ud800",  # lone surrogate
        "Z̴̡̛a̵l̶g̸o̷ text",
        "نص عربي",
        "中文短信",
        "💊💉🔫🪦",
    ],
)
def test_odd_input_never_raises(text: str) -> None:
    decision = screen(text)
    assert isinstance(decision.level, Level)
    assert "screen_error" not in codes(decision)


def test_long_message_with_buried_risk_is_fast_and_found() -> None:
    filler = "work was long and the bus was late again. "
    text = filler * 60 + "honestly i used last night. " + filler * 60
    start = time.perf_counter()
    decision = screen(text)
    assert time.perf_counter() - start < 2.0
    assert decision.escalate


# --- the labelled set --------------------------------------------------------------------


def load_labelled() -> list[dict[str, str]]:
    with LABELLED.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_labelled_set_shape() -> None:
    rows = load_labelled()
    assert len(rows) >= 320
    assert {r["label"] for r in rows} == {"escalate", "no_escalate"}
    for row in rows:
        escalates = row["level"] in {"emergency", "urgent"}
        assert escalates == (row["label"] == "escalate"), row["text"]


def test_labelled_recall_and_false_escalations() -> None:
    rows = load_labelled()
    positives = [r for r in rows if r["label"] == "escalate"]
    negatives = [r for r in rows if r["label"] == "no_escalate"]
    misses = [r["text"] for r in positives if not screen(r["text"]).escalate]
    false = [r["text"] for r in negatives if screen(r["text"]).escalate]
    recall = 1 - len(misses) / len(positives)
    false_rate = len(false) / len(negatives)
    report = "\nmissed:\n  " + "\n  ".join(misses) + "\nfalse:\n  " + "\n  ".join(false)
    assert recall >= 0.98, f"recall {recall:.3f}" + report
    assert false_rate <= 0.05, f"false escalations {false_rate:.3f}" + report


@pytest.mark.parametrize(
    "text",
    [
        "hes snoring real loud after he used",
        "he is snoring really loud and wont wake up",
        "she snoring weird and i cant wake her",
        "my roommate is snoring so loud and his lips look blue",
    ],
)
def test_snoring_after_use_or_with_no_waking_is_an_emergency(text: str) -> None:
    assert screen(text).level == Level.EMERGENCY


@pytest.mark.parametrize(
    "text", ["my dad snores really loud lol", "my husband snores like a freight train"]
)
def test_everyday_snoring_pages_nobody(text: str) -> None:
    assert not screen(text).escalate
