"""Enrolling many people from a CSV: check every row first, then import what was checked.

`check` reads the whole file and lists every row's problem (a bad number, a duplicate in
the file, an unknown time zone, no consent, a bad routine) before anything is written.
`import_rows` enrols the checked rows in small transactions; a number already enrolled is
skipped, never enrolled twice, so importing the same file again is safe.

Columns (header row, any order, case-insensitive): phone and alias are required; timezone
(IANA, default the program's), consented (yes, or the day consent was given), checkin_days
(e.g. mon,thu), window (e.g. 10:00-12:00) and assigned_peer (a staff e-mail) are optional.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from records.models import Participant, StaffUser
from records.participants import EnrolmentError, enrol
from records.phones import InvalidPhoneNumber, mask, to_e164
from records.rota import PAGED_ROLES
from records.schedules import ScheduleError, parse_days, parse_window, set_schedule
from records.settings import Settings

REQUIRED = ("phone", "alias")
OPTIONAL = ("timezone", "consented", "checkin_days", "window", "assigned_peer")
MAX_ROWS = 20_000
YES = {"yes", "y", "true", "1", "consented"}
CHUNK = 200


@dataclass(frozen=True)
class Problem:
    line: int  # as a spreadsheet numbers it: the header is line 1
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class Checked:
    rows: list[dict[str, Any]] = field(default_factory=list)  # ready to import
    problems: list[Problem] = field(default_factory=list)
    already: int = 0  # numbers already enrolled: skipped on import
    total: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and self.total > 0


def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header and rows of an uploaded file's text (a leading BOM is ignored)."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    rows = list(reader)
    if not rows:
        return [], []
    header = [name.strip().lower().replace(" ", "_") for name in rows[0]]
    return header, [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]


def check(
    session: Session,
    data: str,
    settings: Settings,
    staff_emails: dict[str, int],
    now: datetime,
) -> Checked:
    header, rows = read_csv(data)
    result = Checked(total=len(rows))
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        result.problems.append(Problem(1, ", ".join(missing), "missing column(s) in the header"))
        return result
    if len(rows) > MAX_ROWS:
        result.problems.append(Problem(1, "", f"more than {MAX_ROWS} rows: split the file"))
        return result
    seen: dict[str, int] = {}
    enrolled = _enrolled_phones(session)
    for index, raw in enumerate(rows, start=2):
        row, problems = _check_row(index, raw, settings, staff_emails, seen, now)
        result.problems += problems
        if problems or row is None:
            continue
        if row["phone"] in enrolled:
            result.already += 1
            continue
        result.rows.append(row)
    return result


def _enrolled_phones(session: Session) -> set[str]:
    return set(session.scalars(select(Participant.phone)))


def _check_row(
    line: int,
    raw: dict[str, str],
    settings: Settings,
    staff_emails: dict[str, int],
    seen: dict[str, int],
    now: datetime,
) -> tuple[dict[str, Any] | None, list[Problem]]:
    value = {key: (raw.get(key) or "").strip() for key in (*REQUIRED, *OPTIONAL)}
    problems: list[Problem] = []
    phone = ""
    try:
        phone = to_e164(value["phone"], settings.default_region)
    except InvalidPhoneNumber:
        problems.append(Problem(line, "phone", f"not a mobile number: {_shown(value['phone'])}"))
    if phone and phone in seen:
        problems.append(Problem(line, "phone", f"duplicate of line {seen[phone]} ({mask(phone)})"))
    elif phone:
        seen[phone] = line
    if not 1 <= len(value["alias"]) <= 80:
        problems.append(Problem(line, "alias", "give a name or nickname, 1-80 characters"))
    zone = value["timezone"] or settings.default_timezone
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(line, "timezone", f"unknown time zone {zone!r} (use an IANA name)"))
    consented = _consent(value["consented"], now)
    if consented is None:
        problems.append(Problem(line, "consented", "no consent recorded: texts need consent"))
    for column, parse in (("checkin_days", parse_days), ("window", parse_window)):
        if value[column]:
            try:
                parse(value[column])
            except ScheduleError as exc:
                problems.append(Problem(line, column, str(exc)))
    peer = value["assigned_peer"].lower()
    if peer and peer not in staff_emails:
        problems.append(Problem(line, "assigned_peer", f"no active peer with e-mail {peer}"))
    if problems:
        return None, problems
    row = {
        "phone": phone,
        "alias": value["alias"],
        "timezone": zone,
        "consented_at": consented.isoformat() if consented else None,
        "checkin_days": value["checkin_days"] or None,
        "window": value["window"] or None,
        "assigned_peer_id": staff_emails.get(peer) if peer else None,
    }
    return row, []


def _consent(raw: str, now: datetime) -> datetime | None:
    """'yes' (consent today) or the day it was given; anything else is no consent."""
    if raw.lower() in YES:
        return now
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    return datetime.combine(day, time(12), tzinfo=UTC)


def _shown(raw: str) -> str:
    """Enough of a bad number to find it in the file, never all of it."""
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"...{digits[-2:]}" if len(digits) >= 4 else repr(raw[:12])


def import_rows(
    session_factory: Callable[[], Any],
    rows: list[dict[str, Any]],
    settings: Settings,
    progress: Callable[[int, int, int], None],
    on_enrolled: Callable[[Session, Participant], None] = lambda _s, _p: None,
) -> tuple[int, int]:
    """Enrol checked rows, CHUNK per transaction; returns (enrolled, skipped). `progress`
    hears (processed, enrolled, skipped) after each chunk; `on_enrolled` (the audit row)
    runs in the same transaction as each enrolment."""
    enrolled = skipped = 0
    for start in range(0, len(rows), CHUNK):
        with session_factory() as session:
            for row in rows[start : start + CHUNK]:
                participant = _enrol_one(session, row, settings)
                if participant is None:
                    skipped += 1
                    continue
                on_enrolled(session, participant)
                enrolled += 1
        progress(min(start + CHUNK, len(rows)), enrolled, skipped)
    return enrolled, skipped


def _enrol_one(session: Session, row: dict[str, Any], settings: Settings) -> Participant | None:
    """One row; None when the number is enrolled already (by an earlier import, say)."""
    exists = session.scalar(
        select(func.count()).select_from(Participant).where(Participant.phone == row["phone"])
    )
    if exists:
        return None
    try:
        participant = enrol(
            session,
            phone=row["phone"],
            alias=row["alias"],
            timezone=row["timezone"],
            consented_at=datetime.fromisoformat(row["consented_at"]),
            default_region=settings.default_region,
        )
    except EnrolmentError:
        return None
    participant.assigned_peer_id = row.get("assigned_peer_id")
    if row.get("checkin_days") or row.get("window"):
        set_schedule(
            session,
            participant,
            settings,
            checkin_days=row.get("checkin_days"),
            window=row.get("window"),
        )
    return participant


def peer_emails(session: Session) -> dict[str, int]:
    """Active peers and supervisors by e-mail: who a row may be assigned to."""
    return {
        email.lower(): staff_id
        for staff_id, email in session.execute(
            select(StaffUser.id, StaffUser.email).where(
                StaffUser.active.is_(True), StaffUser.role.in_(PAGED_ROLES)
            )
        )
    }
