"""The lane's memory of a late engine: two late answers pause the asks, the pause grows
while the engine stays late, and one answer in time ends it."""

from __future__ import annotations

from escalation.late_engine import PAUSES, LateEngine
from tests.support.ticks import Ticks


def test_one_late_answer_is_a_hiccup_two_pause_the_asks() -> None:
    clock = Ticks()
    late = LateEngine(budget=2.0, now=clock)
    late.answered(2.5)
    assert late.may_ask()
    late.answered(2.5)
    assert not late.may_ask()
    clock.now += PAUSES[0] + 0.1
    assert late.may_ask(), "after the pause, one probe is let through"
    assert late.skipped == 1


def test_the_pause_grows_while_the_engine_stays_late_and_ends_when_it_answers_in_time() -> None:
    clock = Ticks()
    late = LateEngine(budget=2.0, now=clock)
    late.answered(3.0)
    late.answered(3.0)
    clock.now += PAUSES[0] + 0.1
    late.answered(3.0)  # the probe is late too: a longer pause at once
    clock.now += PAUSES[0] + 0.1
    assert not late.may_ask(), "the second pause is longer than the first"
    clock.now += PAUSES[1]
    assert late.may_ask()
    late.answered(0.4)  # in time: back to normal
    late.answered(3.0)
    assert late.may_ask(), "after an answer in time, one late answer is a hiccup again"


def test_quick_refusals_are_not_late() -> None:
    """An engine that is down refuses at once: nothing is wasted, so nothing pauses."""
    late = LateEngine(budget=2.0, now=Ticks())
    for _ in range(5):
        late.answered(0.01)
    assert late.may_ask() and late.skipped == 0
