"""The peer console's HTTP routes: log-in, the live queue, and the event stream.

Case pages and their actions are in `casework.py`. Every route is registered through
`_register`, which looks the route up in `access.ROUTES` and runs its guard first, so no
route can skip its role or CSRF check. Handlers are plain functions run in the thread pool
(they use the blocking database); only the event stream stays on the event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from console.access import CASE_READERS, LOGIN_PATH, ROUTES, Denied, Guard, Viewer
from console.auth import ConsoleSession, SessionCodec, authenticate
from console.casework import CaseWork
from console.deps import ConsoleDeps
from console.pages import STATIC, STATIC_DIR, Pages, notice_text, redirect
from console.participants.enrolment import EnrolmentPages
from console.participants.pages import ParticipantPages
from console.program.pages import ProgramPages
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
        self.guard = Guard(deps.db, SessionCodec(deps.secret_key))
        self.pages = Pages(self.guard.codec, deps.secure_cookies, deps.duty)

    def deny(self, denied: Denied, viewer_request: Request) -> Response:
        if denied.status == 303:
            return redirect(LOGIN_PATH)
        if denied.status == 401:
            return PlainTextResponse(denied.message, 401, headers={"Cache-Control": "no-store"})
        viewer = self.guard.viewer(viewer_request)
        return self.pages.render("denied.html", viewer, denied.status, message=denied.message)

    # --- log-in ---------------------------------------------------------------------

    def login_form(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        if viewer.staff is not None:
            return redirect("/console")
        notice = notice_text(request.query_params.get("notice"))
        return self.pages.render("login.html", viewer, notice=notice, email="")

    def login(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        email = form.get("email", "")[:254]
        with self.deps.db.session() as session:
            staff = authenticate(session, email, form.get("password", "")[:1024])
            fresh = ConsoleSession.for_staff(staff) if staff else None
        if fresh is None:
            log.info("console: failed log-in")  # no e-mail in logs: it may be mistyped PHI
            return self.pages.render("login.html", viewer, 401, error=LOGIN_FAILED, email=email)
        log.info("console: staff %s logged in", fresh.staff_id)
        response = redirect("/console")
        self.pages.set_session(response, fresh)
        return response

    def logout(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
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


def _register(router: APIRouter, console: Console, name: str, handler: Handler) -> None:
    route = ROUTES[name]

    def admit(request: Request) -> Viewer | Response:
        checked = console.guard.admit(name, request)
        return console.deny(checked, request) if isinstance(checked, Denied) else checked

    def run(request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        checked = console.guard.check_csrf(name, request, viewer, form)
        if isinstance(checked, Denied):
            return console.deny(checked, request)
        return handler(request, checked, form)

    async def endpoint(request: Request) -> Response:
        # Who may come in is settled before the body is read: an anonymous or wrong-role
        # post is never parsed.
        viewer = await run_in_threadpool(admit, request)
        if isinstance(viewer, Response):
            return viewer
        form = await read_form(request, route.upload) if route.method == "POST" else {}
        return await run_in_threadpool(run, request, viewer, form)

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
