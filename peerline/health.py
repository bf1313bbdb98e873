"""`/healthz` and `/metrics`: is this process doing its work, and is the work keeping up?

A process is unhealthy (503) when one of its work loops has died or stopped ticking, or when
a backlog shared by every process is older than its threshold: a text nobody has screened,
a turn still pending, a text still unsent, a case nobody has claimed. The engine's
reachability is reported, not judged: with the engine down the safety lane still screens
and pages, and the pending turns' age turns the check red if it lasts. Both endpoints carry
counts, ages and durations only: no phone number, no text, no name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from messaging.outbox import UNSENT
from peerline.loops import Loop
from records.clock import Clock
from records.db import Database
from records.models import Case, CaseStatus, Direction, Message, TurnStatus
from records.settings import Settings
from records.timings import Timings


@dataclass(frozen=True)
class Watched:
    """What the checks read from one running peerline."""

    settings: Settings
    db: Database
    clock: Clock
    loops: Callable[[], list[Loop]]
    started: Callable[[], bool]
    engine_replicas: Callable[[], dict[str, bool]]  # each replica's URL: model loaded?


def backlog_ages(db: Database, now: datetime) -> dict[str, float | None]:
    """Seconds since the oldest item of each backlog arrived (None: nothing waiting)."""
    queries = {
        "unscreened_text": select(func.min(Message.created_at)).where(
            Message.direction == Direction.INBOUND, Message.screened_at.is_(None)
        ),
        "pending_turn": select(func.min(Message.created_at)).where(
            Message.direction == Direction.INBOUND, Message.turn_status == TurnStatus.PENDING
        ),
        "unsent_text": select(func.min(Message.created_at)).where(
            Message.direction == Direction.OUTBOUND, Message.status.in_(UNSENT)
        ),
        "unclaimed_case": select(func.min(Case.opened_at)).where(Case.status == CaseStatus.OPEN),
    }
    ages: dict[str, float | None] = {}
    with db.session() as session:
        for name, query in queries.items():
            oldest = session.scalar(query)
            ages[name] = None if oldest is None else max((now - _aware(oldest)).total_seconds(), 0)
    return ages


def _aware(value: datetime) -> datetime:
    """min() over a UTC column comes back naive on SQLite."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def loop_states(watched: Watched, now: float) -> dict[str, dict[str, object]]:
    stale = watched.settings.health_loop_stale_seconds
    states: dict[str, dict[str, object]] = {}
    for loop in watched.loops():
        age = None if loop.last_tick is None else round(now - loop.last_tick, 3)
        ok = loop.alive and age is not None and age <= stale
        states[loop.name] = {"alive": loop.alive, "last_tick_age_s": age, "ok": ok}
    return states


def check(watched: Watched) -> tuple[bool, dict[str, object]]:
    """The health report, and whether it is healthy."""
    limits = {
        "unscreened_text": watched.settings.health_screen_backlog_seconds,
        "pending_turn": watched.settings.health_turn_backlog_seconds,
        "unsent_text": watched.settings.health_outbox_backlog_seconds,
        "unclaimed_case": watched.settings.health_case_backlog_seconds,
    }
    ages = backlog_ages(watched.db, watched.clock.now())
    backlogs = {
        name: {
            "oldest_age_s": age,
            "limit_s": limits[name],
            "ok": age is None or age <= limits[name],
        }
        for name, age in ages.items()
    }
    started = watched.started()
    loops = loop_states(watched, watched.clock.now().timestamp()) if started else {}
    ok = all(b["ok"] for b in backlogs.values()) and all(s["ok"] for s in loops.values())
    report: dict[str, object] = {
        "ok": ok,
        "role": watched.settings.role,  # web: its loops run in the `work` processes
        "loops_started": started,
        "loops": loops,
        "engine": _engine(watched.engine_replicas()),
        "backlogs": backlogs,
    }
    return ok, report


def _engine(replicas: dict[str, bool]) -> dict[str, object]:
    """Reachable when any replica answers (a person's turn fails over to it)."""
    return {"reachable": any(replicas.values()), "replicas": replicas}


class HealthCollector(Collector):
    """The health report as Prometheus gauges, read fresh on every scrape."""

    def __init__(self, watched: Watched) -> None:
        self.watched = watched

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ok, report = check(self.watched)
        yield GaugeMetricFamily("peerline_healthy", "1 when /healthz answers 200", value=int(ok))
        alive = GaugeMetricFamily("peerline_loop_alive", "work loop thread alive", labels=["loop"])
        tick = GaugeMetricFamily(
            "peerline_loop_last_tick_age_seconds", "since the loop last ticked", labels=["loop"]
        )
        for name, state in _dict(report["loops"]).items():
            alive.add_metric([name], float(bool(state["alive"])))
            if state["last_tick_age_s"] is not None:
                tick.add_metric([name], float(state["last_tick_age_s"]))  # type: ignore[arg-type]
        yield alive
        yield tick
        engine = _dict(report["engine"])
        yield GaugeMetricFamily(
            "peerline_engine_reachable",
            "at least one Rasa replica answers",
            value=int(bool(engine["reachable"])),
        )
        replica = GaugeMetricFamily(
            "peerline_engine_replica_ready", "this Rasa replica answers", labels=["replica"]
        )
        for url, ready in _dict(engine["replicas"]).items():
            replica.add_metric([url], float(bool(ready)))
        yield replica
        backlog = GaugeMetricFamily(
            "peerline_backlog_oldest_age_seconds",
            "age of the oldest waiting item (0: none)",
            labels=["backlog"],
        )
        for name, state in _dict(report["backlogs"]).items():
            backlog.add_metric([name], float(state["oldest_age_s"] or 0.0))  # type: ignore[arg-type]
        yield backlog


def _dict(value: object) -> dict[str, dict[str, object]]:
    assert isinstance(value, dict)
    return value


def build_health_router(watched: Watched, timings: Timings) -> APIRouter:
    router = APIRouter(tags=["health"])
    timings.registry.register(HealthCollector(watched))

    @router.get("/healthz")
    def healthz() -> JSONResponse:
        ok, report = check(watched)
        return JSONResponse(report, status_code=200 if ok else 503)

    @router.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(timings.registry), media_type=CONTENT_TYPE_LATEST)

    return router
