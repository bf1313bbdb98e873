"""SMS segment arithmetic, against figures from Twilio's segment calculator rules."""

from __future__ import annotations

import pytest

from messaging import segments


@pytest.mark.parametrize(
    ("text", "encoding", "parts"),
    [
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 2),
        ("hi 🙂", "UCS-2", 1),
        ("a" * 66 + "🙂", "UCS-2", 1),  # an emoji is two UTF-16 units
        ("a" * 69 + "🙂", "UCS-2", 2),
        ("“curly quotes”", "UCS-2", 1),
    ],
)
def test_count(text: str, encoding: str, parts: int) -> None:
    result = segments.count(text)
    assert (result.encoding, result.segments) == (encoding, parts)


@pytest.mark.parametrize("max_segments", [1, 2, 3])
@pytest.mark.parametrize("unit", ["Keep going, one day at a time. ", "You've got this 💪 "])
def test_fit_cuts_at_a_word_within_the_limit(unit: str, max_segments: int) -> None:
    text, cut = segments.fit(unit * 50, max_segments)
    assert cut
    assert segments.count(text).segments <= max_segments
    assert text.endswith("...") and not text.endswith(" ...")


def test_fit_leaves_short_text_alone() -> None:
    assert segments.fit("See you soon.", 1) == ("See you soon.", False)
