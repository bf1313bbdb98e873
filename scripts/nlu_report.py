#!/usr/bin/env python3
"""Turn `rasa test nlu` results into reports/nlu.md (runs in the engine env, stdlib only).

Reads <results>/intent_report.json and <results>/intent_errors.json. Writes per-intent
precision/recall/F1/support, the misclassified examples, the macro F1 and, for risk_*
intents, whether recall >= 0.95. Prints the macro F1 on the last line. Exit status 1 if
macro F1 < 0.90 or any risk intent's recall < 0.95 (2 if the results are missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

MACRO_F1_MIN = 0.90
RISK_RECALL_MIN = 0.95
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def build(results: Path, model: str) -> tuple[str, float, list[str]]:
    report = json.loads((results / "intent_report.json").read_text())
    errors_file = results / "intent_errors.json"
    errors = json.loads(errors_file.read_text()) if errors_file.exists() else []
    intents = sorted(k for k in report if k not in SUMMARY_KEYS and isinstance(report[k], dict))
    macro = report.get("macro avg", {}).get("f1-score")
    if macro is None:  # compute it if rasa left it out
        macro = sum(report[i]["f1-score"] for i in intents) / max(len(intents), 1)
    failures: list[str] = []
    if macro < MACRO_F1_MIN:
        failures.append(f"macro F1 {macro:.3f} < {MACRO_F1_MIN}")

    lines = ["# NLU evaluation", ""]
    if model:
        lines += [f"Model: `{model}`  ", ""]
    lines += [
        f"Held-out set: `tests/nlu`. Macro F1: **{macro:.3f}** (gate {MACRO_F1_MIN}). "
        f"Accuracy: {report.get('accuracy', float('nan')):.3f}. "
        f"Risk intents need recall >= {RISK_RECALL_MIN}.",
        "",
        "## Per intent",
        "",
        "| intent | precision | recall | F1 | support | risk gate |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for intent in intents:
        r = report[intent]
        gate = ""
        if intent.startswith("risk_"):
            ok = r["recall"] >= RISK_RECALL_MIN
            gate = "PASS" if ok else "FAIL"
            if not ok:
                failures.append(f"{intent} recall {r['recall']:.3f} < {RISK_RECALL_MIN}")
        scores = f"{r['precision']:.3f} | {r['recall']:.3f} | {r['f1-score']:.3f}"
        lines.append(f"| {intent} | {scores} | {r['support']} | {gate} |")
    lines += ["", f"## Misclassified examples ({len(errors)})", ""]
    if errors:
        lines += ["| text | expected | predicted | confidence |", "|---|---|---|---:|"]
        for e in sorted(
            errors,
            key=lambda e: (
                e.get("intent") or "",
                -(e.get("intent_prediction") or {}).get("confidence", 0),
            ),
        ):
            pred = e.get("intent_prediction") or {}
            text = cell(e.get("text", ""))
            confidence = pred.get("confidence", 0)
            lines.append(f"| {text} | {e.get('intent')} | {pred.get('name')} | {confidence:.3f} |")
    else:
        lines.append("None.")
    lines += ["", "## Result", ""]
    lines += [f"- FAIL: {f}" for f in failures] or ["- PASS"]
    return "\n".join(lines) + "\n", macro, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/nlu")
    parser.add_argument("--out", default="reports/nlu.md")
    parser.add_argument("--model", default="")
    args = parser.parse_args()
    results = Path(args.results)
    if not (results / "intent_report.json").exists():
        print(
            f"missing {results / 'intent_report.json'} - run `rasa test nlu` first", file=sys.stderr
        )
        return 2
    text, macro, failures = build(results, args.model)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    print(f"report: {out}", file=sys.stderr)
    print(f"{macro:.4f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
