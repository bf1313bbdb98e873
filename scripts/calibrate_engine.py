#!/usr/bin/env python3
"""Calibrate how far the engine's NLU may raise a case: escalation/screen/engine_thresholds.json.

    .venv/bin/python scripts/calibrate_engine.py        (or: make engine-trust)

Starts the Rasa engine on the current model (`make train`) on free ports, or uses the
running one at RASA_URL with RASA_TOKEN when --running is given, and asks its NLU for the
top intent of every labelled text in the tuning sets: data/safety/{labelled,blind_a,
blind_c}.csv and data/safety/train_*.csv. Texts the NLU was trained on (data/nlu) are
dropped, so confidence is measured on text the engine never saw. The held-out sets
(blind_b, blind_d, blind_e, blind_f, blind_g, blind_h, blind_i) and
data/safety/calm_check.csv are never read.

For each risk intent, the engine's reading is right when the text is labelled escalate
(for an urgent raise) or labelled an emergency (for an emergency raise). The threshold is
the lowest confidence from which it was right at least TARGET of the time
(`engine_trust.precise_from`); an intent that never gets there may not raise at all.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine import RasaEngine, parse_intent  # noqa: E402
from escalation.screen.engine_trust import THRESHOLDS_PATH, precise_from  # noqa: E402
from escalation.screen.lexicon import Level  # noqa: E402
from escalation.screen.patterns import ENGINE_INTENTS  # noqa: E402
from peerline.engine_process import EngineProcesses, current_model  # noqa: E402
from scripts.train_screen_model import HELD_OUT  # noqa: E402

SAFETY = ROOT / "data" / "safety"
TUNING_FILES = ("labelled.csv", "blind_a.csv", "blind_c.csv")
NEVER_READ = (*HELD_OUT, "calm_check.csv")
TARGET = 0.95  # of the engine's raises from the threshold up, at least this many are right
MIN_TEXTS = 10  # a cut is judged only with at least this many readings above it
_EXAMPLE = re.compile(r"^\s+- (.*\S)\s*$")
_ANNOTATED = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")

Row = tuple[str, str, str]  # text, label, level


def tuning_files() -> list[Path]:
    files = [SAFETY / name for name in TUNING_FILES] + sorted(SAFETY.glob("train_*.csv"))
    assert not any(f.name in NEVER_READ for f in files), "a held-out set is never calibrated on"
    return files


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def nlu_examples() -> set[str]:
    """Every NLU training example, entity marks removed: the engine has seen these."""
    seen: set[str] = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if m := _EXAMPLE.match(line):
                seen.add(_key(_ANNOTATED.sub(r"\1", m.group(1))))
    return seen


def labelled_rows() -> list[Row]:
    """Each labelled tuning text once, minus what the NLU was trained on."""
    trained = nlu_examples()
    rows: dict[str, Row] = {}
    for path in tuning_files():
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for r in csv.DictReader(handle):
                label = (r.get("label") or "").strip()
                text = r.get("text") or ""
                if label in ("escalate", "no_escalate") and text and _key(text) not in trained:
                    rows.setdefault(_key(text), (text, label, (r.get("level") or "").strip()))
    return list(rows.values())


def calibrate(readings: list[tuple[Row, str, float]]) -> dict[str, dict[str, object]]:
    """Each risk intent's thresholds and what they were measured on."""
    out: dict[str, dict[str, object]] = {}
    for intent, (level, _code) in sorted(ENGINE_INTENTS.items()):
        mine = [(row, confidence) for row, name, confidence in readings if name == intent]
        urgent = precise_from([(c, row[1] == "escalate") for row, c in mine], TARGET, MIN_TEXTS)
        spec: dict[str, object] = {
            "raise_from": urgent[0] if urgent else None,
            "precision": round(urgent[1], 3) if urgent else None,
            "texts_from": urgent[2] if urgent else 0,
            "texts_read_as_it": len(mine),
        }
        if level == Level.EMERGENCY:
            now = precise_from([(c, row[2] == "emergency") for row, c in mine], TARGET, MIN_TEXTS)
            spec["emergency_from"] = now[0] if now else None
            spec["emergency_precision"] = round(now[1], 3) if now else None
            spec["emergency_texts_from"] = now[2] if now else 0
        out[intent] = spec
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def read_all(
    rows: list[Row], nlu: Callable[[str], tuple[str, float] | None]
) -> list[tuple[Row, str, float]]:
    readings: list[tuple[Row, str, float]] = []
    for i, row in enumerate(rows, start=1):
        parsed = nlu(row[0])
        if parsed is None:
            raise SystemExit(f"the engine did not answer on text {i}: calibration stopped")
        readings.append((row, parsed[0], round(parsed[1], 4)))
        if i % 250 == 0:
            print(f"  {i}/{len(rows)} texts read", flush=True)
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--running", action="store_true", help="use the engine at RASA_URL")
    parser.add_argument("--readings", type=Path, help="also write every reading here (JSON)")
    args = parser.parse_args()
    rows = labelled_rows()
    print(f"{len(rows)} labelled tuning texts the NLU was not trained on")
    processes: EngineProcesses | None = None
    if args.running:
        url, token = os.environ["RASA_URL"], os.environ["RASA_TOKEN"]
    else:
        state = Path(tempfile.mkdtemp(prefix="peerline-calibrate-"))
        processes = EngineProcesses(secrets.token_hex(16), _free_port(), _free_port(), state)
        processes.start()
        processes.wait_ready(timeout=600)
        url, token = processes.url, processes.token
    engine = RasaEngine(url, token, timeout=30)
    try:
        readings = read_all(rows, lambda text: parse_intent(engine, text))
    finally:
        engine.close()
        if processes is not None:
            processes.stop()
    if args.readings:
        args.readings.write_text(json.dumps(readings, indent=0), encoding="utf-8")
    result = {
        "about": "written by scripts/calibrate_engine.py; see escalation/screen/engine_trust.py",
        "model": current_model().name,
        "target_precision": TARGET,
        "min_texts": MIN_TEXTS,
        "texts": len(rows),
        "sets": [f.name for f in tuning_files()],
        "intents": calibrate(readings),
    }
    THRESHOLDS_PATH.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for intent, spec in result["intents"].items():
        print(f"  {intent}: {spec}")
    print(f"wrote {THRESHOLDS_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
