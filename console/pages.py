"""Rendering: Jinja templates, security headers, the session cookie, redirects, notices."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from console.access import (
    ADMINS,
    CASE_READERS,
    COOKIE_NAME,
    COORDINATORS,
    PROGRAM,
    SUPERVISORS,
    Viewer,
)
from console.auth import ConsoleSession, SessionCodec
from console.csrf import CSRF_FIELD
from console.program.tables import shown
from records.models import StaffRole

_HERE = Path(__file__).parent
STATIC = {
    "console.js": "text/javascript",
    "console.css": "text/css",
    "charts.js": "text/javascript",
    "chart.umd.min.js": "text/javascript",  # Chart.js 4.6.1, MIT: see static/VENDORED.md
}
STATIC_DIR = _HERE / "static"

PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # pages hold health information: never cache them
}

# What a redirect's `?notice=` may say: codes only, so no text is reflected from the URL.
NOTICES = {
    "claimed": "You have this case. The bot is paused while you talk.",
    "already_yours": "You already have this case.",
    "taken": "Another peer claimed this case first.",
    "cap": (
        "You already have {cap} urgent or emergency cases. Resolve or hand one back first, "
        "or ask your supervisor to reassign."
    ),
    "resolved_already": "This case is already resolved.",
    "sent": "Sent. The text is on its way.",
    "duplicate": "That exact text was just sent, so it was not sent twice.",
    "not_claimed": "Claim the case before texting or handing back.",
    "not_yours": "Another peer has this case.",
    "handed_back": "Handed back. The bot answers again; resolve the case when you are done.",
    "already_handed_back": "This case was already handed back to the bot.",
    "resolved": "Resolved. Thank you.",
    "debrief_saved": "Thank you. Take care of yourself tonight.",
    "logged_out": "You are logged out.",
    "password_changed": "Password changed. You are logged out everywhere else.",
    "opted_out": "This number opted out of texts, so nothing was sent. Call instead.",
    "saved": "Saved.",
    "enrolled": "Enrolled. Outreach follows their routine.",
    "booked": "Appointment booked. Nudges follow before it.",
    "appointment_changed": "Appointment updated.",
    "staff_added": "Staff member added. Give them the password shown once below.",
    "staff_changed": "Saved.",
    "slot_added": "Added to the rota.",
    "slot_removed": "Removed from the rota.",
    "not_found": "That record was not found. It may have been a mistyped link.",
}


@dataclass(frozen=True)
class Duty:
    """Who is paged right now, by name, for the header of every page."""

    shift: list[str]
    on_call: list[str]


def notice_text(code: str | None, **values: object) -> str | None:
    template = NOTICES.get(code or "")
    return template.format(**values) if template else None


# The menu: each entry is shown to the roles whose routes it opens (console.access).
NAV: list[tuple[str, str, frozenset[StaffRole]]] = [
    ("Queue", "/console", CASE_READERS),
    ("Participants", "/console/participants", COORDINATORS),
    ("Needs attention", "/console/attention", COORDINATORS),
    ("Enrol", "/console/enrol", COORDINATORS),
    ("Results", "/console/dashboard", PROGRAM),
    ("Peers", "/console/peers", SUPERVISORS),
    ("Staff", "/console/staff", ADMINS),
    ("Rota", "/console/rota", ADMINS),
    ("Audit", "/console/audit", ADMINS),
]


class Pages:
    def __init__(
        self,
        codec: SessionCodec,
        secure_cookies: bool,
        duty: Callable[[], Duty] | None = None,
    ) -> None:
        self.codec = codec
        self.secure_cookies = secure_cookies
        self.duty = duty
        self.env = Environment(
            loader=FileSystemLoader(_HERE / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["cell"] = shown

    def render(
        self, name: str, viewer: Viewer, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        extras: dict[str, Any] = {}
        if viewer.staff is not None:
            role = viewer.staff.role
            extras["nav"] = [(label, path) for label, path, roles in NAV if role in roles]
            extras["duty"] = self.duty() if self.duty is not None else None
        html = self.env.get_template(name).render(
            viewer=viewer, csrf_field=CSRF_FIELD, csrf_token=viewer.csrf, **extras, **context
        )
        response = HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)
        if viewer.fresh_cookie:
            self.set_session(response, viewer.session)
        return response

    def set_session(self, response: Response, session: ConsoleSession) -> None:
        response.set_cookie(
            COOKIE_NAME,
            self.codec.dumps(session),
            max_age=self.codec.max_age,
            path="/console",
            httponly=True,
            samesite="lax",
            secure=self.secure_cookies,
        )


def redirect(path: str, notice: str | None = None) -> RedirectResponse:
    """Post/redirect/get: a reload after a form never posts it again."""
    target = f"{path}?notice={notice}" if notice else path
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


def case_path(case_id: int) -> str:
    return f"/console/cases/{case_id}"
