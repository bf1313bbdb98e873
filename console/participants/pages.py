"""The coordinators' participant pages: the directory, one person's record and timeline,
editing the profile and routine, and booking, moving and marking appointments.

Every page that shows a participant's record writes an audit row; every change writes one
with what changed (field names, never values that could be health information).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from console.access import Viewer, readable_participant
from console.deps import ConsoleDeps
from console.pages import Pages, notice_text, redirect
from console.participants.timeline import timeline
from console.program.tables import Period, period_from
from console.summaries.attention import needs_attention
from console.summaries.summary import Source
from escalation import cases
from records.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    OptOut,
    OutreachSchedule,
    Participant,
    ParticipantStatus,
    StaffUser,
)
from records.participants import EnrolmentError
from records.phones import mask
from records.rota import PAGED_ROLES
from records.schedules import (
    ScheduleError,
    add_appointment,
    appointments_of,
    parse_local,
    routine_of,
    set_schedule,
)

log = logging.getLogger(__name__)

Handler = Callable[[Request, Viewer, dict[str, str]], Response]
PAGE_SIZE = 100
APPOINTMENT_ACTIONS = {"attended", "missed", "cancelled", "move"}


class ParticipantPages:
    def __init__(self, deps: ConsoleDeps, pages: Pages, silent_after: timedelta) -> None:
        self.deps = deps
        self.pages = pages
        self.silent_after = silent_after

    def handlers(self) -> dict[str, Handler]:
        return {
            "console_participants": self.directory,
            "console_participant": self.record,
            "console_participant_records": self.records,
            "console_participant_edit": self.edit,
            "console_appointment_add": self.book,
            "console_appointment_change": self.change_appointment,
        }

    # --- the directory -------------------------------------------------------------------

    def directory(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        query = dict(request.query_params)
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            people, total = self._search(session, query, now)
            rows = [_row(session, p) for p in people]
            peers = _peers(session)
            detail = ",".join(f"{k}" for k, v in sorted(query.items()) if v)
            cases.record_view(session, viewer.me, None, "view_directory", now, detail or None)
        return self.pages.render(
            "participants.html",
            viewer,
            rows=rows,
            total=total,
            query=query,
            peers=peers,
            statuses=[str(s) for s in ParticipantStatus],
        )

    def _search(
        self, session: Session, query: dict[str, str], now: Any
    ) -> tuple[list[Participant], int]:
        q = select(Participant)
        text = query.get("q", "").strip()[:80]
        if text:
            digits = "".join(ch for ch in text if ch.isdigit())
            q = q.where(
                or_(
                    Participant.alias.ilike(f"%{text}%"),
                    Participant.public_id == text,
                    *([Participant.phone.like(f"%{digits}")] if len(digits) >= 2 else []),
                )
            )
        if query.get("status") in set(ParticipantStatus):
            q = q.where(Participant.status == query["status"])
        peer = query.get("peer", "")
        if peer.isdigit():
            q = q.where(Participant.assigned_peer_id == int(peer))
        if query.get("attention"):
            flagged = [
                a.participant.id
                for a in needs_attention(session, now, self.deps.policy, self.silent_after)
            ]
            q = q.where(Participant.id.in_(flagged))
        total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
        people = list(session.scalars(q.order_by(Participant.alias).limit(PAGE_SIZE)))
        return people, total

    # --- one record ----------------------------------------------------------------------

    def record(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            participant = self._readable(session, request, viewer)
            if participant is None:
                return self._missing(viewer)
            zone = ZoneInfo(participant.timezone)
            period = period_from(dict(request.query_params), self.deps.clock, zone)
            context = self._record_context(session, participant, period)
            action = "view_participant"
            cases.record_view(session, viewer.me, participant.id, action, now, period.key)
        notice = notice_text(request.query_params.get("notice"))
        return self.pages.render(
            "participant.html", viewer, notice=notice, period=period, **context
        )

    def _record_context(
        self, session: Session, participant: Participant, period: Period
    ) -> dict[str, Any]:
        zone = ZoneInfo(participant.timezone)
        routine = routine_of(session.get(OutreachSchedule, participant.id), self.deps.settings)
        return {
            "p": participant,
            "masked": mask(participant.phone),
            "opted_out": session.get(OptOut, participant.phone) is not None,
            "routine": routine,
            "schedule": session.get(OutreachSchedule, participant.id),
            "appointments": [
                (a, f"{a.starts_at.astimezone(zone):%a %b %d %Y %H:%M}")
                for a in appointments_of(session, participant)
            ],
            "entries": timeline(session, participant, period),
            "peers": _peers(session),
            "kinds": [str(k) for k in AppointmentKind],
            "statuses": [str(s) for s in ParticipantStatus],
            "can_edit": True,
        }

    def records(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """Exactly the records behind one statement of a summary: one click to check it."""
        items = _sources(request.query_params.get("items", ""))
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            participant = self._readable(session, request, viewer)
            if participant is None:
                return self._missing(viewer)
            entries = timeline(session, participant, only=items)
            detail = ",".join(sorted(s.key for s in items))
            cases.record_view(session, viewer.me, participant.id, "view_records", now, detail)
        return self.pages.render(
            "records.html",
            viewer,
            p=participant,
            entries=entries,
            statement=request.query_params.get("statement", "")[:300],
        )

    # --- changes -------------------------------------------------------------------------

    def edit(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        now = self.deps.clock.now()
        try:
            with self.deps.db.session() as session:
                participant = self._readable(session, request, viewer)
                if participant is None:
                    return self._missing(viewer)
                changed = _apply_profile(session, participant, form, self.deps.settings, now)
                detail = ",".join(changed)
                cases.record_view(
                    session, viewer.me, participant.id, "edit_participant", now, detail
                )
                public_id = participant.public_id
        except (EnrolmentError, ScheduleError) as exc:
            return self._refused(request, viewer, str(exc))
        log.info("console: staff %s edited participant %s", viewer.me.id, public_id)
        return redirect(f"/console/participants/{public_id}", "saved")

    def book(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        now = self.deps.clock.now()
        try:
            with self.deps.db.session() as session:
                participant = self._readable(session, request, viewer)
                if participant is None:
                    return self._missing(viewer)
                starts = parse_local(form.get("at", "").replace("T", " "), participant.timezone)
                booked = add_appointment(
                    session,
                    participant,
                    starts_at=starts,
                    kind=form.get("kind", ""),
                    location=form.get("location", ""),
                    now=now,
                )
                detail = f"appointment {booked.id}"
                action = "add_appointment"
                cases.record_view(session, viewer.me, participant.id, action, now, detail)
                public_id = participant.public_id
        except ScheduleError as exc:
            return self._refused(request, viewer, str(exc))
        return redirect(f"/console/participants/{public_id}", "booked")

    def change_appointment(
        self, request: Request, viewer: Viewer, form: dict[str, str]
    ) -> Response:
        """Move, cancel, or mark attended or missed ('missed' starts the kind follow-up)."""
        raw = str(request.path_params.get("appointment_id", ""))
        action = form.get("action", "")
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            appointment = session.get(Appointment, int(raw)) if raw.isdigit() else None
            if appointment is None or action not in APPOINTMENT_ACTIONS:
                return self._missing(viewer)
            participant = session.get_one(Participant, appointment.participant_id)
            public_id = participant.public_id
            try:
                _change(appointment, participant, action, form.get("at", ""), now)
            except ScheduleError as exc:
                error = str(exc)
            else:
                error = ""
                detail = f"appointment {appointment.id}: {action}"
                audit = "change_appointment"
                cases.record_view(session, viewer.me, participant.id, audit, now, detail)
        if error:
            return redirect_with_error(self, viewer, public_id, error)
        return redirect(f"/console/participants/{public_id}", "appointment_changed")

    # --- helpers -------------------------------------------------------------------------

    def _readable(self, session: Session, request: Request, viewer: Viewer) -> Participant | None:
        public_id = str(request.path_params.get("public_id", ""))[:32]
        return readable_participant(session, viewer.me, public_id, self.deps.clock.now())

    def _missing(self, viewer: Viewer) -> Response:
        message = "No such participant you may see. It may have been a mistyped link."
        return self.pages.render("denied.html", viewer, 404, message=message)

    def _refused(self, request: Request, viewer: Viewer, error: str) -> Response:
        public_id = str(request.path_params.get("public_id", ""))[:32]
        return redirect_with_error(self, viewer, public_id, error)


def redirect_with_error(
    pages: ParticipantPages, viewer: Viewer, public_id: str, error: str
) -> Response:
    """Re-show the record with the error above it (nothing was changed)."""
    now = pages.deps.clock.now()
    with pages.deps.db.session() as session:
        participant = session.scalar(select(Participant).where(Participant.public_id == public_id))
        if participant is None:
            return pages._missing(viewer)
        period = period_from({}, pages.deps.clock, ZoneInfo(participant.timezone))
        context = pages._record_context(session, participant, period)
        cases.record_view(session, viewer.me, participant.id, "view_participant", now, "refused")
    return pages.pages.render(
        "participant.html", viewer, 400, error=f"Not saved: {error}", period=period, **context
    )


def _sources(raw: str) -> set[Source]:
    found = set()
    for item in raw.split(",")[:200]:
        kind, _, number = item.strip().partition("-")
        if kind in ("message", "checkin", "appointment", "case", "outreach") and number.isdigit():
            found.add(Source(kind, int(number)))
    return found


def _peers(session: Session) -> list[StaffUser]:
    return list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.active.is_(True), StaffUser.role.in_(PAGED_ROLES))
            .order_by(StaffUser.display_name)
        )
    )


def _row(session: Session, p: Participant) -> dict[str, Any]:
    peer = session.get(StaffUser, p.assigned_peer_id) if p.assigned_peer_id else None
    return {
        "p": p,
        "masked": mask(p.phone),
        "peer": peer.display_name if peer else "",
        "last": f"{p.last_inbound_at:%b %d}" if p.last_inbound_at else "never",
    }


def _apply_profile(
    session: Session, p: Participant, form: dict[str, str], settings: Any, now: Any
) -> list[str]:
    """Apply the edit form; returns the names of the fields that changed."""
    changed: list[str] = []
    alias = form.get("alias", p.alias).strip()
    if not 1 <= len(alias) <= 80:
        raise EnrolmentError("alias must be 1-80 characters")
    zone = form.get("timezone", p.timezone).strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise EnrolmentError(f"unknown time zone {zone!r} (use an IANA name)") from exc
    status = form.get("status", str(p.status))
    if status not in set(ParticipantStatus):
        raise EnrolmentError("choose active, paused or discharged")
    consented = form.get("consented") == "on"
    peer = form.get("assigned_peer", "")
    peer_id = int(peer) if peer.isdigit() else None
    for name, old, new in (
        ("alias", p.alias, alias),
        ("timezone", p.timezone, zone),
        ("status", str(p.status), status),
        ("assigned_peer", p.assigned_peer_id, peer_id),
    ):
        if old != new:
            changed.append(name)
    p.alias, p.timezone, p.assigned_peer_id = alias, zone, peer_id
    p.status = ParticipantStatus(status)
    if consented != (p.consented_at is not None):
        p.consented_at = now if consented else None
        changed.append("consent")
    refill = form.get("refill_every", "")
    if "checkin_days" in form or form.get("window") or refill.isdigit():
        set_schedule(
            session,
            p,
            settings,
            checkin_days=form.get("checkin_days"),
            window=form.get("window") or None,
            medication_every_days=int(refill) if refill.isdigit() else None,
        )
        changed.append("routine")
    return changed


def _change(
    appointment: Appointment, participant: Participant, action: str, at: str, now: Any
) -> None:
    if action == "move":
        starts = parse_local(at.replace("T", " "), participant.timezone)
        if starts <= now:
            raise ScheduleError("the new time must be in the future")
        appointment.starts_at = starts
        appointment.status = AppointmentStatus.SCHEDULED
        appointment.nudged_at = None
        return
    appointment.status = AppointmentStatus(action)
