"""The app factory: one `Settings` in, the whole web app (and its work loops) out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from bot.engine import RasaEngine
from bot.gateway import GatewayDeps, build_gateway_router
from bot.scheduler import Scheduler
from bot.turns import TurnProcessor
from bot.worker import Loop
from escalation import cases
from escalation.console import ConsoleDeps, build_console_router
from messaging.outbox import OutboxSender
from messaging.sandbox import Sandbox, build_sandbox_router
from messaging.twilio_client import build_twilio_client
from records.clock import Clock, SystemClock
from records.db import Database
from records.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Peerline:
    """Everything one running peerline holds; built once, shared by routes and loops."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        self.db = Database(self.settings.database_url)
        self.engine = RasaEngine(
            self.settings.rasa_url, self.settings.rasa_token, self.settings.rasa_timeout_seconds
        )
        # Called with a case id after any case changes (the console's live queue listens).
        self.case_listeners: list[Callable[[int], None]] = []
        self.turns = TurnProcessor(
            self.db, self.engine, self.settings, self.clock, on_case_change=self.case_changed
        )
        self.outbox = OutboxSender(
            self.db, build_twilio_client(self.settings), self.settings, self.clock
        )
        self.scheduler = Scheduler(
            self.db, self.engine, self.settings, self.clock, on_case_change=self.case_changed
        )
        poll = self.settings.worker_poll_seconds
        self.outbox_loop = Loop("outbox", self.outbox.send_due, poll)
        self.turn_loop = Loop("turns", self._turn_step, poll)
        self.timer_loop = Loop("timers", self._timer_step, max(poll, 1.0))
        self.outreach_loop = Loop("outreach", self._outreach_step, max(poll, 1.0))

    def case_changed(self, case_id: int) -> None:
        for listener in self.case_listeners:
            listener(case_id)

    def _turn_step(self) -> int:
        done = self.turns.process_due()
        if done:
            self.outbox_loop.wake()
        return done

    def _timer_step(self) -> int:
        """Re-page peers for cases nobody has claimed in time."""
        with self.db.session() as session:
            repaged = cases.repage_overdue(session, self.turns.policy, self.clock.now())
        if repaged:
            self.outbox_loop.wake()
        for case_id in repaged:
            self.case_changed(case_id)
        return 0  # always wait a poll interval: timers are about time passing

    def _outreach_step(self) -> int:
        sent = self.scheduler.step()
        if sent:
            self.outbox_loop.wake()
        return 0  # outreach is about time passing: always wait a poll interval

    def start(self) -> None:
        self.turn_loop.start()
        self.outbox_loop.start()
        self.timer_loop.start()
        self.outreach_loop.start()

    def stop(self) -> None:
        self.outreach_loop.stop()
        if not self.outreach_loop.running:  # mid-send: let the lease lapse on its own
            self.scheduler.release()
        self.timer_loop.stop()
        self.turn_loop.stop()
        self.outbox_loop.stop()
        self.engine.close()
        self.db.dispose()


def create_app(settings: Settings, clock: Clock | None = None, run_loops: bool = True) -> FastAPI:
    peerline = Peerline(settings, clock or SystemClock())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if run_loops:
            peerline.start()
        log.info("peerline up (sandbox=%s)", settings.sandbox)
        yield
        peerline.stop()

    app = FastAPI(title="peerline", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.peerline = peerline
    deps = GatewayDeps(
        settings, peerline.db, peerline.clock, peerline.turn_loop.wake, peerline.outbox_loop.wake
    )
    app.include_router(build_gateway_router(deps))
    wake, policy = peerline.outbox_loop.wake, peerline.turns.policy
    console = ConsoleDeps.from_settings(settings, peerline.db, peerline.clock, wake, policy)
    peerline.case_listeners.append(lambda _case_id: console.notify())  # live queues
    app.state.console = console
    app.include_router(build_console_router(console))
    if settings.sandbox:
        sandbox = Sandbox.from_settings(settings)
        app.state.sandbox = sandbox
        app.include_router(build_sandbox_router(sandbox), prefix="/sandbox")

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"ok": True, "engine": peerline.engine.is_ready()})

    return app
