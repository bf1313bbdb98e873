"""The staff web application: log-in, roles, CSRF, live updates, the peers' queue and cases.

Server-rendered and phone-first (a peer at 2 a.m. is on a phone browser), with every asset
served locally. Every route is in `access.ROUTES` with the roles that may use it.
"""

from console.access import ROUTES
from console.deps import ConsoleDeps
from console.routes import build_console_router
from console.sse import LiveQueue

__all__ = ["ROUTES", "ConsoleDeps", "LiveQueue", "build_console_router"]
