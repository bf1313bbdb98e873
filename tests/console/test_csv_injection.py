"""CSV downloads open in spreadsheets: a name or detail that starts like a formula must come
out as text, or an alias typed as =HYPERLINK(...) runs when a coordinator opens the file."""

from __future__ import annotations

import csv
import io

from console.program.tables import Table, csv_text
from records.db import Database
from records.models import StaffRole
from tests.conftest import RunningApp
from tests.console.test_console import log_in, make_case, make_staff
from tests.console.test_console import running as running  # the fixture, shared

EVIL = '=HYPERLINK("http://example.invalid/x","click")'


def test_formula_starts_are_neutralised_and_numbers_are_not() -> None:
    assert csv_text(EVIL) == "'" + EVIL
    assert csv_text("@SUM(A1)").startswith("'") and csv_text("+1").startswith("'")
    assert csv_text("Robin") == "Robin"
    table = Table("t", "T", "how", ("name", "count", "rate"), rows=[(EVIL, -3, -0.5)])
    [_, row] = list(csv.reader(io.StringIO(table.to_csv())))
    assert row == ["'" + EVIL, "-3", "-0.5"]


def test_the_audit_csv_writes_an_alias_as_text(running: RunningApp, db: Database) -> None:
    make_staff(db, StaffRole.COORDINATOR)
    make_staff(db, StaffRole.ADMIN)
    case_id = make_case(db, "+12125550105", EVIL)
    coordinator = log_in(running.url, "coordinator@peers.example")
    assert coordinator.get(f"/console/cases/{case_id}").status_code == 200  # an audited read
    admin = log_in(running.url, "admin@peers.example")
    response = admin.get("/console/audit.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))[1:]
    assert any(row[4].startswith("'" + EVIL) for row in rows)  # the coordinator's read
    assert not any(cell.startswith("=") for row in rows for cell in row)
