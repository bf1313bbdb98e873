"""The peer console: log-in, the live queue, and case pages, for staff on a phone at 2 a.m."""

from escalation.console.access import ROUTES
from escalation.console.routes import ConsoleDeps, build_console_router
from escalation.console.sse import LiveQueue

__all__ = ["ROUTES", "ConsoleDeps", "LiveQueue", "build_console_router"]
