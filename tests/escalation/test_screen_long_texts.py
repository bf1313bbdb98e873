"""The lexicon on long texts: a reading that looks only a little way back must not read a
word cut in half as a different word. All messages here are synthetic."""

from __future__ import annotations

from escalation.screen import normalise, screen
from escalation.screen.reading import JOKE_LOOKBACK, risk_hits


def _cut_mid_word(word: str, cause: str, ending: str) -> str:
    """A text whose joke look-back starts exactly where `cause` begins inside `word`."""
    for pad in (["then"] * long + ["so"] * short for long in range(90) for short in range(5)):
        filler = " ".join(pad)
        text = f"i tried calling the {word} earlier {filler} no answer. i want to die {ending}"
        normal = normalise(text)
        hits = [h for h in risk_hits(normal) if h.code.startswith("suicid")]
        cut = normal.find(word) + word.index(cause)
        if hits and hits[0].start - JOKE_LOOKBACK == cut:
            return text
    raise AssertionError("no padding puts the look-back's start inside the word")


def test_a_word_cut_by_the_look_back_is_not_read_as_a_joke_cause() -> None:
    # "hotline" cut to "line", which on its own is an everyday cause ("this line is so long
    # i could die lol"): read that way, the laugh would turn a wish to die into a joke.
    text = _cut_mid_word("hotline", "line", "lol")
    assert screen(text).escalate


def test_a_cause_inside_the_look_back_still_reads_as_a_joke() -> None:
    assert not screen("that chem exam was brutal i wanted to die 😂").escalate
    chatter = "the bus was late and the shop was out of bread so i walked home. " * 8
    assert screen(chatter + "my team lost again, im gonna die lol").escalate is False
