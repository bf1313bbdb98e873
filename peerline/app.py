"""The app factory: one `Settings` in, the whole web app (and its work loops) out."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI

from bot.engine import RasaEngine, nlu_within
from bot.turn_pool import TurnPool
from bot.turns import TurnProcessor
from console import ConsoleDeps, LiveQueue, build_console_router
from console.fanout import PostgresFanout
from console.routes import body_limits as console_body_limits
from escalation.escalate import Escalator, policy_from
from escalation.lane import SafetyLane
from messaging.body_limit import BodyLimit, LimitBodies
from messaging.gateway import GatewayDeps, TwilioWebhooks
from messaging.inbox import Inbox
from messaging.outbox import OutboxSender
from messaging.sandbox import Sandbox, build_sandbox_router
from messaging.sandbox.phone import MAX_SANDBOX_BYTES
from messaging.statuses import StatusBook
from messaging.twilio_client import build_twilio_client
from messaging.webhooks import MAX_WEBHOOK_BYTES
from outreach.scheduler import Scheduler
from peerline.engine_process import tracker_store_url
from peerline.health import Watched, build_health_router
from peerline.loops import Loop
from records.clock import Clock, SystemClock
from records.db import Database
from records.retention import Retention
from records.settings import Settings
from records.timings import Timings

log = logging.getLogger(__name__)
WORK_CHANNEL = "peerline_work"  # web processes wake work processes (split roles)
STORED = "stored"  # its topic for a stored text: the safety lane screens it, nothing else yet
OUTBOX = "outbox"  # its topic for a queued text: every loop looks
RETENTION_POLL = 60.0  # the purge itself runs at most hourly, under a lease


@dataclass
class Peerline:
    """Everything one running peerline holds; built once, shared by routes and loops.

    Work loops, each a thread: `safety` screens every arriving text and escalates (never
    waits for the engine); `turns` hands due turns to a pool of workers (the conversation);
    `outbox-safety` sends safety replies and pages at once; `outbox` sends the rest, paced;
    `timers` re-pages unclaimed cases; `outreach` plans and sends check-ins and nudges;
    `retention` purges texts and engine conversations past `RETENTION_DAYS`.
    """

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        settings, poll = self.settings, self.settings.worker_poll_seconds
        # A connection for each turn worker, and ten for the other loops and the web routes.
        self.db = Database(settings.database_url, pool_size=settings.turn_workers + 10)
        self.engine = RasaEngine(
            settings.rasa_replicas, settings.rasa_token, settings.rasa_timeout_seconds
        )
        # Called with a case id after any case changes (the console's live queue listens).
        self.case_listeners: list[Callable[[int], None]] = []
        self.escalator = Escalator(policy_from(settings), self.case_changed, self.wake_outbox)
        self.lane = SafetyLane(
            self.db,
            self.escalator,
            self.clock,
            engine_nlu=nlu_within(self.engine, settings.safety_engine_budget_seconds),
            max_chars=settings.max_inbound_chars,
            engine_budget=settings.safety_engine_budget_seconds,
        )
        self.turns = TurnProcessor(self.db, self.engine, settings, self.clock, self.escalator)
        self.outbox = OutboxSender(self.db, build_twilio_client(settings), settings, self.clock)
        self.scheduler = Scheduler(self.db, self.engine, settings, self.clock, self.escalator)
        self.safety_loop = Loop("safety", self.lane.step, poll)
        self.turn_loop = Loop("turns", self._turn_step, poll)
        self.turn_pool = TurnPool(self.turns, settings.turn_workers, on_done=self._turn_done)
        self.outbox_safety_loop = Loop("outbox-safety", self.outbox.send_safety, poll)
        self.outbox_loop = Loop("outbox", self.outbox.send_routine, poll)
        self.timer_loop = Loop("timers", self._timer_step, max(poll, 1.0))
        self.outreach_loop = Loop("outreach", self._outreach_step, max(poll, 1.0))
        self.retention = Retention(
            self.db,
            self.clock,
            settings.retention_days,
            tracker_url=tracker_store_url(settings.rasa_tracker_store_url),
        )
        self.retention_loop = Loop("retention", self.retention.step, max(poll, RETENTION_POLL))
        self.lane.on_screened = self.turn_loop.wake
        self.timings = Timings()  # what /metrics exposes
        self.turns.timings = self.outbox.timings = self.timings
        self.engine.parses.counts = self.timings.readings
        self.started = False
        # Wakes the work loops of other processes (role `web`: the `work` processes' loops).
        self.wake_elsewhere: Callable[[str], None] = lambda _topic: None
        self.inbox = Inbox(self.db, self.clock, on_stored=self._stored)
        self.statuses = StatusBook(self.db)

    def _stored(self) -> None:
        self.safety_loop.wake()
        self.wake_elsewhere(STORED)

    def wake_work(self, topic: str = "") -> None:
        """Another process stored a text (only the safety lane has work: it wakes the turns
        once it has screened it) or queued a reply: look now, not at the next poll. Waking
        every loop for every stored text cost the work process an empty claim a lane each."""
        self.safety_loop.wake()
        if topic != STORED:
            self.turn_loop.wake()
            self.wake_outbox()

    def case_changed(self, case_id: int) -> None:
        for listener in self.case_listeners:
            listener(case_id)

    def wake_outbox(self) -> None:
        self.outbox_safety_loop.wake()
        self.outbox_loop.wake()
        self.wake_elsewhere(OUTBOX)

    def _turn_step(self) -> int:
        return self.turn_pool.step()

    def _turn_done(self) -> None:
        self.turn_loop.wake()
        self.outbox_loop.wake()

    def _timer_step(self) -> int:
        """Re-page peers for cases nobody has claimed in time."""
        with self.db.session() as session:
            self.escalator.repage_overdue(session, self.clock.now())
        return 0  # always wait a poll interval: timers are about time passing

    def _outreach_step(self) -> int:
        sent = self.scheduler.step()
        if sent:
            self.outbox_loop.wake()
        return 0  # outreach is about time passing: always wait a poll interval

    @property
    def loops(self) -> list[Loop]:
        return [
            self.safety_loop,
            self.outbox_safety_loop,
            self.turn_loop,
            self.outbox_loop,
            self.timer_loop,
            self.outreach_loop,
            self.retention_loop,
        ]

    def start(self) -> None:
        self.lane.warm()
        for loop in self.loops:
            loop.start()
        self.started = True

    def stop(self) -> None:
        self.outreach_loop.stop()
        if not self.outreach_loop.running:  # mid-send: let the lease lapse on its own
            self.scheduler.release()
        for loop in self.loops:
            if loop is not self.outreach_loop:
                loop.stop()
        self.inbox.close()
        self.statuses.close()
        self.turn_pool.close()
        self.lane.close()
        self.engine.close()
        self.db.dispose()


# Every body is counted as it streams in and refused past its limit (messaging/body_limit.py).
BODY_LIMITS = [
    BodyLimit("/sms/", MAX_WEBHOOK_BYTES),
    BodyLimit("/sandbox/", MAX_SANDBOX_BYTES),
    *console_body_limits(),
]


def create_app(settings: Settings, clock: Clock | None = None, run_loops: bool = True) -> FastAPI:
    """The app for `settings.role`: `all` serves and works, `web` only serves (webhooks,
    console, sandbox, health) and `work` only works (the loops, with health and metrics)."""
    peerline = Peerline(settings, clock or SystemClock())
    works = run_loops and settings.role != "web"

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if works:
            peerline.start()
        for relay in relays:
            relay.start()
        log.info("peerline up (role=%s, sandbox=%s)", settings.role, settings.sandbox)
        yield
        for relay in relays:
            relay.stop()
        peerline.stop()

    # No schema or docs pages: they would map every route for anyone who asks. No
    # OpenTelemetry: /metrics is Prometheus, and the check cost every webhook CPU.
    app = FastAPI(
        title="peerline",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.add_middleware(LimitBodies, limits=BODY_LIMITS)
    app.state.peerline = peerline
    console = ConsoleDeps.from_settings(
        settings, peerline.db, peerline.clock, peerline.wake_outbox, peerline.escalator.policy
    )
    peerline.case_listeners.append(lambda _case_id: console.notify())  # live queues
    fanout = live_fanout(peerline.db, console.live)
    relays = [relay for relay in (work_wakeups(peerline), fanout) if relay is not None]
    app.state.fanout = fanout
    app.state.console = console
    if settings.role != "work":
        _serve(app, peerline, console)
    watched = Watched(
        settings,
        peerline.db,
        peerline.clock,
        lambda: peerline.loops,
        lambda: peerline.started,
        peerline.engine.readiness,
    )
    app.include_router(build_health_router(watched, peerline.timings))
    return app


def _serve(app: FastAPI, peerline: Peerline, console: ConsoleDeps) -> None:
    """The routes people and Twilio use: webhooks, the console, the sandbox carrier."""
    settings = peerline.settings
    deps = GatewayDeps(
        settings,
        peerline.db,
        peerline.clock,
        peerline.inbox,
        peerline.statuses,
        peerline.wake_outbox,
        peerline.timings,
    )
    app.add_middleware(TwilioWebhooks, deps=deps)  # in front: see messaging/gateway.py
    app.include_router(build_console_router(console))
    if settings.sandbox:
        sandbox = Sandbox.from_settings(settings)
        app.state.sandbox = sandbox
        app.include_router(build_sandbox_router(sandbox), prefix="/sandbox")


def work_wakeups(peerline: Peerline) -> PostgresFanout | None:
    """With split roles on PostgreSQL, a `web` process's stored text or queued reply wakes
    the `work` processes' loops at once (LISTEN/NOTIFY); otherwise they find it at their
    next poll (`WORKER_POLL_SECONDS`)."""
    role, db = peerline.settings.role, peerline.db
    if role == "all" or not db.is_postgres:
        return None
    wake_here = peerline.wake_work if role == "work" else (lambda _topic: None)
    relay = PostgresFanout(_conninfo(db), wake_here, channel=WORK_CHANNEL)
    if role == "web":
        peerline.wake_elsewhere = relay.publish
    return relay


def live_fanout(db: Database, live: LiveQueue) -> PostgresFanout | None:
    """On PostgreSQL, every process's consoles hear of every change (console/fanout.py)."""
    if not db.is_postgres:
        return None
    fanout = PostgresFanout(_conninfo(db), lambda _topic: live.wake())
    live.relay = fanout.publish
    return fanout


def _conninfo(db: Database) -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
