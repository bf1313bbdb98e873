"""`peerline triage`: the production safety screen on a CSV of texts, with figures."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import track
from rich.table import Table

from bot.engine import RasaEngine, parse_intent
from escalation import triage
from escalation.triage import EngineNlu
from peerline.cli.common import console, load_settings


def triage_file(
    path: Annotated[Path, typer.Argument(help="CSV with a `text` column, optionally `label`")],
    engine: Annotated[bool, typer.Option(help="also run with the engine's NLU (RASA_URL)")] = True,
    show: Annotated[bool, typer.Option(help="print every decision, not only the misses")] = False,
    min_recall: Annotated[float, typer.Option(help="exit 1 below this recall")] = 0.0,
    max_false_rate: Annotated[float, typer.Option(help="exit 1 above this rate")] = 1.0,
) -> None:
    """Run the production safety decision on a CSV and, with labels, measure it."""
    items = _read_triage_csv(path)
    settings = load_settings()
    runs: list[tuple[str, EngineNlu | None]] = [("without the engine", None)]
    rasa = RasaEngine(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_seconds)
    if engine and rasa.is_ready():
        runs.append(("with the engine", lambda text: parse_intent(rasa, text)))
    elif engine:
        console.print(
            f"[yellow]engine not reachable at {settings.rasa_url}: "
            "reporting without it only[/yellow]"
        )
    failed = False
    for title, nlu in runs:
        scored = []
        for item in track(items, description=f"triage {title}", console=console, transient=True):
            scored.extend(triage.score([item], nlu))
        failed |= _report(title, scored, show, min_recall, max_false_rate)
    rasa.close()
    if failed:
        raise typer.Exit(1)


def _read_triage_csv(path: Path) -> list[triage.Labelled]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        console.print(f"[red]can't read {path}: {exc}[/red]")
        raise typer.Exit(2) from exc
    if not rows or "text" not in rows[0]:
        console.print(f"[red]{path} needs a header row with a `text` column[/red]")
        raise typer.Exit(2)
    return [
        triage.Labelled((r.get("text") or ""), (r.get("label") or "").strip() or None) for r in rows
    ]


def _report(
    title: str, scored: list[triage.Scored], show: bool, min_recall: float, max_false_rate: float
) -> bool:
    """Print decisions and figures; True when a threshold is missed."""
    result = triage.metrics(scored)
    shown = scored if show or result is None else [*result.misses, *result.false_escalations]
    table = Table("level", "escalate", "label", "reasons", "text", title=f"decisions {title}")
    for s in shown:
        decision = s.assessment.decision
        table.add_row(
            decision.level.name.lower(),
            "yes" if s.escalated else "no",
            s.item.label or "",
            ", ".join(s.assessment.reason_codes),
            s.item.text[:80],
        )
    if shown:
        console.print(table)
    if result is None:
        console.print(f"{len(scored)} messages {title}; no labels, no figures")
        return False
    console.print(
        f"[bold]{title}[/bold]: {len(scored)} messages, recall {result.recall:.3f}, "
        f"precision {result.precision:.3f}, false escalations "
        f"{result.false_escalation_rate:.3f}, misses {len(result.misses)}"
    )
    return result.recall < min_recall or result.false_escalation_rate > max_false_rate
