"""`peerline triage`: the production safety screen on a CSV of texts, with figures."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import track
from rich.table import Table

from bot.engine import RasaEngine, parse_intent
from escalation.triage import EngineNlu
from peerline.cli.common import console, load_settings

if TYPE_CHECKING:
    from escalation.measure import Labelled, Scored

# The measuring modules (numpy, the learned layer, matplotlib) are imported where they are
# used: every `peerline` command imports this file, and `peerline serve --role web` must not
# carry the screen's encoder.


def triage_file(
    paths: Annotated[
        list[Path],
        typer.Argument(help="CSVs with a `text` column, optionally `label`", metavar="FILE..."),
    ],
    engine: Annotated[bool, typer.Option(help="also run with the engine's NLU (RASA_URL)")] = True,
    show: Annotated[bool, typer.Option(help="print every decision, not only the misses")] = False,
    min_recall: Annotated[float, typer.Option(help="exit 1 below this recall")] = 0.0,
    max_false_rate: Annotated[float, typer.Option(help="exit 1 above this rate")] = 1.0,
    reports: Annotated[
        Path, typer.Option(help="folder for the calibration plot (PNG)", file_okay=False)
    ] = Path("reports"),
) -> None:
    """Run the production safety decision on each CSV and, with labels, measure it: recall,
    false escalations, recall per kind of crisis, and a calibration plot in REPORTS. Several
    files share one start-up (the screen's models load once) and each meets the thresholds."""
    files = [(path, _read_triage_csv(path)) for path in paths]  # a bad file stops before work
    settings = load_settings()
    runs: list[tuple[str, EngineNlu | None]] = [("without the engine", None)]
    rasa = RasaEngine(settings.rasa_replicas, settings.rasa_token, settings.rasa_timeout_seconds)
    if engine and rasa.is_ready():
        runs.append(("with the engine", lambda text: parse_intent(rasa, text)))
    elif engine:
        console.print(
            f"[yellow]engine not reachable at {settings.rasa_url}: "
            "reporting without it only[/yellow]"
        )
    failed = False
    named = len(files) > 1  # then each figure line says which file it is about
    for path, items in files:
        for title, nlu in runs:
            label = f"{path.name} {title}" if named else title
            scored = _score(items, nlu, label)
            failed |= _report(label, scored, show, min_recall, max_false_rate)
            if nlu is None:
                _plot(path, scored, reports)
    rasa.close()
    if failed:
        raise typer.Exit(1)


def _score(items: list[Labelled], nlu: EngineNlu | None, title: str) -> list[Scored]:
    from escalation import measure

    scored: list[Scored] = []
    for item in track(items, description=f"triage {title}", console=console, transient=True):
        scored.extend(measure.score([item], nlu))
    return scored


def _read_triage_csv(path: Path) -> list[Labelled]:
    from escalation.measure import Labelled, kind_of

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
        Labelled(
            r.get("text") or "",
            (r.get("label") or "").strip() or None,
            kind_of(r) if (r.get("label") or "").strip() else None,
        )
        for r in rows
    ]


def _report(
    title: str, scored: list[Scored], show: bool, min_recall: float, max_false_rate: float
) -> bool:
    """Print decisions and figures; True when a threshold is missed."""
    from escalation import measure

    result = measure.metrics(scored)
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
    kinds = [
        f"{kind.replace('_', ' ')} {hit / total:.3f} ({hit}/{total})"
        for kind, (hit, total) in result.recall_by_kind.items()
        if total
    ]
    if kinds:
        console.print(f"  recall by kind {title}: " + ", ".join(kinds))
    return result.recall < min_recall or result.false_escalation_rate > max_false_rate


def _plot(source: Path, scored: list[Scored], reports: Path) -> None:
    """The learned layer's calibration on this file, as a PNG a coordinator can open."""
    from escalation import learned, measure
    from peerline.cli.plots import calibration_png

    bins = measure.calibration(scored)
    if not any(b.texts for b in bins):
        return
    model = learned.load()
    threshold = model.threshold if model else None
    target = reports / f"calibration-{source.stem}.png"
    try:
        calibration_png(bins, target, f"{source.name}: learned screen calibration", threshold)
    except OSError as exc:
        console.print(f"[yellow]calibration plot not written: {exc}[/yellow]")
        return
    console.print(f"  calibration plot: {target}")
