"""The admins' pages: staff accounts, the weekly rota, and the audit trail.

An admin adds staff (a one-time password is shown once), changes roles and phones, resets
passwords (which ends the person's sessions), unlocks an account locked after failed
log-ins, and deactivates accounts (a deactivated account cannot log in, its sessions end,
and it is never paged). The rota decides who is paged now. The audit
trail shows who viewed or changed which participant's record and when, filtered and
exported as CSV.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from console import throttle
from console.access import Viewer
from console.auth import StaffError, add_staff, change_password
from console.deps import ConsoleDeps
from console.pages import Pages, notice_text, redirect
from console.program.tables import csv_text
from console.sessions import audit_access, end_sessions
from records import rota
from records.models import AuditEvent, Participant, RotaKind, RotaSlot, StaffRole, StaffUser
from records.phones import InvalidPhoneNumber, to_e164
from records.rota import RotaError
from records.settings import WEEKDAYS

log = logging.getLogger(__name__)

Handler = Callable[[Request, Viewer, dict[str, str]], Response]
AUDIT_PAGE = 200


class StaffPages:
    def __init__(self, deps: ConsoleDeps, pages: Pages) -> None:
        self.deps = deps
        self.pages = pages
        self.limits = throttle.LoginLimits.from_settings(deps.settings)

    def handlers(self) -> dict[str, Handler]:
        return {
            "console_staff": self.staff,
            "console_staff_add": self.add,
            "console_staff_change": self.change,
            "console_rota": self.rota,
            "console_rota_add": self.add_slot,
            "console_rota_remove": self.remove_slot,
            "console_audit": self.audit,
            "console_audit_csv": self.audit_csv,
        }

    # --- staff -----------------------------------------------------------------------------

    def staff(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        return self._staff_page(viewer, notice=notice_text(request.query_params.get("notice")))

    def _staff_page(self, viewer: Viewer, status: int = 200, **context: Any) -> Response:
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            people = list(session.scalars(select(StaffUser).order_by(StaffUser.display_name)))
            locked = {
                s.id: f"{until.astimezone(self.deps.zone):%H:%M}"
                for s in people
                if (until := throttle.locked_until(session, self.limits, s.email, now))
            }
        return self.pages.render(
            "staff.html",
            viewer,
            status,
            people=people,
            locked=locked,
            roles=[str(r) for r in StaffRole],
            **context,
        )

    def add(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        password = secrets.token_urlsafe(12)
        try:
            role = StaffRole(form.get("role", ""))
            with self.deps.db.session() as session:
                staff = add_staff(
                    session, form.get("email", ""), form.get("name", ""), role, password
                )
                staff.phone = self._phone(form.get("phone", ""))
                name = staff.display_name
        except (StaffError, InvalidPhoneNumber, ValueError) as exc:
            return self._staff_page(viewer, 400, error=f"Not added: {_plain(exc)}")
        log.info("console: admin %s added a %s", viewer.me.id, role)
        return self._staff_page(
            viewer, notice=notice_text("staff_added"), one_time=(name, password)
        )

    def change(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """One action per post: role, phone, reset_password, deactivate or reactivate."""
        raw = str(request.path_params.get("staff_id", ""))
        action = form.get("action", "")
        one_time = None
        try:
            with self.deps.db.session() as session:
                staff = session.get(StaffUser, int(raw)) if raw.isdigit() else None
                if staff is None:
                    return self._staff_page(viewer, 404, error="No such staff member.")
                if staff.id == viewer.me.id and action in ("deactivate", "role"):
                    raise StaffError("you can't deactivate yourself or change your own role")
                one_time = self._apply(session, staff, action, form)
                if action in ("reset_password", "deactivate", "unlock"):
                    audit_access(
                        session, viewer.me.id, action, self.deps.clock.now(), f"staff {staff.id}"
                    )
                name = staff.display_name
        except (StaffError, InvalidPhoneNumber, ValueError) as exc:
            return self._staff_page(viewer, 400, error=f"Not saved: {_plain(exc)}")
        log.info("console: admin %s changed staff %s (%s)", viewer.me.id, raw, action)
        if one_time is not None:
            return self._staff_page(viewer, notice="Password reset.", one_time=(name, one_time))
        return redirect("/console/staff", "staff_changed")

    def _apply(
        self, session: Session, staff: StaffUser, action: str, form: dict[str, str]
    ) -> str | None:
        """Returns a new one-time password when the action was a reset."""
        now = self.deps.clock.now()
        if action == "role":
            staff.role = StaffRole(form.get("role", ""))
        elif action == "phone":
            staff.phone = self._phone(form.get("phone", ""))
        elif action == "reset_password":
            password = secrets.token_urlsafe(12)
            change_password(session, staff, password, now)  # ends every session of theirs
            return password
        elif action == "unlock":
            throttle.forgive(session, self.limits, staff.email)
        elif action == "deactivate":
            staff.active, staff.on_shift = False, False
            end_sessions(session, staff.id, now, "deactivated")
        elif action == "reactivate":
            staff.active = True
        else:
            raise StaffError("unknown change")
        return None

    def _phone(self, raw: str) -> str | None:
        return to_e164(raw, self.deps.settings.default_region) if raw.strip() else None

    # --- the rota --------------------------------------------------------------------------

    def rota(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        return self._rota_page(viewer, notice=notice_text(request.query_params.get("notice")))

    def _rota_page(self, viewer: Viewer, status: int = 200, **context: Any) -> Response:
        with self.deps.db.session() as session:
            slots = [
                (slot, staff, WEEKDAYS[slot.weekday].title(), rota.hours_of(rota.slot_of(slot)))
                for slot, staff in rota.week(session)
            ]
            people = list(
                session.scalars(
                    select(StaffUser)
                    .where(StaffUser.active.is_(True), StaffUser.role.in_(rota.PAGED_ROLES))
                    .order_by(StaffUser.display_name)
                )
            )
        return self.pages.render(
            "rota.html",
            viewer,
            status,
            slots=slots,
            people=people,
            days=WEEKDAYS,
            zone=self.deps.settings.default_timezone,
            **context,
        )

    def add_slot(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        try:
            kind = RotaKind(form.get("kind", "shift"))
            with self.deps.db.session() as session:
                raw = form.get("staff_id", "")
                staff = session.get(StaffUser, int(raw)) if raw.isdigit() else None
                if staff is None or not staff.active:
                    raise RotaError("choose an active peer or supervisor")
                days = [d for d in WEEKDAYS if form.get(f"day_{d}") == "on"] or [
                    form.get("day", "")
                ]
                for day in days:
                    rota.add_slot(
                        session, staff, day, form.get("starts", ""), form.get("ends", ""), kind
                    )
        except (RotaError, ValueError) as exc:
            return self._rota_page(viewer, 400, error=f"Not added: {_plain(exc)}")
        return redirect("/console/rota", "slot_added")

    def remove_slot(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        raw = str(request.path_params.get("slot_id", ""))
        with self.deps.db.session() as session:
            slot = session.get(RotaSlot, int(raw)) if raw.isdigit() else None
            if slot is not None:
                session.delete(slot)
        return redirect("/console/rota", "slot_removed")

    # --- the audit trail -------------------------------------------------------------------

    def audit(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        query = dict(request.query_params)
        with self.deps.db.session() as session:
            rows = list(session.execute(self._audit_query(session, query).limit(AUDIT_PAGE)))
            staff = list(session.scalars(select(StaffUser).order_by(StaffUser.display_name)))
        return self.pages.render(
            "audit.html", viewer, rows=rows, staff=staff, query=query, limit=AUDIT_PAGE
        )

    def audit_csv(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        query = dict(request.query_params)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(("when (UTC)", "staff", "role", "action", "participant", "detail"))
        with self.deps.db.session() as session:
            for event, name, role, public_id, alias in session.execute(
                self._audit_query(session, query)
            ):
                person = f"{alias} ({public_id})" if public_id else ""
                writer.writerow(
                    (
                        f"{event.at:%Y-%m-%d %H:%M:%S}",
                        csv_text(name or "unknown account"),
                        role or "",
                        event.action,
                        csv_text(person),
                        csv_text(event.detail or ""),
                    )
                )
        headers = {
            "Cache-Control": "no-store",
            "Content-Disposition": 'attachment; filename="peerline-audit.csv"',
        }
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

    def _audit_query(
        self, session: Session, query: dict[str, str]
    ) -> Select[AuditEvent, str | None, StaffRole | None, str | None, str | None]:
        """Newest first; filter by staff, participant (alias or id), action and days. Rows
        written from the command line have no staff account: their actor shows instead."""
        q = (
            select(
                AuditEvent,
                func.coalesce(StaffUser.display_name, AuditEvent.actor),
                StaffUser.role,
                Participant.public_id,
                Participant.alias,
            )
            .outerjoin(StaffUser, StaffUser.id == AuditEvent.staff_id)
            .outerjoin(Participant, Participant.id == AuditEvent.participant_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        )
        if query.get("staff", "").isdigit():
            q = q.where(AuditEvent.staff_id == int(query["staff"]))
        who = query.get("participant", "").strip()[:80]
        if who:
            q = q.where((Participant.public_id == who) | Participant.alias.ilike(f"%{who}%"))
        if query.get("action", "").strip():
            q = q.where(AuditEvent.action == query["action"].strip()[:40])
        since, until = _day(query.get("from", "")), _day(query.get("to", ""))
        if since is not None:
            q = q.where(AuditEvent.at >= datetime.combine(since, time(0), tzinfo=self.deps.zone))
        if until is not None:
            end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=self.deps.zone)
            q = q.where(AuditEvent.at < end)
        return q


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _plain(exc: Exception) -> str:
    return str(exc).split("\n")[0][:200] or type(exc).__name__
