"""Enrolment from a CSV: a file is checked first (every row's problem listed), then
imported in the background with its progress kept, so a large file can be watched and a
second import of the same file enrols nobody twice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from records.models.base import Base, utcnow


class ImportStatus(StrEnum):
    CHECKED = "checked"  # previewed: nothing written yet
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    filename: Mapped[str] = mapped_column(String(120))
    status: Mapped[ImportStatus] = mapped_column(String(20), default=ImportStatus.CHECKED)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, comment="the rows that passed the check, normalised"
    )
    problems: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, comment="line number, column and why, for every refused row"
    )
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0, comment="already enrolled")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
