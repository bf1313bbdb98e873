#!/usr/bin/env python3
"""Check the peerline NLU data: held-out test lines never appear in training data.

Stdlib only (no PyYAML), so it runs in either environment. It reads the Rasa 3.x NLU YAML
subset we use: ``- intent: name`` followed by an ``examples: |`` block of ``- text`` lines.
``synonym`` / ``regex`` / ``lookup`` blocks are skipped.

Fails (exit 1) when
  * a test example equals a training example (entity markup removed, case-insensitive,
    whitespace collapsed),
  * the same example is listed under two different intents (training or test),
  * an intent has fewer than MIN_TRAIN training or MIN_TEST test examples,
  * an intent is in the test set but not in training, or vice versa.

Usage: python tests/nlu/check_overlap.py [--train DIR_OR_FILE ...] [--test FILE ...]
                                         [--exclude FILE_NAME ...]
Defaults: every data/nlu/*.yml and tests/nlu/test_nlu.yml, relative to the repo root.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

MIN_TRAIN = 40
MIN_TEST = 15
# Intents whose recall matters most get a higher training floor.
MIN_TRAIN_HIGH = 70
HIGH_INTENTS = {
    "inform_checkin",
    "risk_suicidal",
    "risk_overdose_now",
    "risk_return_to_use",
    "risk_using_alone",
}

ROOT = Path(__file__).resolve().parents[2]

_BLOCK = re.compile(r"^-\s+(intent|synonym|regex|lookup)\s*:\s*(.+?)\s*$")
_EXAMPLE = re.compile(r"^\s+-\s(.*)$")
# [text](entity) / [text](entity:value) / [text]{"entity": ...}
_ENTITY = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    text = _ENTITY.sub(r"\1", text)
    return " ".join(text.lower().split())


def parse(path: Path) -> dict[str, list[tuple[str, int]]]:
    """intent -> [(normalised example, line number)]"""
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    kind = name = None
    in_examples = False
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        m = _BLOCK.match(raw)
        if m:
            kind, name = m.group(1), m.group(2).strip("\"'")
            in_examples = False
            continue
        if not raw.startswith((" ", "\t")):
            kind = name = None
            in_examples = False
            continue
        if raw.strip().startswith("examples:"):
            in_examples = True
            continue
        if in_examples and kind == "intent":
            em = _EXAMPLE.match(raw)
            if em:
                out[name].append((normalise(em.group(1)), lineno))
    return out


def collect(paths: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """intent -> [(normalised example, "file:line")]"""
    merged: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in paths:
        for intent, examples in parse(path).items():
            for text, lineno in examples:
                merged[intent].append(
                    (
                        text,
                        f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{lineno}",
                    )
                )
    return merged


def expand(items: list[str]) -> list[Path]:
    paths: list[Path] = []
    for item in items:
        p = Path(item)
        if not p.is_absolute():
            p = ROOT / p
        if p.is_dir():
            paths.extend(sorted(p.glob("*.yml")) + sorted(p.glob("*.yaml")))
        else:
            paths.append(p)
    return paths


def cross_intent_conflicts(data: dict[str, list[tuple[str, str]]], label: str) -> list[str]:
    seen: dict[str, tuple[str, str]] = {}
    problems = []
    for intent, examples in sorted(data.items()):
        for text, where in examples:
            if text in seen and seen[text][0] != intent:
                problems.append(
                    f"{label}: {text!r} is under {seen[text][0]} ({seen[text][1]})"
                    f" and {intent} ({where})"
                )
            seen.setdefault(text, (intent, where))
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", nargs="+", default=["data/nlu"])
    ap.add_argument("--test", nargs="+", default=["tests/nlu/test_nlu.yml"])
    ap.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="NAME",
        help="skip training files with this file name (e.g. _bootstrap.yml)",
    )
    args = ap.parse_args(argv)

    train_paths = [p for p in expand(args.train) if p.name not in set(args.exclude)]
    train = collect(train_paths)
    test = collect(expand(args.test))
    problems: list[str] = []

    train_index = {text: (intent, where) for intent, exs in train.items() for text, where in exs}
    for intent, examples in sorted(test.items()):
        for text, where in examples:
            if text in train_index:
                t_intent, t_where = train_index[text]
                problems.append(
                    f"overlap: {text!r} in test ({where}, {intent})"
                    f" and training ({t_where}, {t_intent})"
                )

    problems += cross_intent_conflicts(train, "training conflict")
    problems += cross_intent_conflicts(test, "test conflict")

    print(f"{'intent':28} {'train':>6} {'test':>5}")
    for intent in sorted(set(train) | set(test)):
        n_train = len({t for t, _ in train.get(intent, [])})
        n_test = len({t for t, _ in test.get(intent, [])})
        floor = MIN_TRAIN_HIGH if intent in HIGH_INTENTS else MIN_TRAIN
        flag = ""
        if intent not in test:
            problems.append(f"{intent}: no test examples")
        if intent not in train:
            problems.append(f"{intent}: in the test set but has no training examples")
        if n_train < floor:
            problems.append(f"{intent}: {n_train} unique training examples (< {floor})")
            flag = " <-"
        if n_test < MIN_TEST:
            problems.append(f"{intent}: {n_test} unique test examples (< {MIN_TEST})")
            flag = " <-"
        print(f"{intent:28} {n_train:6d} {n_test:5d}{flag}")

    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print("\nok: no overlap, no conflicts, all intents above the minimums")
    return 0


if __name__ == "__main__":
    sys.exit(main())
