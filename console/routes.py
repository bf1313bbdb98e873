"""The peer console's HTTP routes: log-in, the live queue, and the event stream.

Case pages and their actions are in `casework.py`. Every route is registered through
`_register`, which looks the route up in `access.ROUTES` and runs its guard first, so no
route can skip its role or CSRF check. Handlers are plain functions run in the thread pool
(they use the blocking database); only the event stream stays on the event loop, and log-in
runs on its own small lane (`login_lane`), so password hashing never takes the threads that
store arriving texts. Every 403 is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from console import throttle
from console.access import CASE_READERS, LOGIN_PATH, ROUTES, Denied, Guard, Viewer
from console.auth import ConsoleSession, SessionCodec, authenticate, find_staff
from console.casework import CaseWork
from console.deps import ConsoleDeps
from console.login_lane import RETRY_AFTER_SECONDS, LaneFull, LoginLane
from console.pages import STATIC, STATIC_DIR, Pages, notice_text, redirect
from console.participants.enrolment import EnrolmentPages
from console.participants.pages import ParticipantPages
from console.program.pages import ProgramPages
from console.sessions import SessionRules, audit_access, end_session, start_session
from console.staff.account import AccountPages
from console.staff.pages import StaffPages
from console.summaries.pages import SummaryPages
from console.views import handed_back_rows, queue_rows
from escalation import cases
from messaging.body_limit import BodyLimit
from messaging.webhooks import storable

log = logging.getLogger(__name__)

Handler = Callable[[Request, Viewer, dict[str, str]], Response]


class Area(Protocol):
    """A part of the console: its handlers by route name (see `access.ROUTES`)."""

    def handlers(self) -> dict[str, Handler]: ...


LOGIN_FAILED = "That e-mail and password don't match an active account."
HASHING = frozenset({"console_login", "console_password"})  # argon2: on the log-in lane
LANE_FULL = "Many people are logging in at once. Please try again in a few seconds."
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a CSV of 20,000 people is about 1 MB
MAX_FORM_BYTES = 256 * 1024  # the longest form (case notes, a debrief) is a few KB
MULTIPART_SLACK = 64 * 1024  # an upload's form fields and part headers around the file


def body_limits() -> list[BodyLimit]:
    """What a console POST may carry, counted as it streams in (messaging.body_limit)."""
    uploads = [
        BodyLimit(route.path, MAX_UPLOAD_BYTES + MULTIPART_SLACK)
        for route in ROUTES.values()
        if route.upload
    ]
    return [BodyLimit("/console/", MAX_FORM_BYTES), *uploads]


class Console:
    """The handlers, sharing the deps, the guard and the page renderer."""

    def __init__(self, deps: ConsoleDeps) -> None:
        self.deps = deps
        settings = deps.settings
        codec = SessionCodec(deps.secret_key, int(settings.console_session_hours * 3600))
        self.guard = Guard(deps.db, codec, deps.clock, SessionRules.from_settings(settings))
        self.pages = Pages(self.guard.codec, deps.secure_cookies, deps.duty)
        self.limits = throttle.LoginLimits.from_settings(settings)
        self.login_lane = LoginLane()

    def deny(self, denied: Denied, request: Request, name: str) -> Response:
        if denied.status == 303:
            return redirect(LOGIN_PATH)
        if denied.status == 401:
            return PlainTextResponse(denied.message, 401, headers={"Cache-Control": "no-store"})
        viewer = denied.viewer or self.guard.viewer(request)
        who = viewer.staff.id if viewer.staff is not None else None
        with self.deps.db.session() as session:
            detail = f"{name} {request.method} {request.url.path} ({denied.why})"
            audit_access(session, who, "denied", self.deps.clock.now(), detail)
        return self.pages.render("denied.html", viewer, denied.status, message=denied.message)

    # --- log-in ---------------------------------------------------------------------

    def login_form(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        if viewer.staff is not None:
            return redirect("/console")
        notice = notice_text(request.query_params.get("notice"))
        return self.pages.render("login.html", viewer, notice=notice, email="")

    def login(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """Throttled before any password is checked; every failure and lockout audited."""
        email, address = form.get("email", "")[:254], client_address(request)
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            refused = throttle.refusal(session, self.limits, email, address, now)
            if refused is not None:
                known = find_staff(session, email)
                why = "account locked" if refused.account else "address paused"
                audit_access(
                    session, known.id if known else None, "login_refused", now, f"{why}, {address}"
                )
        if refused is not None:
            return self._refused(viewer, email, refused, now)
        with self.deps.db.session() as session:
            staff = authenticate(session, email, form.get("password", "")[:1024])
            if staff is None:
                refused = self._failed(session, email, address, now)
            else:
                throttle.forgive(session, self.limits, email)
                fresh = ConsoleSession.for_token(start_session(session, staff, now))
                audit_access(session, staff.id, "login", now, f"from {address}")
        if refused is not None:
            return self._refused(viewer, email, refused, now)
        if staff is None:
            log.info("console: failed log-in")  # no e-mail in logs: it may be mistyped PHI
            return self.pages.render("login.html", viewer, 401, error=LOGIN_FAILED, email=email)
        log.info("console: staff %s logged in", staff.id)
        response = redirect("/console")
        self.pages.set_session(response, fresh)
        return response

    def _failed(
        self, session: Session, email: str, address: str, now: datetime
    ) -> throttle.Refusal | None:
        """Counts and audits a failed log-in; returns the lockout it caused, if any."""
        known = find_staff(session, email)
        who = known.id if known else None
        audit_access(
            session, who, "login_failed", now, f"{'' if known else 'unknown account, '}{address}"
        )
        refused = throttle.record_failure(session, self.limits, email, address, now)
        if refused is not None:
            what = "account_locked" if refused.account else "address_paused"
            audit_access(
                session, who, what, now, f"until {refused.until:%Y-%m-%d %H:%M} UTC, {address}"
            )
        return refused

    def _refused(
        self, viewer: Viewer, email: str, refused: throttle.Refusal, now: datetime
    ) -> Response:
        message = lockout_message(refused, now, self.deps.zone)
        response = self.pages.render("login.html", viewer, 429, error=message, email=email)
        wait = max(1, int((refused.until - now).total_seconds()) + 1)
        response.headers["Retry-After"] = str(wait)
        return response

    def logout(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            if viewer.session.token is not None:
                end_session(session, viewer.session.token, now, "logout")
            audit_access(session, viewer.me.id, "logout", now)
        log.info("console: staff %s logged out", viewer.me.id)
        response = redirect(LOGIN_PATH, "logged_out")
        self.pages.set_session(response, ConsoleSession.anonymous())
        return response

    # --- the queue ------------------------------------------------------------------

    def queue_page(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        if viewer.me.role not in CASE_READERS:  # admins: staff, rota, audit; no cases
            return redirect("/console/staff")
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            rows = queue_rows(session, viewer.me, now)
            to_resolve = handed_back_rows(session, viewer.me, now)
            cases.record_view(session, viewer.me, None, "view_queue", now)
        notice = notice_text(request.query_params.get("notice"))
        return self.pages.render(
            "queue.html", viewer, rows=rows, to_resolve=to_resolve, notice=notice
        )

    def queue_fragment(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """Refetched on each live event; it shows aliases and risk reasons, so each fetch
        is a disclosure and audited like the page."""
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            rows = queue_rows(session, viewer.me, now)
            to_resolve = handed_back_rows(session, viewer.me, now)
            cases.record_view(session, viewer.me, None, "view_queue", now, "live refresh")
        return self.pages.render("_queue.html", viewer, rows=rows, to_resolve=to_resolve)

    def events(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(
            self.deps.live.stream(), media_type="text/event-stream", headers=headers
        )

    def static(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        name = str(request.path_params.get("name", ""))
        if name not in STATIC:
            return Response(status_code=404)
        return FileResponse(STATIC_DIR / name, media_type=STATIC[name])


async def read_form(request: Request, upload: bool = False) -> dict[str, str]:
    """The posted fields, first value of each. An upload route takes one file (a CSV, at
    most MAX_UPLOAD_BYTES) as text under `file`, its name under `file_name`."""
    form = await request.form(max_files=1 if upload else 0, max_fields=50)
    # NUL cannot be stored in PostgreSQL text and no one types it: it becomes U+FFFD.
    fields = {key: storable(value) for key, value in form.items() if isinstance(value, str)}
    file = form.get("file")
    if upload and isinstance(file, UploadFile):
        data = await file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) <= MAX_UPLOAD_BYTES:
            fields["file"] = storable(data.decode("utf-8", errors="replace"))
            fields["file_name"] = (file.filename or "")[:120]
        await file.close()
    return fields


def client_address(request: Request) -> str:
    """The client's address (behind a trusted proxy, uvicorn puts the forwarded one here)."""
    return request.client.host if request.client else "unknown"


