"""A staff member's own account: change their password.

A new password ends every other session of theirs at once (a cookie copied from another
browser stops working); the browser it was changed in stays logged in. A wrong current
password counts toward the log-in lockout, so this form is no way round it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from console import throttle
from console.access import Viewer
from console.auth import MIN_PASSWORD_LENGTH, StaffError, change_password, verify_password
from console.deps import ConsoleDeps
from console.pages import Pages, notice_text, redirect
from console.sessions import audit_access
from records.models import StaffUser

Handler = Callable[[Request, Viewer, dict[str, str]], Response]


class AccountPages:
    def __init__(self, deps: ConsoleDeps, pages: Pages, limits: throttle.LoginLimits) -> None:
        self.deps = deps
        self.pages = pages
        self.limits = limits

    def handlers(self) -> dict[str, Handler]:
        return {"console_account": self.account, "console_password": self.change}

    def account(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        return self._page(viewer, notice=notice_text(request.query_params.get("notice")))

    def _page(self, viewer: Viewer, status: int = 200, **context: Any) -> Response:
        return self.pages.render(
            "account.html", viewer, status, min_length=MIN_PASSWORD_LENGTH, **context
        )

    def change(self, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
        """Runs on the log-in lane (two argon2 hashes): see `routes._register`."""
        new = form.get("new_password", "")[:1024]
        if new != form.get("repeat_password", "")[:1024]:
            return self._page(viewer, 400, error="The two new passwords are not the same.")
        now = self.deps.clock.now()
        with self.deps.db.session() as session:
            staff = session.get_one(StaffUser, viewer.me.id)
            current = form.get("current_password", "")[:1024]
            if not verify_password(staff.password_hash, current):
                address = request.client.host if request.client else "unknown"
                throttle.record_failure(session, self.limits, staff.email, address, now)
                audit_access(session, staff.id, "password_check_failed", now, address)
                wrong = True
            else:
                wrong = False
                try:
                    change_password(session, staff, new, now, keep=viewer.session.token)
                except StaffError as exc:
                    return self._page(viewer, 400, error=f"Not changed: {exc}.")
                audit_access(session, staff.id, "password_changed", now)
        if wrong:
            return self._page(viewer, 400, error="Your current password was not right.")
        return redirect("/console/account", "password_changed")
