"""The carrier's delivery statuses for our texts (`POST /sms/status`), stored in groups.

Each reply brings two or three of these ("sent", "delivered"), so in a busy hour they are
most of the webhooks the web process answers. They share the arriving texts' way of being
stored (messaging/grouped.py): one transaction for each group, every status committed
before its 204. Statuses can arrive out of order; a message's status only moves forward.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from messaging.grouped import GroupWriter, settle
from messaging.outbox import OPTED_OUT_CODE, is_opted_out
from records.db import Database
from records.models import Direction, Message, MessageStatus, OptOut

log = logging.getLogger(__name__)

STATUS_RANK = {
    MessageStatus.PENDING: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.QUEUED: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.UNDELIVERED: 4,
    MessageStatus.FAILED: 4,
}
CALLBACK_STATUSES = {s.value: s for s in STATUS_RANK} | {"accepted": MessageStatus.QUEUED}


@dataclass(frozen=True)
class StatusReport:
    """One status callback as the webhook parsed it."""

    sid: str
    state: str
    error_code: str | None = None
    stored: Future[None] = field(default_factory=Future, compare=False)


class StatusBook:
    """The one writer of delivery statuses in this process."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._writer = GroupWriter("statuses", self._store)

    def submit(self, report: StatusReport) -> Future[None]:
        """Queue a status; its future is done once committed, or raises (the webhook then
        answers 503 and the carrier's status is not lost silently)."""
        self._writer.put(report)
        return report.stored

    def close(self) -> None:
        self._writer.close()

    def _store(self, group: list[StatusReport]) -> None:
        try:
            with self.db.session() as session:
                apply_status_reports(session, group)
        except (IntegrityError, DataError):  # one bad row must not fail the rest
            for report in group:
                self._store_one(report)
            return
        except Exception as exc:  # the database itself: fail the group at once, not row by row
            log.error("%d statuses not stored: %s", len(group), type(exc).__name__)
            for report in group:
                settle(report.stored, error=exc)
            return
        for report in group:
            settle(report.stored)

    def _store_one(self, report: StatusReport) -> None:
        try:
            with self.db.session() as session:
                apply_status_reports(session, [report])
        except Exception as exc:  # no traceback: a database error quotes what it stored
            log.error("status for %s not stored: %s", report.sid[:64], type(exc).__name__)
            settle(report.stored, error=exc)
        else:
            settle(report.stored)


def apply_status_reports(session: Session, reports: list[StatusReport]) -> None:
    """Record each status on its outbound text, in arrival order; unknown sids are ignored."""
    query = select(Message).where(
        Message.twilio_sid.in_({report.sid for report in reports}),
        Message.direction == Direction.OUTBOUND,
    )
    messages = {message.twilio_sid: message for message in session.scalars(query)}
    for report in reports:
        message = messages.get(report.sid)
        if message is None:
            log.info("status %s for unknown message %s ignored", report.state, report.sid)
            continue
        apply_status_callback(session, message, report.state.lower(), report.error_code)


def apply_status_callback(
    session: Session, message: Message, status: str, error_code: str | None
) -> None:
    """One delivery status on one of our outbound texts."""
    new = CALLBACK_STATUSES.get(status)
    if new is None:
        return
    if STATUS_RANK.get(new, 0) >= STATUS_RANK.get(message.status, 0):
        message.status = new
    if error_code and error_code.isascii() and error_code.isdigit() and len(error_code) <= 9:
        message.error_code = int(error_code)
        log.warning("message %d %s with error %s", message.id, status, error_code)
        if int(error_code) == OPTED_OUT_CODE and not is_opted_out(session, message.phone):
            session.add(OptOut(phone=message.phone, source="carrier"))