def lockout_message(refused: throttle.Refusal, now: datetime, zone: ZoneInfo) -> str:
    """Kind and exact: what happened, until when, and who can help sooner."""
    minutes = max(1, round((refused.until - now).total_seconds() / 60))
    when = f"{refused.until.astimezone(zone):%H:%M} ({minutes} min from now)"
    if refused.account:
        return (
            f"Too many tries for this account, so log-in is paused until {when}. This keeps "
            "people's records safe. If you need in sooner, an admin can unlock your account "
            "on the Staff page."
        )
    return (
        f"Too many tries from this network, so log-in is paused here until {when}. "
        "If you need in sooner, ask an admin."
    )


def lane_full() -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    return PlainTextResponse(LANE_FULL, 429, headers=headers)


def _register(router: APIRouter, console: Console, name: str, handler: Handler) -> None:
    route = ROUTES[name]

    def admit(request: Request) -> Viewer | Response:
        checked = console.guard.admit(name, request)
        return console.deny(checked, request, name) if isinstance(checked, Denied) else checked

    def run(request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        checked = console.guard.check_csrf(name, request, viewer, form)
        if isinstance(checked, Denied):
            return console.deny(checked, request, name)
        return handler(request, checked, form)

    async def endpoint(request: Request) -> Response:
        if name in HASHING and console.login_lane.full:
            return lane_full()
        # Who may come in is settled before the body is read: an anonymous or wrong-role
        # post is never parsed.
        viewer = await run_in_threadpool(admit, request)
        if isinstance(viewer, Response):
            return viewer
        form = await read_form(request, route.upload) if route.method == "POST" else {}
        if name not in HASHING:
            return await run_in_threadpool(run, request, viewer, form)
        try:
            return await console.login_lane.run(run, request, viewer, form)
        except LaneFull:
            return lane_full()

    router.add_api_route(
        route.path, endpoint, methods=[route.method], name=name, include_in_schema=False
    )


def build_console_router(deps: ConsoleDeps) -> APIRouter:
    """The whole console; include it in the app at the root (its paths start /console)."""
    console = Console(deps)
    silent = timedelta(days=deps.settings.reengage_after_days)
    areas: list[Area] = [
        CaseWork(deps, console.pages),
        ParticipantPages(deps, console.pages, silent),
        SummaryPages(deps, console.pages, silent),
        EnrolmentPages(deps, console.pages),
        ProgramPages(deps, console.pages),
        StaffPages(deps, console.pages),
        AccountPages(deps, console.pages, console.limits),
    ]
    handlers: dict[str, Handler] = {
        "console_login_form": console.login_form,
        "console_login": console.login,
        "console_static": console.static,
        "console_logout": console.logout,
        "console_queue_page": console.queue_page,
        "console_queue_fragment": console.queue_fragment,
        "console_events": console.events,
    }
    for area in areas:
        handlers.update(area.handlers())
    missing = set(ROUTES) - set(handlers)
    if missing:
        raise RuntimeError(f"console routes without handlers: {sorted(missing)}")
    router = APIRouter(tags=["console"])
    for name, handler in handlers.items():
        _register(router, console, name, handler)
    return router
