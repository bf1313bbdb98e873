"""What the console needs from the composition root, in one object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from console.sse import LiveQueue
from escalation.escalate import Policy
from records.clock import Clock
from records.db import Database
from records.settings import Settings


def _nothing() -> None:
    return None


@dataclass
class ConsoleDeps:
    """What the console needs from the composition root.

    `notify()` wakes every open console; the gateway calls it too when a case opens.
    """

    db: Database
    clock: Clock
    secret_key: str
    policy: Policy = field(default_factory=Policy)
    live: LiveQueue = field(default_factory=LiveQueue)
    wake_outbox: Callable[[], None] = _nothing
    timezone: str = "America/New_York"
    secure_cookies: bool = False

    def notify(self) -> None:
        self.live.notify()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        db: Database,
        clock: Clock,
        wake_outbox: Callable[[], None],
        policy: Policy | None = None,
    ) -> ConsoleDeps:
        """Pass the gateway's `policy`, so the claim cap is the one the pages promise."""
        return cls(
            db=db,
            clock=clock,
            secret_key=settings.secret_key,
            policy=policy or Policy(max_segments=settings.max_segments),
            wake_outbox=wake_outbox,
            timezone=settings.default_timezone,
            secure_cookies=settings.public_base_url.startswith("https://"),
        )
