"""The case page and what a peer does there: claim, text, hand back, resolve, debrief.

Every action is safe to post twice (a double tap on a phone, a retried request): the claim
is atomic in `escalation.cases`, the same text within `DUPLICATE_WINDOW` is not sent again,
and acting on a case that has already moved on answers with a notice, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from console import glass
from console.access import Viewer
from console.deps import ConsoleDeps
from console.pages import Pages, case_path, notice_text, redirect
from console.views import (
    OUTCOME_LABELS,
    case_view,
    check_ins,
    may_act,
    may_resolve,
    needs_debrief,
    requested_changes,
    thread,
)
from escalation import cases
from escalation.escalate import Policy
from messaging import segments
from messaging.outbox import is_opted_out
from records.models import Case, CaseOutcome, CaseStatus, Message, MessageKind, MoudLinkage

log = logging.getLogger(__name__)

Handler = Callable[[Request, Viewer, dict[str, str]], Response]
DUPLICATE_WINDOW = timedelta(seconds=30)
MAX_NOTE_CHARS = 2000
CLAIM_NOTICES = {"taken": "taken", "cap": "cap", "resolved": "resolved_already"}
LINKAGES = {value.value: value for value in MoudLinkage}
LINKAGE_LABELS = [
    ("started", "Started MOUD"),
    ("resumed", "Resumed MOUD"),
    ("stayed", "Stayed on MOUD"),
    ("not_linked", "Not linked to MOUD"),
]


def case_id_of(request: Request) -> int | None:
    raw = str(request.path_params.get("case_id", ""))
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


class CaseWork:
    def __init__(self, deps: ConsoleDeps, pages: Pages) -> None:
        self.deps = deps
        self.pages = pages

    def handlers(self) -> dict[str, Handler]:
        return {
            "console_case": self.case_page,
            "console_case_thread": self.case_thread,
            "console_claim": self.claim,
            "console_reply": self.reply,
            "console_hand_back": self.hand_back,
            "console_resolve": self.resolve,
            "console_debrief": self.debrief,
            "console_number": self.number,
            "console_break_glass": self.break_glass,
        }

    # --- reading --------------------------------------------------------------------

    def case_page(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        case_id = case_id_of(request)
        if case_id is None:
            return self.not_found(viewer)
        cap = self.deps.policy.max_active_cases_per_peer
        notice = notice_text(request.query_params.get("notice"), cap=cap)
        return self.render_case(viewer, case_id, notice=notice)

    def render_case(
        self,
        viewer: Viewer,
        case_id: int,
        *,
        notice: str | None = None,
        error: str | None = None,
        draft: str = "",
        status_code: int = 200,
        number: str | None = None,
    ) -> Response:
        """The case page; every render is a read of the participant's record, so audited."""
        now, zone = self.deps.clock.now(), self.deps.zone
        with self.deps.db.session() as session:
            case = session.get(Case, case_id)
            if case is None:
                return self.not_found(viewer)
            if not glass.may_read_case(session, viewer.me, case, now):
                cases.record_view(session, viewer.me, None, "case_refused", now, f"case {case_id}")
                return self.glass_page(viewer, case_id)
            context = {
                "view": case_view(session, case, viewer.me, now),
                "messages": thread(session, case, now, zone),
                "check_ins": (
                    check_ins(session, case.participant_id, now, zone)
                    if case.participant_id is not None
                    else []
                ),
                "requested_changes": (
                    requested_changes(session, case.participant_id, now, zone)
                    if case.participant_id is not None
                    else []
                ),
                "number": number,
            }
            cases.record_view(session, viewer.me, case.participant_id, "view_case", now)
        return self.pages.render(
            "case.html",
            viewer,
            status_code,
            notice=notice,
            error=error,
            draft=draft,
            quick_replies=cases.QUICK_REPLIES,
            fidelity_items=cases.FIDELITY_ITEMS,
            outcomes=list(OUTCOME_LABELS.items()),
            linkages=LINKAGE_LABELS,
            max_segments=self.deps.policy.max_segments,
            **context,
        )

    def case_thread(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """The conversation alone, refetched by the case page on each live event."""
        case_id = case_id_of(request)
        now, zone = self.deps.clock.now(), self.deps.zone
        with self.deps.db.session() as session:
            case = session.get(Case, case_id) if case_id is not None else None
            if case is None:
                return Response("No such case.", 404)
            if not glass.may_read_case(session, viewer.me, case, now):
                return Response("This case isn't open to you.", 403)
            view = case_view(session, case, viewer.me, now)
            messages = thread(session, case, now, zone)
            cases.record_view(session, viewer.me, case.participant_id, "view_thread", now)
        return self.pages.render("_thread.html", viewer, view=view, messages=messages)

    def glass_page(self, viewer: Viewer, case_id: int, error: str | None = None) -> Response:
        """Beyond the role's minimum necessary: say so, and offer the recorded way in."""
        return self.pages.render(
            "glass.html", viewer, 403, case_id=case_id, error=error, minutes=glass.GRANT_MINUTES
        )

    def break_glass(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        case_id = case_id_of(request)
        reason = form.get("reason", "")[: glass.MAX_REASON_CHARS * 2]
        now = self.now()
        with self.deps.db.session() as session:
            case = session.get(Case, case_id) if case_id is not None else None
            if case is None:
                return self.not_found(viewer)
            if glass.may_read_case(session, viewer.me, case, now):
                return redirect(case_path(case.id))  # a double submit, or already allowed
            problem = glass.reason_problem(reason)
            if problem is None:
                glass.break_glass(session, viewer.me, case, reason, now)
        if problem is not None:
            return self.glass_page(viewer, case.id, error=problem)
        log.warning("console: staff %s broke the glass on case %s", viewer.me.id, case.id)
        return redirect(case_path(case.id))

    def number(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """The full number, to call someone who can't be texted: shown on request only,
        to the peer working the case (or a supervisor), and audited."""
        case_id = case_id_of(request)
        with self.deps.db.session() as session:
            case = session.get(Case, case_id) if case_id is not None else None
            if case is None:
                return self.not_found(viewer)
            allowed = may_act(case, viewer.me) or case.status == CaseStatus.OPEN
            phone = cases.contact_phone(session, case) if allowed else None
            if phone is not None:
                now = self.deps.clock.now()
                cases.record_view(session, viewer.me, case.participant_id, "reveal_number", now)
                cases.event(session, case, "number_shown", now, staff_id=viewer.me.id)
        if phone is None:
            return redirect(case_path(case.id), "not_yours")
        log.info("console: staff %s was shown the number on case %s", viewer.me.id, case.id)
        return self.render_case(viewer, case.id, number=phone)

    def not_found(self, viewer: Viewer) -> Response:
        message = "No such case. It may have been a mistyped link."
        return self.pages.render("denied.html", viewer, 404, message=message)

    # --- acting ---------------------------------------------------------------------

    def claim(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        case_id = case_id_of(request)
        if case_id is None:
            return self.not_found(viewer)
        with self.deps.db.session() as session:
            cap = self.policy.max_active_cases_per_peer
            result = cases.claim(session, case_id, viewer.me, self.deps.clock.now(), cap)
            mine = _claimed_by(session, case_id) == viewer.me.id
        if result.reason == "missing":
            return self.not_found(viewer)
        if result.ok:
            log.info("console: staff %s claimed case %s", viewer.me.id, case_id)
            self.deps.notify()
            return redirect(case_path(case_id), "claimed")
        code = "already_yours" if mine else CLAIM_NOTICES.get(result.reason, "taken")
        return redirect(case_path(case_id), code)

    def reply(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        case_id = case_id_of(request)
        if case_id is None:
            return self.not_found(viewer)
        body = form.get("body", "").strip()
        problem = self.text_problem(body)
        if problem:
            return self.render_case(viewer, case_id, error=problem, draft=body, status_code=400)
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            case = session.get(Case, case_id)
            if case is None:
                return self.not_found(viewer)
            code = (
                _work_refusal(case, viewer)
                or _text_refusal(session, case)
                or ("duplicate" if _just_sent(session, case, viewer, body, now) else None)
            )
            if code is None:
                cases.reply(session, case, viewer.me, body, now, self.deps.policy.max_segments)
        if code is not None:
            return redirect(case_path(case_id), code)
        log.info("console: staff %s texted on case %s", viewer.me.id, case_id)
        self.deps.wake_outbox()
        self.deps.notify()
        return redirect(case_path(case_id), "sent")

    def text_problem(self, body: str) -> str | None:
        """Why this text can't be sent as written, in words a tired person can act on."""
        if not body:
            return "Write a message first. Nothing was sent."
        limit = self.deps.policy.max_segments
        parts = segments.count(body).segments
        if parts > limit:
            return (
                f"Too long: that is {parts} texts, and the limit is {limit}. "
                "Shorten it; nothing was sent."
            )
        return None

    def hand_back(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        case_id = case_id_of(request)
        with self.deps.db.session() as session:
            case = session.get(Case, case_id) if case_id is not None else None
            if case is None:
                return self.not_found(viewer)
            code = _work_refusal(case, viewer)
            if code is None:
                cases.hand_back(session, case, viewer.me, self.deps.clock.now())
        if code is not None:
            return redirect(case_path(case.id), code)
        log.info("console: staff %s handed back case %s", viewer.me.id, case.id)
        self.deps.notify()
        return redirect(case_path(case.id), "handed_back")

    def resolve(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        case_id = case_id_of(request)
        if case_id is None:
            return self.not_found(viewer)
        try:
            outcome = CaseOutcome(form.get("outcome", ""))
        except ValueError:
            error = "Choose an outcome before resolving."
            return self.render_case(viewer, case_id, error=error, status_code=400)
        fidelity = {key: form.get(f"fidelity_{key}") == "on" for key, _ in cases.FIDELITY_ITEMS}
        with self.deps.db.session() as session:
            case = session.get(Case, case_id)
            if case is None:
                return self.not_found(viewer)
            code = _resolve_refusal(case, viewer)
            if code is None:
                notes = form.get("notes", "")
                linkage = LINKAGES.get(form.get("moud", ""))
                cases.resolve(
                    session, case, viewer.me, outcome, fidelity, notes, self.now(), linkage
                )
        if code is not None:
            return redirect(case_path(case_id), code)
        log.info("console: staff %s resolved case %s (%s)", viewer.me.id, case_id, outcome)
        self.deps.notify()
        return redirect(case_path(case_id), "resolved")

    def debrief(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """Optional note after a hard case; answering (or skipping) ends the prompt."""
        case_id = case_id_of(request)
        note = form.get("note", "").strip()[:MAX_NOTE_CHARS]
        with self.deps.db.session() as session:
            case = session.get(Case, case_id) if case_id is not None else None
            if case is None:
                return self.not_found(viewer)
            if needs_debrief(session, case, viewer.me):
                cases.debrief(session, case, viewer.me, note, self.now())
        return redirect("/console", "debrief_saved")

    @property
    def policy(self) -> Policy:
        return self.deps.policy

    def now(self) -> datetime:
        return self.deps.clock.now()


def _claimed_by(session: Session, case_id: int) -> int | None:
    return session.scalar(select(Case.claimed_by_id).where(Case.id == case_id))


def _work_refusal(case: Case, viewer: Viewer) -> str | None:
    """Why this viewer can't text on / hand back this case now (a notice code), or None."""
    if case.status == CaseStatus.RESOLVED:
        return "resolved_already"
    if case.status == CaseStatus.HANDED_BACK:
        return "already_handed_back"
    if case.status != CaseStatus.CLAIMED:
        return "not_claimed"
    return None if may_act(case, viewer.me) else "not_yours"


def _text_refusal(session: Session, case: Case) -> str | None:
    """The carrier refuses texts to a number that opted out: say so, don't pretend."""
    return "opted_out" if is_opted_out(session, cases.contact_phone(session, case)) else None


def _resolve_refusal(case: Case, viewer: Viewer) -> str | None:
    if case.status == CaseStatus.RESOLVED:
        return "resolved_already"
    if case.status == CaseStatus.OPEN:
        return "not_claimed"
    return None if may_resolve(case, viewer.me) else "not_yours"


def _just_sent(session: Session, case: Case, viewer: Viewer, body: str, now: datetime) -> bool:
    """The same text by the same peer on this case moments ago: a double tap, not a reply."""
    return (
        session.scalar(
            select(Message.id)
            .where(
                Message.case_id == case.id,
                Message.staff_id == viewer.me.id,
                Message.kind == MessageKind.PEER,
                Message.body == body,
                Message.created_at >= now - DUPLICATE_WINDOW,
            )
            .limit(1)
        )
        is not None
    )
