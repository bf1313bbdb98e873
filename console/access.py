"""Who may reach which console route: the one table, and the guard that enforces it.

Every console route is registered from `ROUTES` (see `routes.add`), so a route cannot exist
without an entry here, and tests walk this table for the role matrix.

Roles, minimum necessary:
- peers: the queue, their cases, and the records of the participants in those cases;
- supervisors: all cases, the peers' work and wellbeing, debrief notes;
- coordinators: participants, summaries, the program's results, enrolment (they read cases
  but never text a participant, so a participant only hears from the peer on the case);
- admins: staff, the rota, the audit trail; never participants' records.
Which participant a peer or supervisor may read is checked per record (`may_read`).
Anonymous visitors are sent to log-in (303) from pages and get 401 from fragments and the
event stream, which scripts fetch and cannot follow to a form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.auth import EVERYONE, WORKERS, ConsoleSession, SessionCodec
from console.csrf import CSRF_FIELD, CSRF_HEADER, tokens_match
from console.glass import granted_participant
from console.sessions import SessionRules, session_staff
from records import audit
from records.clock import Clock
from records.db import Database
from records.models import Case, Participant, StaffRole, StaffUser

COOKIE_NAME = "peerline_console"
LOGIN_PATH = "/console/login"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    roles: frozenset[StaffRole] | None  # None: open to anyone (log-in, static files)
    api: bool = False  # fetched by scripts: anonymous gets 401, not a redirect
    upload: bool = False  # takes one file (a CSV), up to MAX_UPLOAD_BYTES


PEER, SUPERVISOR = StaffRole.PEER, StaffRole.SUPERVISOR
COORDINATOR, ADMIN = StaffRole.COORDINATOR, StaffRole.ADMIN
CASE_READERS = frozenset({PEER, SUPERVISOR, COORDINATOR})
PARTICIPANT_READERS = CASE_READERS  # peers and supervisors: checked per record
COORDINATORS = frozenset({COORDINATOR})
PROGRAM = frozenset({COORDINATOR, SUPERVISOR})
SUPERVISORS = frozenset({SUPERVISOR})
ADMINS = frozenset({ADMIN})

P = "/console/participants/{public_id}"
ROUTES: dict[str, Route] = {
    "console_login_form": Route("GET", "/console/login", None),
    "console_login": Route("POST", "/console/login", None),
    "console_static": Route("GET", "/console/static/{name}", None),
    "console_logout": Route("POST", "/console/logout", EVERYONE),
    "console_account": Route("GET", "/console/account", EVERYONE),
    "console_password": Route("POST", "/console/account/password", EVERYONE),
    "console_queue_page": Route("GET", "/console", EVERYONE),
    "console_queue_fragment": Route("GET", "/console/queue", CASE_READERS, api=True),
    "console_events": Route("GET", "/console/events", CASE_READERS, api=True),
    "console_case": Route("GET", "/console/cases/{case_id}", CASE_READERS),
    "console_case_thread": Route("GET", "/console/cases/{case_id}/thread", CASE_READERS, api=True),
    "console_claim": Route("POST", "/console/cases/{case_id}/claim", WORKERS),
    "console_reply": Route("POST", "/console/cases/{case_id}/reply", WORKERS),
    "console_hand_back": Route("POST", "/console/cases/{case_id}/hand-back", WORKERS),
    "console_resolve": Route("POST", "/console/cases/{case_id}/resolve", WORKERS),
    "console_debrief": Route("POST", "/console/cases/{case_id}/debrief", WORKERS),
    "console_number": Route("POST", "/console/cases/{case_id}/number", WORKERS),
    "console_break_glass": Route("POST", "/console/cases/{case_id}/glass", CASE_READERS),
    # participants (coordinators; peers and supervisors for the people in their cases)
    "console_participants": Route("GET", "/console/participants", COORDINATORS),
    "console_participant": Route("GET", P, PARTICIPANT_READERS),
    "console_participant_records": Route("GET", P + "/records", PARTICIPANT_READERS),
    "console_participant_edit": Route("POST", P, COORDINATORS),
    "console_appointment_add": Route("POST", P + "/appointments", COORDINATORS),
    "console_appointment_change": Route(
        "POST", "/console/appointments/{appointment_id}", COORDINATORS
    ),
    "console_summary": Route("GET", P + "/summary", PARTICIPANT_READERS),
    "console_summary_print": Route("GET", P + "/summary/print", PARTICIPANT_READERS),
    "console_attention": Route("GET", "/console/attention", COORDINATORS),
    # enrolment
    "console_enrol_form": Route("GET", "/console/enrol", COORDINATORS),
    "console_enrol": Route("POST", "/console/enrol", COORDINATORS),
    "console_import_check": Route("POST", "/console/enrol/import", COORDINATORS, upload=True),
    "console_import": Route("GET", "/console/enrol/import/{batch_id}", COORDINATORS),
    "console_import_run": Route("POST", "/console/enrol/import/{batch_id}/run", COORDINATORS),
    "console_import_progress": Route(
        "GET", "/console/enrol/import/{batch_id}/progress", COORDINATORS, api=True
    ),
    # the program's results, peers' work
    "console_dashboard": Route("GET", "/console/dashboard", PROGRAM),
    "console_dashboard_csv": Route("GET", "/console/dashboard/{table}.csv", PROGRAM),
    "console_peers": Route("GET", "/console/peers", SUPERVISORS),
    "console_peers_csv": Route("GET", "/console/peers/{table}.csv", SUPERVISORS),
    # staff, rota, audit
    "console_staff": Route("GET", "/console/staff", ADMINS),
    "console_staff_add": Route("POST", "/console/staff", ADMINS),
    "console_staff_change": Route("POST", "/console/staff/{staff_id}", ADMINS),
    "console_rota": Route("GET", "/console/rota", ADMINS),
    "console_rota_add": Route("POST", "/console/rota", ADMINS),
    "console_rota_remove": Route("POST", "/console/rota/{slot_id}/remove", ADMINS),
    "console_audit": Route("GET", "/console/audit", ADMINS),
    "console_audit_csv": Route("GET", "/console/audit.csv", ADMINS),
}


@dataclass(frozen=True)
class Viewer:
    """The person behind a request (None for anonymous) and their session's CSRF token."""

    staff: StaffUser | None
    session: ConsoleSession
    fresh_cookie: bool  # the session was just made: the response must set the cookie

    @property
    def csrf(self) -> str:
        return self.session.csrf

    @property
    def me(self) -> StaffUser:
        """The logged-in staff member; only called behind a guard that requires one."""
        assert self.staff is not None
        return self.staff

    @property
    def works_cases(self) -> bool:
        return self.staff is not None and self.staff.role in WORKERS


