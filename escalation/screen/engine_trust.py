"""How far the engine's NLU is trusted to raise a case: per risk intent, the confidence from
which its reading was precise on labelled text it was never trained on.

Why: Rasa's intent classifier gives a risk intent high confidence to texts that only share
its words ("i used last night and feel like garbage" read as an overdose under way, "where
do i get narcan" as one), and one fixed threshold for every intent let those raise cases,
even to an emergency. So each intent gets its own thresholds, chosen by
`scripts/calibrate_engine.py` on the tuning sets and stored in `engine_thresholds.json`:

- `raise_from`: from this confidence the engine may raise to urgent (None: never);
- `emergency_from` (emergency intents only): from this confidence to an emergency; between
  the two it is an urgent "possible" reading, so the reply is not a rescue script.

Standard library only, like the rest of the screen; a missing or malformed file is refused
when the screen loads, by name, rather than trusting the engine by default.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

THRESHOLDS_PATH = Path(__file__).with_name("engine_thresholds.json")


@dataclass(frozen=True)
class Trust:
    """The confidences from which one intent's reading is acted on."""

    raise_from: float | None
    emergency_from: float | None = None


class TrustError(ValueError):
    """The thresholds file is missing, malformed or names an intent twice (says which)."""


def _threshold(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise TrustError(f"{where}: a threshold must be a number in [0, 1] or null")
    return float(value)


def load(path: Path = THRESHOLDS_PATH) -> dict[str, Trust]:
    """Each risk intent's trust, from the calibration file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        intents = data["intents"]
        return {
            str(name): Trust(
                raise_from=_threshold(spec["raise_from"], f"{path.name}: {name}"),
                emergency_from=_threshold(spec.get("emergency_from"), f"{path.name}: {name}"),
            )
            for name, spec in intents.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise TrustError(f"{path}: {type(exc).__name__}: {exc}") from exc


def precise_from(
    readings: Sequence[tuple[float, bool]], target: float, min_texts: int
) -> tuple[float, float, int] | None:
    """The lowest confidence from which the engine's reading is right at least `target` of
    the time, at every higher cut with `min_texts` or more readings too (a lucky streak
    just above the cut must not hide a bad run higher up). `readings` are (confidence,
    right) for texts whose top intent is the one being calibrated. Returns (threshold,
    precision from it, texts from it), or None when no cut is precise enough."""
    ordered = sorted(readings, key=lambda r: -r[0])
    best: tuple[float, float, int] | None = None
    right = 0
    for i, (confidence, correct) in enumerate(ordered, start=1):
        right += correct
        if i < len(ordered) and ordered[i][0] == confidence:
            continue  # ties: a cut keeps all readings at one confidence, or none
        if i < min_texts:
            continue
        precision = right / i
        if precision < target:
            break  # this cut admits too many wrong readings, so every lower one does too
        best = (confidence, precision, i)
    return best


TRUST: dict[str, Trust] = load()
