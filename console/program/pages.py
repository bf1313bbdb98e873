"""The program's results and the peers' work: pages with charts, and every table as CSV.

A CSV download is the same table the page shows (`Table.to_csv`), so a figure read back
from the file is the figure on the screen. Downloads are aggregates, but they are still
recorded in the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from console.access import Viewer
from console.deps import ConsoleDeps
from console.pages import Pages
from console.program import metrics, peers
from console.program.tables import Period, Table, period_from
from escalation import cases

Handler = Callable[[Request, Viewer, dict[str, str]], Response]
CSV_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class ProgramPages:
    def __init__(self, deps: ConsoleDeps, pages: Pages) -> None:
        self.deps = deps
        self.pages = pages

    def handlers(self) -> dict[str, Handler]:
        return {
            "console_dashboard": self.dashboard,
            "console_dashboard_csv": self.dashboard_csv,
            "console_peers": self.peers,
            "console_peers_csv": self.peers_csv,
        }

    def _period(self, request: Request) -> Period:
        return period_from(dict(request.query_params), self.deps.clock, self.deps.zone)

    def _dashboard_tables(self, session: Session, period: Period, now: datetime) -> list[Table]:
        return metrics.dashboard(session, period, now, self.deps.policy)

    def _peer_tables(self, session: Session, period: Period, now: datetime) -> list[Table]:
        return [
            peers.work(session, period),
            peers.fidelity(session, period),
            peers.wellbeing(session, period),
        ]

    def dashboard(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        period, now = self._period(request), self.deps.clock.now()
        with self.deps.db.session() as session:
            tables = self._dashboard_tables(session, period, now)
            cases.record_view(session, viewer.me, None, "view_dashboard", now, period.key)
        return self._render("dashboard.html", viewer, period, tables, "/console/dashboard")

    def peers(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        period, now = self._period(request), self.deps.clock.now()
        with self.deps.db.session() as session:
            tables = self._peer_tables(session, period, now)
            notes = peers.debrief_notes(session, period)
            cases.record_view(session, viewer.me, None, "view_peers", now, period.key)
        return self._render("peers.html", viewer, period, tables, "/console/peers", notes=notes)

    def _render(
        self,
        template: str,
        viewer: Viewer,
        period: Period,
        tables: list[Table],
        base: str,
        **extra: Any,
    ) -> Response:
        query = period.query
        charts = {t.key: json.dumps(t.chart_data()) for t in tables if t.chart_data()}
        return self.pages.render(
            template,
            viewer,
            period=period,
            tables=tables,
            charts=charts,
            csv={t.key: f"{base}/{t.key}.csv?{query}" for t in tables},
            **extra,
        )

    def dashboard_csv(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        return self._csv(request, viewer, self._dashboard_tables, "dashboard")

    def peers_csv(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        return self._csv(request, viewer, self._peer_tables, "peers")

    def _csv(
        self,
        request: Request,
        viewer: Viewer,
        tables: Callable[[Session, Period, datetime], list[Table]],
        page: str,
    ) -> Response:
        key = str(request.path_params.get("table", ""))
        period, now = self._period(request), self.deps.clock.now()
        with self.deps.db.session() as session:
            found = next((t for t in tables(session, period, now) if t.key == key), None)
            if found is not None:
                detail = f"{page}/{key} {period.key}"
                cases.record_view(session, viewer.me, None, "download_csv", now, detail)
        if found is None:
            return Response("No such table.", 404, media_type="text/plain")
        filename = f"peerline-{key}-{period.key.replace('..', '-to-')}.csv"
        headers = {**CSV_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
        return Response(found.to_csv(), media_type="text/csv; charset=utf-8", headers=headers)
