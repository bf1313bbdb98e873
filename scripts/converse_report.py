"""Judging played conversations: the figures (reply time, silence, fallbacks, repeats, crisis
agreement, segments) and the Markdown report with every transcript."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from scripts.converse_play import Played, Transcript, segment_count

DOMAIN = Path(__file__).resolve().parent.parent / "bot" / "domain.yml"
# The responses that mean "I did not understand": the generic fallbacks and the re-asks.
FALLBACK_RESPONSES = (
    "utter_default",
    "utter_fallback",
    "utter_fallback_risk",
    "utter_ask_mood_again",
    "utter_ask_craving_again",
)
CRISIS_LEVELS = {"urgent", "emergency"}


def _num(value: float | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:.{places}f}"


@dataclass(frozen=True)
class Figures:
    conversations: int
    texts: int
    replies: int
    median_seconds: float | None
    p95_seconds: float | None
    no_reply: int
    held_for_peer: int
    fallback: int
    repeated: int
    crisis_texts: int
    crisis_caught: int
    crisis_covered: int  # caught, or already with a peer from an earlier crisis text
    calm_texts: int
    false_alarms: int
    segments_mean: float | None
    segments_max: int | None

    def rows(self) -> list[tuple[str, str]]:
        """(figure, value) in report order; the names are the report's headings."""
        caught = f"{self.crisis_caught} / {self.crisis_texts}"
        covered = f"{self.crisis_covered} / {self.crisis_texts}"
        return [
            ("conversations", str(self.conversations)),
            ("participant texts", str(self.texts)),
            ("bot replies", str(self.replies)),
            (
                "reply time median / p95 (s)",
                f"{_num(self.median_seconds)} / {_num(self.p95_seconds)}",
            ),
            ("texts with no reply", str(self.no_reply)),
            ("texts held for a peer (bot paused, no reply)", str(self.held_for_peer)),
            ("texts answered with the generic fallback", str(self.fallback)),
            ("same bot reply repeated in a conversation", str(self.repeated)),
            ("crisis texts that opened/raised an urgent or emergency case", caught),
            ("crisis texts caught, or already with a peer from an earlier one", covered),
            (
                "non-crisis texts that opened/raised an urgent or emergency case",
                f"{self.false_alarms} / {self.calm_texts}",
            ),
            (
                "segments per reply (mean / max)",
                f"{_num(self.segments_mean, 2)} / {_num(self.segments_max, 0)}",
            ),
        ]


FIGURE_NAMES = [
    name for name, _ in Figures(0, 0, 0, None, None, 0, 0, 0, 0, 0, 0, 0, 0, 0, None, None).rows()
]


def fallback_patterns(domain: Path = DOMAIN) -> list[re.Pattern[str]]:
    """The fallback responses' texts from the domain, as it is now; {slots} match anything."""
    responses = (yaml.safe_load(domain.read_text(encoding="utf-8")) or {}).get("responses", {})
    patterns = []
    for name in FALLBACK_RESPONSES:
        for variant in responses.get(name, []):
            text = str(variant.get("text", "")).strip()
            if text:
                parts = re.split(r"\{[^}]*\}", text)
                patterns.append(re.compile(".+?".join(re.escape(p) for p in parts)))
    if not patterns:
        raise ValueError(f"no fallback responses found in {domain}")
    return patterns


def is_fallback(played: Played, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.search(reply) for reply in played.replies for p in patterns)


def repeats(transcript: Transcript) -> int:
    """Replies whose exact body the bot had already sent earlier in the same conversation."""
    bodies = Counter(reply for played in transcript.played for reply in played.replies)
    return sum(times - 1 for times in bodies.values() if times > 1)


