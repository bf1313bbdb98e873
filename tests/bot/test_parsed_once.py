"""Each text is parsed by the engine once: the turn hands Rasa the reading the safety lane's
second opinion already got (bot/parses.py, actions/channel.py), against the real engine."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from bot.engine import READING_KEY, RasaEngine
from bot.parses import FRESH_SECONDS, Parses
from peerline.engine_process import EngineProcesses
from tests.support.ticks import Ticks

WEBHOOK = "/webhooks/rest/webhook"


def _last_user_event(engine: EngineProcesses, sender: str) -> dict[str, Any]:
    tracker = httpx.get(
        f"{engine.url}/conversations/{sender}/tracker", params={"token": engine.token}
    ).json()
    return next(e for e in reversed(tracker["events"]) if e["event"] == "user")


def _turn(engine: EngineProcesses, sender: str, text: str, reading: dict[str, Any]) -> None:
    payload = {"sender": sender, "message": text, "metadata": {READING_KEY: reading}}
    response = httpx.post(
        engine.url + WEBHOOK, json=payload, params={"token": engine.token}, timeout=30
    )
    assert response.status_code == 200


@pytest.mark.engine
def test_the_engine_uses_the_reading_it_is_given_and_does_not_keep_it_twice(
    engine: EngineProcesses,
) -> None:
    text = "what time is my appointment"
    marked = {"text": text, "intent": {"name": "ask_program", "confidence": 0.123}, "entities": []}
    _turn(engine, "parsed-once-1", text, marked)
    event = _last_user_event(engine, "parsed-once-1")
    assert event["parse_data"]["intent"] == {"name": "ask_program", "confidence": 0.123}
    assert READING_KEY not in (event.get("metadata") or {})


@pytest.mark.engine
@pytest.mark.parametrize(
    "reading",
    [
        {"text": "another text", "intent": {"name": "ask_program", "confidence": 0.123}},
        {"text": "hi there", "intent": "ask_program", "entities": []},
        "ask_program",
    ],
    ids=["another text's", "wrong shape", "not a reading"],
)
def test_a_reading_of_another_text_or_shape_is_dropped_and_rasa_parses(
    engine: EngineProcesses, reading: Any
) -> None:
    _turn(engine, "parsed-once-2", "hi there", reading)
    event = _last_user_event(engine, "parsed-once-2")
    assert event["parse_data"]["intent"]["confidence"] != 0.123
    assert event["parse_data"]["text"] == "hi there"


@pytest.mark.engine
def test_a_turn_reuses_the_second_opinions_reading_of_its_text(engine: EngineProcesses) -> None:
    client = RasaEngine(engine.url, engine.token)
    try:
        opinion = client.parse("  i have an appointment tomorrow ", timeout=30)
        assert opinion is not None
        client.message("parsed-once-3", "i have an appointment tomorrow", {})
        assert (client.parses.reused, client.parses.parsed_again) == (1, 0)
        event = _last_user_event(engine, "parsed-once-3")
        assert event["parse_data"]["intent"]["name"] == opinion[0]
        client.message("parsed-once-3", "i have an appointment tomorrow", {})
        assert client.parses.parsed_again == 1, "a reading is used once"
    finally:
        client.close()


@pytest.mark.engine
def test_with_several_replicas_a_turn_does_not_reuse_another_replicas_reading(
    engine: EngineProcesses,
) -> None:
    client = RasaEngine([engine.url, engine.url + "/"], engine.token)
    try:
        assert client.parse("i have an appointment tomorrow", timeout=30) is not None
        client.message("parsed-once-4", "i have an appointment tomorrow", {})
        assert (client.parses.reused, len(client.parses)) == (0, 0)
    finally:
        client.close()


def test_a_turn_waits_for_a_reading_on_its_way_but_not_past_its_deadline() -> None:
    parses = Parses()
    reading = {"text": "hello", "intent": {"name": "greet"}, "entities": []}
    got: list[Any] = []
    with parses.reading("hello", timeout=5.0) as keep:
        taker = threading.Thread(target=lambda: got.append(parses.take("hello")))
        taker.start()
        time.sleep(0.2)
        assert not got, "the turn waits while the reading is on its way"
        keep(reading)
    taker.join(5)
    assert got == [reading]

    started = time.monotonic()
    with parses.reading("late", timeout=0.3):
        assert parses.take("late") is None
    assert time.monotonic() - started < 2.0, "waited no longer than the reading's deadline"


def test_readings_are_per_text_used_once_and_not_used_stale() -> None:
    clock = Ticks()
    parses = Parses(clock)
    with parses.reading("hello", timeout=2.0) as keep:
        keep({"text": "hello"})
    assert parses.take("goodbye") is None, "another text's reading is not used"
    assert parses.take("hello ") == {"text": "hello"}
    assert parses.take("hello") is None, "used once"
    with parses.reading("later", timeout=2.0) as keep:
        keep({"text": "later"})
    clock.now += FRESH_SECONDS + 1
    assert parses.take("later") is None, "a stale reading is not used"


def test_a_reading_no_turn_took_is_not_held_past_a_minute() -> None:
    clock = Ticks()
    parses = Parses(clock)
    with parses.reading("STOP", timeout=2.0) as keep:
        keep({"text": "STOP"})  # a compliance word: no turn asks the engine
    clock.now += FRESH_SECONDS + 1
    with parses.reading("hello", timeout=2.0) as keep:
        keep({"text": "hello"})
    assert len(parses) == 1, "the stale text was let go"


def test_people_sending_the_same_text_at_once_each_use_one_reading() -> None:
    """ "ok" from three people at once: two second opinions came back, so two of the three
    turns use a reading and the third is parsed by the engine. Before, each reading replaced
    the one before, so a crowd sending the same words reused at most one."""
    parses = Parses(Ticks())
    for _ in range(2):
        with parses.reading("ok", timeout=2.0) as keep:
            keep({"text": "ok"})
    assert len(parses) == 2
    assert [parses.take("ok") for _ in range(3)] == [{"text": "ok"}, {"text": "ok"}, None]
    assert (parses.reused, parses.parsed_again, len(parses)) == (2, 1, 0)


def test_a_turn_waits_for_any_reading_of_its_text_still_on_its_way() -> None:
    parses = Parses()
    got: list[Any] = []
    with parses.reading("ok", timeout=5.0) as first, parses.reading("ok", timeout=5.0) as second:
        takers = [threading.Thread(target=lambda: got.append(parses.take("ok"))) for _ in "ab"]
        for taker in takers:
            taker.start()
        time.sleep(0.2)
        assert not got, "both turns wait while their readings are on their way"
        first({"text": "ok"})
        second({"text": "ok"})
    for taker in takers:
        taker.join(5)
    assert got == [{"text": "ok"}, {"text": "ok"}]
