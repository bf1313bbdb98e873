"""Enrolment in the console: one person on a form, or many from a CSV.

A CSV is checked first and every row's problem is listed before anything is written; the
import only runs once the file is clean, in the background, with its progress kept on the
batch row (the page shows a progress bar). Numbers already enrolled are skipped, so running
the same file again, or resuming an import cut off by a restart, enrols nobody twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from zoneinfo import available_timezones

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from console.access import Viewer
from console.deps import ConsoleDeps
from console.pages import Pages, notice_text, redirect
from escalation import cases
from records import enrolment
from records.models import ImportBatch, ImportStatus, Participant, StaffRole, StaffUser
from records.participants import EnrolmentError, enrol
from records.phones import InvalidPhoneNumber
from records.schedules import ScheduleError, set_schedule

log = logging.getLogger(__name__)

Handler = Callable[[Request, Viewer, dict[str, str]], Response]
US_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
]


class EnrolmentPages:
    def __init__(self, deps: ConsoleDeps, pages: Pages) -> None:
        self.deps = deps
        self.pages = pages
        self._running: set[int] = set()  # batch ids importing in this process
        self._lock = threading.Lock()

    def handlers(self) -> dict[str, Handler]:
        return {
            "console_enrol_form": self.form,
            "console_enrol": self.enrol_one,
            "console_import_check": self.check,
            "console_import": self.batch,
            "console_import_run": self.run,
            "console_import_progress": self.progress,
        }

    # --- one person ------------------------------------------------------------------------

    def form(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        return self._form(viewer, {}, notice=notice_text(request.query_params.get("notice")))

    def _form(
        self,
        viewer: Viewer,
        values: dict[str, str],
        status: int = 200,
        error: str | None = None,
        notice: str | None = None,
    ) -> Response:
        with self.deps.db.session() as session:
            batches = list(
                session.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(10))
            )
            peers = _peers(session)
        return self.pages.render(
            "enrol.html",
            viewer,
            status,
            values=values,
            error=error,
            notice=notice,
            batches=batches,
            peers=peers,
            zones=US_ZONES,
            default_zone=self.deps.settings.default_timezone,
        )

    def enrol_one(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        fields = ("phone", "alias", "timezone", "checkin_days", "window", "assigned_peer")
        values = {k: form.get(k, "").strip() for k in fields}
        values["consented"] = form.get("consented", "")
        now = self.deps.clock.now()
        settings = self.deps.settings
        zone = values["timezone"] or settings.default_timezone
        if zone not in available_timezones():
            return self._form(viewer, values, 400, f"Not enrolled: unknown time zone {zone!r}.")
        if values["consented"] != "on":
            error = "Not enrolled: texts need the person's consent."
            return self._form(viewer, values, 400, error)
        try:
            with self.deps.db.session() as session:
                participant = enrol(
                    session,
                    phone=values["phone"],
                    alias=values["alias"],
                    timezone=zone,
                    consented_at=now,
                    default_region=settings.default_region,
                )
                if values["assigned_peer"].isdigit():
                    participant.assigned_peer_id = int(values["assigned_peer"])
                if values["checkin_days"] or values["window"]:
                    set_schedule(
                        session,
                        participant,
                        settings,
                        checkin_days=values["checkin_days"] or None,
                        window=values["window"] or None,
                    )
                cases.record_view(session, viewer.me, participant.id, "enrol", now, "form")
                public_id = participant.public_id
        except (EnrolmentError, InvalidPhoneNumber, ScheduleError) as exc:
            return self._form(viewer, values, 400, f"Not enrolled: {exc}")
        log.info("console: staff %s enrolled %s", viewer.me.id, public_id)
        return redirect(f"/console/participants/{public_id}", "enrolled")

    # --- a CSV -----------------------------------------------------------------------------

    def check(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        data = form.get("file", "")
        if not data.strip():
            return self._form(viewer, {}, 400, "Choose a CSV file first. Nothing was imported.")
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            checked = enrolment.check(
                session, data, self.deps.settings, enrolment.peer_emails(session), now
            )
            batch = ImportBatch(
                staff_id=viewer.me.id,
                filename=(form.get("file_name") or "upload.csv")[:120],
                rows=checked.rows,
                problems=[p.as_dict() for p in checked.problems],
                total=checked.total,
                skipped=checked.already,
                created_at=now,
            )
            session.add(batch)
            session.flush()
            batch_id = batch.id
            cases.record_view(session, viewer.me, None, "check_import", now, f"batch {batch_id}")
        return redirect(f"/console/enrol/import/{batch_id}")

    def batch(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        with self.deps.db.session() as session:
            batch = self._batch(session, request)
            if batch is None:
                return self.pages.render("denied.html", viewer, 404, message="No such import.")
            resumable = self._resumable(batch)
        return self.pages.render(
            "import.html",
            viewer,
            batch=batch,
            resumable=resumable,
            running=batch.status == ImportStatus.IMPORTING and not resumable,
        )

    def run(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """Start (or resume) a clean batch's import in the background; a double tap or a
        second post while it runs changes nothing."""
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            batch = self._batch(session, request)
            if batch is None:
                return self.pages.render("denied.html", viewer, 404, message="No such import.")
            startable = not batch.problems and (
                batch.status in (ImportStatus.CHECKED, ImportStatus.FAILED)
                or self._resumable(batch)
            )
            if startable:
                batch.status = ImportStatus.IMPORTING
                batch.finished_at = None
                cases.record_view(session, viewer.me, None, "run_import", now, f"batch {batch.id}")
            batch_id, rows = batch.id, list(batch.rows)
        if startable:
            self._start(batch_id, rows, viewer.me.id)
        return redirect(f"/console/enrol/import/{batch_id}")

    def progress(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        with self.deps.db.session() as session:
            batch = self._batch(session, request)
            if batch is None:
                return JSONResponse({"error": "no such import"}, 404)
            body = {
                "status": str(batch.status),
                "total": len(batch.rows),
                "processed": batch.processed,
                "enrolled": batch.enrolled,
                "skipped": batch.skipped,
            }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    # --- the background import -------------------------------------------------------------

    def _start(self, batch_id: int, rows: list[dict[str, object]], staff_id: int) -> None:
        with self._lock:
            if batch_id in self._running:
                return
            self._running.add(batch_id)
        thread = threading.Thread(
            target=self._import, args=(batch_id, rows, staff_id), name=f"import-{batch_id}"
        )
        thread.start()

    def _import(self, batch_id: int, rows: list[dict[str, object]], staff_id: int) -> None:
        def progress(processed: int, enrolled: int, skipped: int) -> None:
            with self.deps.db.session() as session:
                batch = session.get_one(ImportBatch, batch_id)
                batch.processed, batch.enrolled = processed, enrolled
                batch.skipped = skipped + _already(batch)

        def audit(session: Session, participant: Participant) -> None:
            staff = session.get_one(StaffUser, staff_id)
            now = self.deps.clock.now()
            cases.record_view(session, staff, participant.id, "enrol", now, f"batch {batch_id}")

        status = ImportStatus.DONE
        try:
            enrolment.import_rows(self.deps.db.session, rows, self.deps.settings, progress, audit)
        except Exception:
            log.exception("console: import %d failed", batch_id)
            status = ImportStatus.FAILED
        finally:
            with self.deps.db.session() as session:
                batch = session.get_one(ImportBatch, batch_id)
                batch.status, batch.finished_at = status, self.deps.clock.now()
            with self._lock:
                self._running.discard(batch_id)

    def _resumable(self, batch: ImportBatch) -> bool:
        """Importing, but not in this process: a restart cut it off. Resuming is safe,
        because numbers already enrolled are skipped."""
        if batch.status != ImportStatus.IMPORTING:
            return False
        with self._lock:
            if batch.id in self._running:
                return False
        return True

    def _batch(self, session: Session, request: Request) -> ImportBatch | None:
        raw = str(request.path_params.get("batch_id", ""))
        return session.get(ImportBatch, int(raw)) if raw.isdigit() and len(raw) < 12 else None


def _already(batch: ImportBatch) -> int:
    """Rows the check already found enrolled (kept apart from those skipped on import)."""
    return batch.total - len(batch.rows) - len({p["line"] for p in batch.problems})


def _peers(session: Session) -> list[StaffUser]:
    return list(
        session.scalars(
            select(StaffUser)
            .where(
                StaffUser.active.is_(True),
                StaffUser.role.in_((StaffRole.PEER, StaffRole.SUPERVISOR)),
            )
            .order_by(StaffUser.display_name)
        )
    )
