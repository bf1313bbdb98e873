"""Turns spread over several Rasa replicas: each person has a home replica in every app
process, a dead replica is skipped at once and a hung one after one timed-out turn, and a
person's turns still reach the engine one at a time, in order, when their replica dies."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from pydantic import ValidationError

from bot.engine import EngineUnavailable, RasaEngine
from messaging.sandbox import Sandbox
from records.db import Database
from records.participants import enrol
from records.settings import Settings
from tests.conftest import RunningApp, free_port
from tests.support.hung import HungServer
from tests.support.servers import serve_in_thread
from tests.support.stub_rasa import StubRasa
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

SENDERS = [f"p-{i:04d}" for i in range(60)]
ROUNDS = 4


@pytest.fixture
def two_stubs() -> Iterator[tuple[list[StubRasa], list[str], ExitStack]]:
    stubs = [StubRasa("a"), StubRasa("b")]
    with ExitStack() as stack:
        urls = [stack.enter_context(serve_in_thread(stub.app())) for stub in stubs]
        yield stubs, urls, stack


def home(engine: RasaEngine, sender: str) -> str:
    return engine.replicas.for_sender(sender)[0].url


def test_settings_take_a_list_of_replicas_or_fall_back_to_rasa_url() -> None:
    one = Settings(_env_file=None, rasa_url="http://127.0.0.1:5005")  # type: ignore[call-arg]
    assert one.rasa_replicas == ["http://127.0.0.1:5005"]
    many = Settings(_env_file=None, rasa_urls=" http://127.0.0.1:5005/, http://127.0.0.1:5006")  # type: ignore[call-arg]
    assert many.rasa_replicas == ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, rasa_urls="127.0.0.1:5005")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, rasa_lock_store_url="postgresql://x/y")  # type: ignore[call-arg]


def test_each_person_has_the_same_home_replica_in_every_app_process(
    two_stubs: tuple[list[StubRasa], list[str], ExitStack],
) -> None:
    stubs, urls, _ = two_stubs
    first, second = RasaEngine(urls, "t"), RasaEngine(list(reversed(urls)), "t")
    for sender in SENDERS:
        assert home(first, sender) == home(second, sender), "stable across processes"
        first.message(sender, "hi", {})
        first.message(sender, "again", {})
    a, b = stubs[0].senders(), stubs[1].senders()
    assert not a & b, "a person's turns stay on one replica while it is healthy"
    assert len(a) > 15 and len(b) > 15, "people are spread across the replicas"


def test_a_dead_replica_is_skipped_at_once(
    two_stubs: tuple[list[StubRasa], list[str], ExitStack],
) -> None:
    stubs, urls, _ = two_stubs
    dead = f"http://127.0.0.1:{free_port()}"
    engine = RasaEngine([dead, urls[1]], "t")
    homed_on_dead = [s for s in SENDERS if home(engine, s) == dead]
    assert homed_on_dead
    started = time.monotonic()
    for sender in homed_on_dead:
        assert engine.message(sender, "hi", {})[0].text == "got: hi"
    per_turn = (time.monotonic() - started) / len(homed_on_dead)
    assert per_turn < 0.5, "refused connections fail over within the same call"
    assert stubs[1].senders() == set(homed_on_dead)


def test_a_hung_replica_costs_one_timed_out_turn_and_delays_nobody_else(
    two_stubs: tuple[list[StubRasa], list[str], ExitStack],
) -> None:
    _stubs, urls, _ = two_stubs
    hung = HungServer()
    try:
        engine = RasaEngine([hung.url, urls[1]], "t", timeout=2.0)
        stuck = next(s for s in SENDERS if home(engine, s) == hung.url)
        others = [s for s in SENDERS if home(engine, s) == urls[1]][:10]
        outcome: list[BaseException] = []

        def stuck_turn() -> None:
            try:
                engine.message(stuck, "hi", {})
            except EngineUnavailable as exc:
                outcome.append(exc)

        thread = threading.Thread(target=stuck_turn)
        thread.start()
        time.sleep(0.2)
        started = time.monotonic()
        for sender in others:
            engine.message(sender, "hi", {})
        assert time.monotonic() - started < 1.5, "the hung call held up nobody else"
        thread.join()
        assert outcome, "the hung replica's turn fails (it is retried later, not here)"
        started = time.monotonic()
        assert engine.message(stuck, "hi", {})[0].text == "got: hi"
        assert time.monotonic() - started < 1.0, "the retry goes to a healthy replica"
        assert hung.connections == 1, "the open breaker keeps later turns off the hung one"
    finally:
        hung.close()


@pytest.fixture
def enrolled(db: Database) -> dict[str, str]:
    """Twenty-four people, phone to the sender id Rasa knows them by."""
    ids = {}
    with db.session() as session:
        for i in range(24):
            phone = f"+121255501{i:02d}"
            participant = enrol(
                session, phone=phone, alias=f"P{i}", timezone="UTC", consented_at=None
            )
            session.flush()
            ids[phone] = participant.public_id
    return ids


def homed_on_each(enrolled: dict[str, str], urls: list[str], each: int = 3) -> list[str]:
    """`each` people whose home is the first replica and `each` whose home is the second:
    homes hash from the stubs' random ports, and of six people picked blindly none had
    replica a for a home one run in 64."""
    engine = RasaEngine(urls, "t")
    by_home = {
        url: [p for p, sender in enrolled.items() if home(engine, sender) == url] for url in urls
    }
    assert all(len(phones) >= each for phones in by_home.values()), "both replicas are homes"
    return [phone for url in urls for phone in by_home[url][:each]]


def test_a_persons_turns_stay_in_order_when_their_replica_dies(
    app_factory: Callable[..., RunningApp],
    two_stubs: tuple[list[StubRasa], list[str], ExitStack],
    enrolled: dict[str, str],
    sandbox: Sandbox,
) -> None:
    """Through the signed webhook and the real turn pool: four texts each from six people,
    replica a stopped while their turns are queued."""
    stubs, urls, _ = two_stubs
    with serve_in_thread(stubs[0].app()) as url_a:  # a replica this test can stop
        people = homed_on_each(enrolled, [url_a, urls[1]])
        running = app_factory(rasa_urls=f"{url_a},{urls[1]}", turn_workers=4)
        for round_ in range(2):
            _text_round(running, people, round_)
        wait_for(lambda: len(stubs[0].calls) >= 2, what="replica a to take turns")
    gone_at = time.monotonic()  # replica a has stopped: its port refuses connections
    for round_ in range(2, ROUNDS):
        _text_round(running, people, round_)
    wait_for(
        lambda: all(len(sandbox.messages_to(p)) == ROUNDS for p in people),
        timeout=60,
        what="a reply to every text",
    )
    for phone in people:
        bodies = [m.body for m in sandbox.messages_to(phone)]
        assert bodies == [f"got: text {k}" for k in range(ROUNDS)], "replies in the person's order"
    calls = sorted(stubs[0].calls + stubs[1].calls, key=lambda call: call.started)
    for sender in {call.sender for call in calls}:
        own = [call for call in calls if call.sender == sender]
        texts = [call.text for call in own]
        assert texts == sorted(texts), "the engine saw the person's texts in order"
        for earlier, later in itertools.pairwise(own):
            assert later.started >= earlier.ended, "never two turns of one person at once"
    assert stubs[0].calls and all(call.started < gone_at for call in stubs[0].calls)
    moved = {c.sender for c in stubs[0].calls} & {c.sender for c in stubs[1].calls}
    assert moved, "people whose replica died were answered by the other one"


def _text_round(running: RunningApp, people: list[str], round_: int) -> None:
    for phone in people:
        params = inbound_params(phone, f"text {round_}")
        assert signed_post(running.url, "/sms/inbound", params, running.settings.auth_token)
