"""The shapes every figure of the coordinators' pages takes: a period to look at, and tables
that render as HTML, draw as charts and download as CSV from one definition."""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from records.clock import Clock

Cell = str | int | float | None
Row = tuple[Cell, ...]

PERIODS = {"week": 7, "month": 30, "quarter": 91, "half": 182, "year": 365}


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, from local dates in the program's zone; `label` for people."""

    start: datetime
    end: datetime
    label: str
    key: str  # how to ask for it again: "month", or "2026-10-01..2026-10-31"

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    @property
    def query(self) -> str:
        """The query string that asks for this period again (links, CSV, print)."""
        if ".." not in self.key:
            return urlencode({"period": self.key})
        first, _, last = self.key.partition("..")
        return urlencode({"from": first, "to": last})


def period_from(query: dict[str, str], clock: Clock, zone: ZoneInfo) -> Period:
    """The period a page asks for: `period=week|month|...`, or `from`/`to` local dates
    (inclusive). Anything unreadable falls back to the last 30 days, never an error."""
    today = clock.now().astimezone(zone).date()
    first, last = _dates(query.get("from", ""), query.get("to", ""))
    if first is not None and last is not None and first <= last <= today + timedelta(days=1):
        start, end = _midnight(first, zone), _midnight(last + timedelta(days=1), zone)
        label = f"{first:%b %d, %Y} to {last:%b %d, %Y}"
        return Period(start, end, label, f"{first.isoformat()}..{last.isoformat()}")
    name = query.get("period", "month")
    days = PERIODS.get(name, 30)
    end = _midnight(today + timedelta(days=1), zone)
    label = {7: "the last 7 days", 30: "the last 30 days"}.get(days, f"the last {days} days")
    return Period(end - timedelta(days=days), end, label, name if name in PERIODS else "month")


def _dates(raw_from: str, raw_to: str) -> tuple[date | None, date | None]:
    try:
        return date.fromisoformat(raw_from.strip()), date.fromisoformat(raw_to.strip())
    except ValueError:
        return None, None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone)


@dataclass(frozen=True)
class Chart:
    """How a table is drawn: which column is the x axis and which are series."""

    kind: str  # "bar" | "line"
    x: str
    series: tuple[str, ...]
    stacked: bool = False
    percent: bool = False


@dataclass(frozen=True)
class Table:
    """One figure: a title, a sentence that says how it is counted, columns and rows."""

    key: str  # stable id: the CSV's name and the chart's element id
    title: str
    how: str
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    chart: Chart | None = None

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow(["" if cell is None else _plain(cell) for cell in row])
        return out.getvalue()

    def chart_data(self) -> dict[str, object] | None:
        """What console/static/charts.js draws: labels and one dataset per series."""
        if self.chart is None or not self.rows:
            return None
        x = self.columns.index(self.chart.x)
        return {
            "kind": self.chart.kind,
            "stacked": self.chart.stacked,
            "percent": self.chart.percent,
            "labels": [str(row[x]) for row in self.rows],
            "series": [
                {"name": name, "values": [row[self.columns.index(name)] for row in self.rows]}
                for name in self.chart.series
            ],
        }


def _plain(cell: Cell) -> str | int | float:
    if isinstance(cell, float):
        return round(cell, 4)
    if isinstance(cell, str):
        return csv_text(cell)
    return cell if cell is not None else ""


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """Text that a spreadsheet shows as text: an alias or a detail starting with "=" or "@"
    would otherwise run as a formula when a coordinator opens the CSV (OWASP CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Rate(float):
    """A proportion (0-1): shown as a percentage, written to CSV as the fraction."""


def rate(part: int, whole: int) -> Rate | None:
    """A proportion, or None when there is nothing to divide by (shown as a dash)."""
    return Rate(part / whole) if whole else None


def shown(cell: Cell) -> str:
    """How a cell reads on the page: rates as percentages, minutes to one decimal."""
    if cell is None:
        return "-"
    if isinstance(cell, Rate):
        return f"{cell * 100:.0f}%"
    if isinstance(cell, float):
        return f"{cell:.1f}"
    return str(cell)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), nearest-rank, so a small fixture can be checked by hand."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100), at least 1
    return ordered[int(rank) - 1]
