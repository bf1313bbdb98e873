"""Measuring the safety screen on labelled texts: recall, false escalations, recall by kind
of crisis, and how well the learned layer's probabilities are calibrated. Used by
`peerline triage`, `make test` and the trainer, so every figure is computed one way."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from escalation import learned, triage
from escalation.triage import Assessment, EngineNlu

# Older sets name the kind of crisis only in a free-text note; these words mark suicide.
_SUICIDE_NOTE = re.compile(r"suicid|self_harm|\bsi\b|_si|si_|goodbye|attempt|hopeless|jump")


def kind_of(row: Mapping[str, str | None]) -> str:
    """The crisis kind of a labelled row (one of learned.KINDS, or "negative"): its `kind`
    column, else read from its level and note."""
    if (row.get("label") or "").strip() != "escalate":
        return "negative"
    kind = (row.get("kind") or "").strip()
    if kind in learned.KINDS:
        return kind
    if _SUICIDE_NOTE.search((row.get("note") or "").lower()):
        return "suicide"
    return "emergency" if (row.get("level") or "").strip() == "emergency" else "overdose_risk"


@dataclass(frozen=True)
class Labelled:
    text: str
    label: str | None  # "escalate" / "no_escalate", or None when the file has no labels
    kind: str | None = None  # learned.KINDS or "negative"; None without labels


@dataclass(frozen=True)
class Scored:
    item: Labelled
    assessment: Assessment

    @property
    def escalated(self) -> bool:
        return self.assessment.decision.escalate


@dataclass(frozen=True)
class Metrics:
    recall: float
    precision: float
    false_escalation_rate: float
    misses: list[Scored]
    false_escalations: list[Scored]
    recall_by_kind: dict[str, tuple[int, int]]  # kind -> (escalated, texts of that kind)


def score(items: list[Labelled], engine_nlu: EngineNlu | None) -> list[Scored]:
    return [Scored(item, triage.assess(item.text, None, engine_nlu)) for item in items]


def metrics(scored: list[Scored]) -> Metrics | None:
    labelled = [s for s in scored if s.item.label in ("escalate", "no_escalate")]
    if not labelled:
        return None
    positives = [s for s in labelled if s.item.label == "escalate"]
    negatives = [s for s in labelled if s.item.label == "no_escalate"]
    flagged = [s for s in labelled if s.escalated]
    hits = [s for s in positives if s.escalated]
    by_kind = {
        kind: (
            sum(s.escalated for s in positives if s.item.kind == kind),
            sum(s.item.kind == kind for s in positives),
        )
        for kind in learned.KINDS
    }
    return Metrics(
        recall=len(hits) / len(positives) if positives else 1.0,
        precision=len(hits) / len(flagged) if flagged else 1.0,
        false_escalation_rate=(
            sum(s.escalated for s in negatives) / len(negatives) if negatives else 0.0
        ),
        misses=[s for s in positives if not s.escalated],
        false_escalations=[s for s in negatives if s.escalated],
        recall_by_kind=by_kind,
    )


@dataclass(frozen=True)
class Bin:
    """Texts whose learned probability fell in [low, high): how many, and how many were crises."""

    low: float
    high: float
    texts: int
    crises: int
    mean_probability: float


def calibration(scored: list[Scored], bins: int = 10) -> list[Bin]:
    """A reliability table: in each probability bin, the share of texts that were crises."""
    out: list[Bin] = []
    pairs = [
        (s.assessment.learned_probability, s.item.label == "escalate")
        for s in scored
        if s.item.label in ("escalate", "no_escalate")
        and s.assessment.learned_probability is not None
    ]
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        inside = [(p, y) for p, y in pairs if p is not None and (low <= p < high or p == high == 1)]
        mean = sum(p for p, _ in inside if p is not None) / len(inside) if inside else 0.0
        out.append(Bin(low, high, len(inside), sum(y for _, y in inside), mean))
    return out
