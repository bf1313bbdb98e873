"""What the console needs from the composition root, in one object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from console.pages import Duty
from console.sse import LiveQueue
from escalation import escalate
from escalation.escalate import Policy
from records import rota
from records.clock import Clock
from records.db import Database
from records.models import RotaKind
from records.settings import Settings


def _nothing() -> None:
    return None


@dataclass
class ConsoleDeps:
    """What the console needs from the composition root.

    `notify()` wakes every open console; the gateway calls it too when a case opens.
    """

    settings: Settings
    db: Database
    clock: Clock
    policy: Policy = field(default_factory=Policy)
    live: LiveQueue = field(default_factory=LiveQueue)
    wake_outbox: Callable[[], None] = _nothing

    def notify(self) -> None:
        self.live.notify()

    def duty(self) -> Duty:
        """Who is on shift and on call now, by the rota (names only)."""
        now = self.clock.now()
        with self.db.session() as session:
            shift = escalate.on_shift_peers(session, self.policy, now)
            on_call = rota.on_duty(session, now, self.policy.zone, RotaKind.ON_CALL)
            return Duty([p.display_name for p in shift], [p.display_name for p in on_call])

    @property
    def secret_key(self) -> str:
        return self.settings.secret_key

    @property
    def secure_cookies(self) -> bool:
        """Session cookies are `Secure` wherever the console is reached over https."""
        return self.settings.public_base_url.startswith("https://")

    @property
    def zone(self) -> ZoneInfo:
        """The program's zone: the console shows times in it."""
        return ZoneInfo(self.settings.default_timezone)

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
            settings=settings,
            db=db,
            clock=clock,
            policy=policy or Policy(max_segments=settings.max_segments),
            wake_outbox=wake_outbox,
        )
