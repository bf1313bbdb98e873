"""The learned layer of the safety screen: a logistic regression over word n-grams (and
optionally character n-grams) that catches crisis messages phrased in ways the lexicon's
patterns never saw.

Why a model as well as rules: rules fitted to their own examples miss novel phrasing
(recall ~0.7 on unseen sets without the engine), and the engine may be down. This layer
needs neither the engine nor any third-party package, so it runs on every message.

It may only RAISE a level (triage.assess makes that urgent); it never lowers one. Like the
lexicon it never raises an exception: on any problem it answers 0.0 and the other layers
decide. Weights, threshold and feature settings come from `screen_model.json`, written by
`scripts/train_screen_model.py`; this file and the trainer share `features()` so what is
trained is exactly what runs.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

__all__ = [
    "MODEL_PATH",
    "Model",
    "confident",
    "features",
    "load",
    "probability",
    "raises",
    "windows",
]

MODEL_PATH = Path(__file__).with_name("screen_model.json")

# Long texts are scored in overlapping windows and the most worrying window wins, so one
# crisis sentence inside a long, chatty text is not diluted by the rest. SMS tops out near
# 1,600 characters; the cap only bounds the work an abusive text can cause.
WINDOW = 40
STRIDE = 20
MAX_CHARS = 8000

_TOKEN = re.compile(r"[a-z0-9]+|[^\x00-\x7f\s]")
_STRETCH = re.compile(r"([a-z])\1{2,}")


@dataclass(frozen=True)
class Model:
    """Trained weights; `threshold` is where `raises()` fires."""

    bias: float
    weights: dict[str, float]
    threshold: float
    char_min: int
    char_max: int


def tokens(text: str) -> list[str]:
    """Lower-case ASCII words; emoji and other symbols kept as one-character tokens.

    Own, small normalisation (not the lexicon's), so editing the lexicon cannot silently
    change what this model sees.
    """
    text = unicodedata.normalize("NFKD", text[:MAX_CHARS]).lower()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("'", "").replace("\u2019", "")
    return _TOKEN.findall(_STRETCH.sub(r"\1\1", text))


@lru_cache(maxsize=8192)
def _char_grams(word: str, low: int, high: int) -> frozenset[str]:
    padded = f"<{word}>"
    return frozenset(
        "c:" + padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)
    )


def features(words: list[str], char_min: int = 0, char_max: int = 0) -> set[str]:
    """The distinct features of a token list: unigrams, bigrams and, when char_min > 0,
    character n-grams of each word (cross-validation decides; see the trainer)."""
    found = {"w:" + w for w in words}
    found.update(f"b:{a} {b}" for a, b in pairwise(words))
    for word in set(words):
        if char_min > 0 and len(word) > 1:
            found |= _char_grams(word, char_min, char_max)
    return found


def windows(words: list[str]) -> list[list[str]]:
    """The whole text when short, else overlapping windows of WINDOW tokens."""
    if len(words) <= WINDOW:
        return [words]
    starts = range(0, len(words) - WINDOW + STRIDE, STRIDE)
    return [words[s : s + WINDOW] for s in starts]


def score(found: set[str], bias: float, weights: dict[str, float]) -> float:
    """Logistic probability of binary features scaled to unit length."""
    if not found:
        return 0.0
    z = bias + sum(weights.get(f, 0.0) for f in found) / math.sqrt(len(found))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


@lru_cache(maxsize=1)
def load(path: Path = MODEL_PATH) -> Model | None:
    """Read the model once; None when it is missing or malformed (the layer then abstains)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        chars = raw["features"]["char_ngrams"] or [0, 0]
        return Model(
            bias=float(raw["bias"]),
            weights={str(k): float(v) for k, v in raw["weights"].items()},
            threshold=float(raw["threshold"]),
            char_min=int(chars[0]),
            char_max=int(chars[1]),
        )
    except Exception:
        return None


def probability(text: str) -> float:
    """How likely the text is a crisis message, 0.0-1.0; 0.0 on any problem. Never raises."""
    try:
        model = load()
        if model is None or not isinstance(text, str):
            return 0.0
        return max(
            (
                score(features(part, model.char_min, model.char_max), model.bias, model.weights)
                for part in windows(tokens(text))
            ),
            default=0.0,
        )
    except Exception:
        return 0.0


def confident(p: float) -> bool:
    """True when a probability clears the model's threshold: a human peer should see it now."""
    model = load()
    return model is not None and p >= model.threshold


def raises(text: str) -> bool:
    """True when the model is confident about this text. Never raises."""
    try:
        return confident(probability(text))
    except Exception:
        return False
