"""The acknowledgement at the end of a check-in: it reflects what the person said, in
minimum-necessary words (never a substance, a dose, a clinic or a diagnosis), so it is safe
on a lock screen."""

from __future__ import annotations

from typing import Any

MOOD = {
    1: "Sorry today is so hard - thanks for being honest.",
    2: "Sorry today is hard - thanks for being honest.",
    3: "Thanks for telling me how today is going.",
    4: "Glad today feels good.",
    5: "Love to hear today feels great.",
}
STRONG_CRAVINGS = "Strong cravings are hard; you still checked in."
LOW_CRAVINGS = "Good to hear cravings are low."
BARRIERS = "I noted what's getting in the way."
NOTHING_SAID = "That takes effort, and it matters."


def reflection(data: dict[str, Any]) -> str:
    """At most two short sentences drawn from mood, cravings and barriers."""
    parts: list[str] = []
    mood, craving = data.get("mood"), data.get("craving")
    if isinstance(mood, int) and mood in MOOD:
        parts.append(MOOD[mood])
    if isinstance(craving, int) and craving >= 7:
        parts.append(STRONG_CRAVINGS)
    elif isinstance(craving, int) and craving <= 2 and (mood or 3) >= 3:
        parts.append(LOW_CRAVINGS)
    if data.get("barriers") and len(parts) < 2:
        parts.append(BARRIERS)
    return " ".join(parts[:2]) or NOTHING_SAID
