"""The app's records. The app is their only writer; Rasa owns dialogue state only.

One module per part of the domain; import from `records.models`, which has them all
(and registers every table with the one `Base`).
"""

from __future__ import annotations

from records.models.access import (
    FailedLogin,
    StaffSession,
)
from records.models.base import (
    Base,
    UTCDateTime,
    new_public_id,
    utcnow,
)
from records.models.care import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CheckIn,
)
from records.models.cases import (
    AuditEvent,
    Case,
    CaseAccessGrant,
    CaseEvent,
    CaseLevel,
    CaseOutcome,
    CaseStatus,
    Debrief,
    MoudLinkage,
)
from records.models.enrolment import (
    ImportBatch,
    ImportStatus,
)
from records.models.messages import (
    PRIORITY_OF_KIND,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    Priority,
    TurnStatus,
)
from records.models.outreach import (
    Outreach,
    OutreachKind,
    OutreachSchedule,
    OutreachStatus,
    SchedulerLease,
)
from records.models.people import (
    OptOut,
    Participant,
    ParticipantStatus,
    RotaKind,
    RotaSlot,
    StaffRole,
    StaffUser,
)

__all__ = [
    "PRIORITY_OF_KIND",
    "Appointment",
    "AppointmentKind",
    "AppointmentStatus",
    "AuditEvent",
    "Base",
    "Case",
    "CaseAccessGrant",
    "CaseEvent",
    "CaseLevel",
    "CaseOutcome",
    "CaseStatus",
    "CheckIn",
    "Debrief",
    "Direction",
    "FailedLogin",
    "ImportBatch",
    "ImportStatus",
    "Message",
    "MessageKind",
    "MessageStatus",
    "MoudLinkage",
    "OptOut",
    "Outreach",
    "OutreachKind",
    "OutreachSchedule",
    "OutreachStatus",
    "Participant",
    "ParticipantStatus",
    "Priority",
    "RotaKind",
    "RotaSlot",
    "SchedulerLease",
    "StaffRole",
    "StaffSession",
    "StaffUser",
    "TurnStatus",
    "UTCDateTime",
    "new_public_id",
    "utcnow",
]
