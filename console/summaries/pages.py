"""The summary pages: one participant's summary for a period (on screen and printable for the
care-team meeting), and the program's "needs attention" list."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select

from console.access import Viewer, readable_participant
from console.deps import ConsoleDeps
from console.pages import Pages
from console.program.tables import period_from
from console.summaries.attention import needs_attention
from console.summaries.summary import Statement, Summary, build
from escalation import cases
from records.models import StaffUser
from records.phones import mask

Handler = Callable[[Request, Viewer, dict[str, str]], Response]
SHOWN = 200  # the most pressing first; the directory's filter lists them all


class SummaryPages:
    def __init__(self, deps: ConsoleDeps, pages: Pages, silent_after: timedelta) -> None:
        self.deps = deps
        self.pages = pages
        self.silent_after = silent_after

    def handlers(self) -> dict[str, Handler]:
        return {
            "console_summary": self.summary,
            "console_summary_print": self.printable,
            "console_attention": self.attention,
        }

    def summary(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        return self._summary(request, viewer, "summary.html", "view_summary")

    def printable(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        return self._summary(request, viewer, "summary_print.html", "print_summary")

    def _summary(self, request: Request, viewer: Viewer, template: str, action: str) -> Response:
        public_id = str(request.path_params.get("public_id", ""))[:32]
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            participant = readable_participant(session, viewer.me, public_id, now)
            if participant is None:
                message = "No such participant you may see. It may have been a mistyped link."
                return self.pages.render("denied.html", viewer, 404, message=message)
            zone = ZoneInfo(participant.timezone)
            period = period_from(dict(request.query_params), self.deps.clock, zone)
            summary = build(session, participant, period, now)
            cases.record_view(session, viewer.me, participant.id, action, now, period.key)
            masked = mask(participant.phone)
        base = f"/console/participants/{public_id}"
        return self.pages.render(
            template,
            viewer,
            summary=summary,
            period=period,
            masked=masked,
            topics=[
                (topic, [(s, _link(base, s)) for s in statements])
                for topic, statements in summary.by_topic()
            ],
            chart=json.dumps(_chart(summary)),
            query=period.query,
            printed=f"{now.astimezone(zone):%b %d, %Y %H:%M}",
        )

    def attention(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        now = self.deps.clock.now()
        peer = request.query_params.get("peer", "")
        with self.deps.db.session() as session:
            found = needs_attention(
                session,
                now,
                self.deps.policy,
                self.silent_after,
                int(peer) if peer.isdigit() else None,
            )
            rows = [(a, mask(a.participant.phone)) for a in found[:SHOWN]]
            active = select(StaffUser).where(StaffUser.active.is_(True))
            peers = list(session.scalars(active.order_by(StaffUser.display_name)))
            cases.record_view(session, viewer.me, None, "view_attention", now)
        return self.pages.render(
            "attention.html", viewer, rows=rows, total=len(found), peers=peers, peer=peer
        )


def _link(base: str, statement: Statement) -> str | None:
    """One click from a statement to exactly the records it came from."""
    if not statement.sources:
        return None
    items = ",".join(s.key for s in statement.sources[:200])
    return f"{base}/records?" + urlencode({"items": items, "statement": statement.text})


def _chart(summary: Summary) -> dict[str, object]:
    labels = sorted({day for day, _ in summary.mood} | {day for day, _ in summary.craving})
    mood = dict(summary.mood)
    craving = dict(summary.craving)
    return {
        "kind": "line",
        "stacked": False,
        "percent": False,
        "labels": labels,
        "series": [
            {"name": "mood (1-5)", "values": [mood.get(day) for day in labels]},
            {"name": "craving (0-10)", "values": [craving.get(day) for day in labels]},
        ],
    }