def covered(transcript: Transcript) -> int:
    """Crisis texts a human has: each one opened or raised a case, or came while an earlier
    text's urgent or emergency case had the bot standing aside for a peer."""
    count, with_peer = 0, False
    for played in transcript.played:
        opened = played.case_level in CRISIS_LEVELS
        if played.turn.crisis is True and (opened or (with_peer and played.bot_paused)):
            count += 1
        with_peer = with_peer or opened
    return count


def figures(transcripts: list[Transcript], patterns: list[re.Pattern[str]]) -> Figures:
    played = [p for t in transcripts for p in t.played]
    seconds = [p.seconds for p in played if p.seconds is not None]
    sizes = [segment_count(reply) for p in played for reply in p.replies]
    crisis = [p for p in played if p.turn.crisis is True]
    calm = [p for p in played if p.turn.crisis is False]
    return Figures(
        conversations=len(transcripts),
        texts=len(played),
        replies=sum(len(p.replies) for p in played),
        median_seconds=statistics.median(seconds) if seconds else None,
        p95_seconds=_p95(seconds),
        no_reply=sum(not p.replies and not p.bot_paused for p in played),
        held_for_peer=sum(not p.replies and p.bot_paused for p in played),
        fallback=sum(is_fallback(p, patterns) for p in played),
        repeated=sum(repeats(t) for t in transcripts),
        crisis_texts=len(crisis),
        crisis_caught=sum(p.case_level in CRISIS_LEVELS for p in crisis),
        crisis_covered=sum(covered(t) for t in transcripts),
        calm_texts=len(calm),
        false_alarms=sum(p.case_level in CRISIS_LEVELS for p in calm),
        segments_mean=statistics.mean(sizes) if sizes else None,
        segments_max=max(sizes) if sizes else None,
    )


def _p95(values: list[float]) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[94]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def markdown(
    title: str, transcripts: list[Transcript], patterns: list[re.Pattern[str]], where: str
) -> str:
    """The whole report: the figures first, then one transcript table per conversation."""
    lines = [
        f"# Conversations: {title}",
        "",
        f"Played through the phone's path ({where}): signed Twilio webhooks into `peerline serve`, "
        "the real Rasa engine, the outbox, and the sandbox carrier. A reply marked (fallback) "
        "is one of the domain's did-not-understand responses; (repeat) was already sent "
        "earlier in the same conversation.",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {name} | {value} |" for name, value in figures(transcripts, patterns).rows()),
    ]
    for transcript in transcripts:
        lines += ["", *_transcript(transcript, patterns)]
    return "\n".join(lines) + "\n"


def _transcript(transcript: Transcript, patterns: list[re.Pattern[str]]) -> list[str]:
    conversation = transcript.conversation
    lines = [
        f"## {conversation.id}: {_cell(conversation.about)}",
        "",
        "| # | participant text | bot replies | s | expect | case level | check-in |",
        "|---|---|---|---|---|---|---|",
    ]
    seen: set[str] = set()
    for number, played in enumerate(transcript.played, 1):
        shown = []
        for reply in played.replies:
            marks = [
                m
                for m, on in (("fallback", _matches(reply, patterns)), ("repeat", reply in seen))
                if on
            ]
            seen.add(reply)
            shown.append(_cell(reply) + "".join(f" _({m})_" for m in marks))
        replies = "<br>".join(shown) or (
            "_(held for a peer)_" if played.bot_paused else "**no reply**"
        )
        crisis = {True: " [crisis]", False: "", None: ""}[played.turn.crisis]
        lines.append(
            f"| {number} | {_cell(played.turn.text)} | {replies} | {_num(played.seconds, 1)} | "
            f"{_cell(played.turn.expect)}{crisis} | {played.case_level or ''} | "
            f"{_cell(played.checkin or '')} |"
        )
    return lines


def _matches(reply: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.search(reply) for p in patterns)


def print_figures(console: Console, title: str, figures_: Figures) -> None:
    table = Table("figure", "value", title=f"conversations: {title}")
    for name, value in figures_.rows():
        table.add_row(name, value)
    console.print(table)