class Guard:
    """Resolves the viewer of a request and applies one route's rule from `ROUTES`."""

    def __init__(
        self, db: Database, codec: SessionCodec, clock: Clock, rules: SessionRules
    ) -> None:
        self.db = db
        self.codec = codec
        self.clock = clock
        self.rules = rules

    def viewer(self, request: Request) -> Viewer:
        data = self.codec.loads(request.cookies.get(COOKIE_NAME))
        if data is None:
            return Viewer(None, ConsoleSession.anonymous(), fresh_cookie=True)
        if data.token is None:
            return Viewer(None, data, fresh_cookie=False)
        with self.db.session() as session:
            staff = session_staff(session, data.token, self.clock.now(), self.rules)
        if staff is None:  # logged out, idle, expired, password changed or deactivated
            return Viewer(None, ConsoleSession.anonymous(), fresh_cookie=True)
        return Viewer(staff, data, fresh_cookie=False)

    def admit(self, name: str, request: Request) -> Viewer | Denied:
        """Who may come in: settled from the cookie alone, before any body is read."""
        route = ROUTES[name]
        viewer = self.viewer(request)
        if route.roles is not None:
            if viewer.staff is None:
                return Denied(401 if route.api else 303, "Please log in.")
            if viewer.staff.role not in route.roles:
                return Denied(403, "Your role can't do this. Ask a supervisor.", viewer, "role")
        return viewer

    def check_csrf(
        self, name: str, request: Request, viewer: Viewer, form: dict[str, str]
    ) -> Viewer | Denied:
        """For a POST, the session's CSRF token must come with the form (or header)."""
        if ROUTES[name].method == "POST" and not csrf_ok(request, form, viewer):
            expired = "This page had expired, so nothing was done. Reload and try again."
            return Denied(403, expired, viewer, "csrf")
        return viewer


@dataclass(frozen=True)
class Denied:
    status: int  # 303 (to log-in), 401 or 403
    message: str
    viewer: Viewer | None = None  # who was refused (403s are audited)
    why: str = ""  # role | csrf


def csrf_ok(request: Request, form: dict[str, str], viewer: Viewer) -> bool:
    """Synchronizer token: the form field (or header) must equal the one in the session."""
    if viewer.fresh_cookie:
        return False  # no session cookie came with the post, so there is nothing to match
    sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    return tokens_match(sent, viewer.csrf)


def may_read(session: Session, staff: StaffUser, participant_id: int, now: datetime) -> bool:
    """Minimum necessary, per record: coordinators read every participant; a peer, the
    people in cases they took; a supervisor, the people who have a case; admins, nobody.
    A break-the-glass grant on one of the person's cases opens the record while it lasts."""
    if staff.role == StaffRole.COORDINATOR:
        return True
    if staff.role not in (StaffRole.PEER, StaffRole.SUPERVISOR):
        return False
    query = select(Case.id).where(Case.participant_id == participant_id)
    if staff.role == StaffRole.PEER:
        query = query.where(Case.claimed_by_id == staff.id)
    if session.scalar(query.limit(1)) is not None:
        return True
    return granted_participant(session, staff, participant_id, now)


def readable_participant(
    session: Session, staff: StaffUser, public_id: str, now: datetime
) -> Participant | None:
    """The participant behind a link, if this staff member may read them. A refusal is the
    same whether the person exists or not (no probing), and is audited when they do."""
    participant = session.scalar(select(Participant).where(Participant.public_id == public_id))
    if participant is None:
        return None
    if not may_read(session, staff, participant.id, now):
        audit.record(session, "participant_refused", now, staff_id=staff.id, detail=public_id)
        return None
    return participant
