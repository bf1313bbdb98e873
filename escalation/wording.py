"""Every safety text peerline sends, loaded from one reviewed file (`safety_texts.toml`).

The texts live in a data file so a clinical lead can review and change them without reading
Python (a program may point SAFETY_TEXTS_FILE at its own reviewed copy). This module only
loads them and chooses: which reply fits what was said (from the screen's reason codes) and
which "who is coming" line is true (from who was actually paged).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

TEXTS_PATH = Path(__file__).with_name("safety_texts.toml")


class ReplyKind(StrEnum):
    """What a risky text was about, most serious first: the safety reply's wording."""

    OVERDOSE = "overdose"
    SUICIDE_NOW = "suicide_now"
    SUICIDE = "suicide"
    AFTER_OVERDOSE = "after_overdose"
    ALONE = "alone"
    BAD_BATCH = "bad_batch"
    USE = "use"
    GENERAL = "general"


class Paged(StrEnum):
    """Who was actually paged for a case: decides the one honest 'who is coming' line."""

    PEERS = "peers"
    ON_CALL = "on_call"
    NOBODY = "nobody"


# Reason codes (escalation.screen) -> the reply that fits them. Unknown codes read as GENERAL.
KIND_OF_REASON: dict[str, ReplyKind] = {
    "overdose_now": ReplyKind.OVERDOSE,
    "emergency_services": ReplyKind.OVERDOSE,
    "suicide_imminent": ReplyKind.SUICIDE_NOW,
    "self_harm_imminent": ReplyKind.SUICIDE_NOW,
    "suicidal_thoughts": ReplyKind.SUICIDE,
    "self_harm": ReplyKind.SUICIDE,
    "means_access": ReplyKind.SUICIDE,
    "not_safe": ReplyKind.SUICIDE,
    "overdose_recent": ReplyKind.AFTER_OVERDOSE,
    "using_alone": ReplyKind.ALONE,
    "low_tolerance": ReplyKind.ALONE,
    "fentanyl": ReplyKind.BAD_BATCH,
    "bad_batch": ReplyKind.BAD_BATCH,
    "return_to_use": ReplyKind.USE,
    "polysubstance": ReplyKind.USE,
    "stopping_moud_to_use": ReplyKind.USE,
    # the learned layer's readings (escalation/triage.py, LEARNED_REASON)
    "reads_as_emergency": ReplyKind.OVERDOSE,
    "reads_as_suicide": ReplyKind.SUICIDE,
    "reads_as_overdose_risk": ReplyKind.USE,
    "reads_as_possible_emergency": ReplyKind.GENERAL,
    "reads_as_crisis": ReplyKind.GENERAL,  # the fine-tuned reader, with no kind to go on
    # the engine read an overdose, too unsure for an emergency (escalation/screen/context.py)
    "possible_overdose": ReplyKind.GENERAL,
}
_ORDER = list(ReplyKind)


def reply_kind(reason_codes: list[str] | tuple[str, ...]) -> ReplyKind:
    """The most serious kind among the reasons: a suicide text is never told to use safely."""
    kinds = {KIND_OF_REASON.get(code, ReplyKind.GENERAL) for code in reason_codes}
    return min(kinds, key=_ORDER.index) if kinds else ReplyKind.GENERAL


@dataclass(frozen=True)
class Texts:
    """One loaded wording file."""

    replies: dict[str, str]
    human: dict[str, str]
    pages: dict[str, str]
    quick_replies: list[tuple[str, str]]
    fidelity: list[tuple[str, str]]

    def human_line(self, paged: Paged, emergency: bool, minutes: int) -> str:
        """The one line that says who is coming, true to who was paged."""
        if paged is Paged.PEERS:
            line = self.human["emergency_paged" if emergency else "urgent_paged"]
        else:
            line = self.human[f"{paged.value}_paged"]
        return line.format(minutes=minutes)

    def safety_reply(
        self, kind: ReplyKind, paged: Paged, *, emergency: bool, minutes: int, never_use_alone: str
    ) -> str:
        """The safety reply for one risky text: what fits what was said, and who is coming."""
        human = self.human_line(paged, emergency, minutes)
        text = self.replies[kind.value].format(
            human=human, minutes=minutes, never_use_alone=never_use_alone
        )
        return " ".join(text.split())

    def page(self, program: str, level: str, case_id: int) -> str:
        return self.pages["new"].format(program=program, level=level.title(), case_id=case_id)

    def repage(self, program: str, level: str, case_id: int, minutes: int) -> str:
        return self.pages["repage"].format(
            program=program, level=level.title(), case_id=case_id, minutes=minutes
        )


class WordingError(ValueError):
    """The wording file is missing a text or cannot be read (the message says which)."""


@cache
def load(path: Path = TEXTS_PATH) -> Texts:
    """Read and check a wording file; refuses one with a missing text rather than fail later."""
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
        texts = Texts(
            replies={str(k): str(v) for k, v in data["replies"].items()},
            human={str(k): str(v) for k, v in data["human"].items()},
            pages={str(k): str(v) for k, v in data["pages"].items()},
            quick_replies=[(str(q["label"]), str(q["text"])) for q in data["quick_replies"]],
            fidelity=[(str(f["key"]), str(f["label"])) for f in data["fidelity"]],
        )
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise WordingError(f"{path}: {type(exc).__name__}: {exc}") from exc
    missing = [k.value for k in ReplyKind if k.value not in texts.replies]
    missing += [f"{p.value}_paged" for p in (Paged.ON_CALL, Paged.NOBODY)]
    missing += ["emergency_paged", "urgent_paged", *("new", "repage")]
    missing = [m for m in missing if m not in {**texts.replies, **texts.human, **texts.pages}]
    if missing:
        raise WordingError(f"{path}: missing texts {missing}")
    return texts


DEFAULT = load()
QUICK_REPLIES = DEFAULT.quick_replies
FIDELITY_ITEMS = DEFAULT.fidelity
