"""One typed settings object, read from environment variables (and an optional `.env`).

Every part of peerline takes what it needs from a `Settings` instance handed to it by the
composition root (`peerline.app` / `peerline.cli`); nothing reads the environment itself,
so tests build their own `Settings(...)` instead of patching globals.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from records.install import MIN_TOKEN_LENGTH, install_token

REAL_TWILIO_API = "https://api.twilio.com"
SANDBOX_ACCOUNT_SID = "AC00000000000000000000000000000000"
SANDBOX_AUTH_TOKEN = "sandbox-auth-token-not-a-secret"
SANDBOX_FROM_NUMBER = "+12125550100"
DEV_SECRET_KEY = "dev-only-change-me"
# Unprompted texts that can carry more than "appointment" if a program opts in (lock screens
# are read by others: by default nothing says dosing, clinic, a drug or a diagnosis).
NAMEABLE_TEMPLATES = frozenset({"appointment_nudge"})
MIN_SECRET_KEY_LENGTH = 32
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TRACKER_STORES = ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg", "redis")
LOCK_STORES = ("redis",)
SPAN = re.compile(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d")


class Settings(BaseSettings):
    """Configuration of a peerline deployment. README.md lists every field."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # --- records ---
    database_url: str = Field("sqlite:///var/peerline.db", description="SQLAlchemy URL")

    # --- processes ---
    role: Literal["all", "web", "work"] = Field(
        "all",
        description="all: one process does everything; web: webhooks and console only; "
        "work: the work loops only (docs/deploy.md)",
    )

    # --- web ---
    host: str = Field("127.0.0.1", description="address `peerline serve` binds to")
    port: int = Field(8000, description="port `peerline serve` binds to")
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="URL Twilio uses to reach this app; signatures are checked against it",
    )

    # --- Twilio ---
    twilio_account_sid: str | None = Field(None, description="Twilio account SID (AC...)")
    twilio_auth_token: str | None = Field(None, description="Twilio auth token; signs webhooks")
    twilio_messaging_service_sid: str | None = Field(None, description="send from this (MG...)")
    twilio_from_number: str | None = Field(None, description="or send from this E.164 number")
    twilio_api_base_url: str | None = Field(
        None, description="Twilio-compatible API to talk to instead of api.twilio.com"
    )

    # --- Rasa engine (loopback only) ---
    rasa_url: str = Field("http://127.0.0.1:5005", description="the Rasa engine's HTTP API")
    rasa_urls: str = Field(
        "", description="several Rasa replicas, comma-separated; empty: RASA_URL alone"
    )
    rasa_tracker_store_url: str = Field(
        "", description="Rasa's shared tracker store (postgresql:// or redis://); empty: SQLite"
    )
    rasa_lock_store_url: str = Field(
        "", description="Rasa's shared lock store (redis://host:port/db); empty: none"
    )
    rasa_token: str = Field(
        default_factory=install_token,
        min_length=MIN_TOKEN_LENGTH,
        description="the engine's API token; default: generated once per install in var/rasa-token",
    )
    rasa_timeout_seconds: float = Field(
        10.0, gt=0, description="longest wait for one engine turn (SMS readers wait too)"
    )
    engine_nice: int = Field(
        10, ge=0, le=19, description="CPU niceness of Rasa and the action server it starts"
    )
    turn_workers: int = Field(8, ge=1, le=64, description="turns run at once, across people")
    turn_max_errors: int = Field(5, ge=1, description="failed turns before one is set aside")
    action_server_url: str = Field("http://127.0.0.1:5055/webhook", description="Rasa actions")

    # --- messaging policy ---
    max_segments: int = Field(3, ge=1, le=10, description="longest outbound text, in segments")
    max_inbound_chars: int = Field(1600, description="the engine sees at most this much of a text")
    outbox_max_attempts: int = Field(8, ge=1, description="sends tried before giving up")
    outbox_backoff_seconds: float = Field(2.0, gt=0, description="first retry delay, doubles")
    outbox_backoff_max_seconds: float = Field(300.0, gt=0, description="longest retry delay")
    outbox_lease_seconds: float = Field(
        60.0, gt=0, description="a sender's hold on a text it is sending, renewed while it works"
    )
    turn_retry_seconds: float = Field(5.0, gt=0, description="engine-down retry delay, doubles")
    worker_poll_seconds: float = Field(0.5, gt=0, description="idle poll of the work loops")
    default_region: str = Field("US", description="region for numbers typed without +country")
    default_timezone: str = Field("America/New_York", description="IANA zone for new people")

    # --- program text (kept free of drug, diagnosis and clinic names) ---
    program_name: str = Field("Peerline", description="name used in HELP and unknown replies")
    support_contact: str = Field("(212) 555-0199", description="a human to call, for HELP")
    message_frequency: str = Field("Up to 1 msg/day", description="frequency line for HELP")
    naloxone_info: str | None = Field(None, description="where to get naloxone, program text")
    test_strips_info: str | None = Field(None, description="where to get test strips")

    # --- escalation ---
    repage_emergency_minutes: float = Field(2, gt=0, description="unclaimed emergency re-page")
    repage_urgent_minutes: float = Field(10, gt=0, description="unclaimed urgent re-page")
    repage_support_minutes: float = Field(60, gt=0, description="unclaimed support re-page")
    safety_engine_budget_seconds: float = Field(
        2.0, gt=0, le=10, description="the engine's second opinion on a text: wait at most"
    )
    never_use_alone_line: str = Field(
        "800-484-3731", description="the Never Use Alone line, given to people using alone"
    )
    urgent_response_minutes: int = Field(15, gt=0, description="promised in the urgent reply")
    max_active_cases_per_peer: int = Field(2, ge=1, description="urgent+emergency cases at once")
    on_call_number: str | None = Field(None, description="paged when no peer is on shift")
    safety_texts_file: Path | None = Field(
        None, description="a reviewed copy of escalation/safety_texts.toml to use instead"
    )
    secret_key: str = Field(DEV_SECRET_KEY, description="signs console session cookies")

    # --- console accounts ---
    console_idle_minutes: float = Field(30, gt=0, description="idle this long: logged out")
    console_session_hours: float = Field(14, gt=0, description="longest session, idle or not")
    login_max_failures: int = Field(5, ge=1, description="wrong passwords per account, then lock")
    login_window_minutes: float = Field(15, gt=0, description="sliding window for the counts")
    login_max_failures_per_address: int = Field(
        30, ge=1, description="failed log-ins from one client address in the window, then pause"
    )

    # --- outreach ---
    outreach_checkin_days: str = Field("mon,thu", description="program default check-in days")
    outreach_window: str = Field("10:00-12:00", description="default local sending window")
    outreach_quiet_hours: str = Field("21:00-08:00", description="local; nothing is sent inside")
    outreach_daily_cap: int = Field(1, ge=0, description="routine texts per local day")
    outreach_weekly_cap: int = Field(3, ge=0, description="routine texts per local week")
    outreach_nudges_count: bool = Field(False, description="appointment texts count to caps")
    outreach_named_templates: str = Field(
        "",
        description="unprompted texts allowed to say what an appointment is for "
        "(`appointment_nudge`); by default they only say 'appointment'",
    )
    appointment_nudge_hours: str = Field("24,2", description="nudge this many hours before")
    missed_followup_hours: float = Field(2.0, ge=0, description="after a missed appointment")
    medication_every_days: int = Field(0, ge=0, description="default refill cadence; 0 = off")
    reengage_after_days: int = Field(7, ge=1, description="silent this long -> one gentle text")
    reengage_after_checkins: int = Field(3, ge=1, description="or this many unanswered")
    reengage_peer_after_days: float = Field(2.0, gt=0, description="still silent -> peer request")
    outreach_plan_minutes: float = Field(15.0, gt=0, description="how often outreach is planned")
    outreach_retry_seconds: float = Field(30.0, gt=0, description="engine down: retry, doubles")
    send_rate_per_second: float = Field(1.0, gt=0, description="texts per sec per sending number")

    # --- health and retention ---
    health_loop_stale_seconds: float = Field(
        120.0, gt=0, description="/healthz: a work loop silent this long counts as dead"
    )
    health_screen_backlog_seconds: float = Field(
        60.0, gt=0, description="/healthz: 503 when a text has waited unscreened this long"
    )
    health_turn_backlog_seconds: float = Field(
        300.0, gt=0, description="/healthz: 503 when a turn has waited longer than this"
    )
    health_outbox_backlog_seconds: float = Field(
        900.0, gt=0, description="/healthz: 503 when a text has waited unsent longer than this"
    )
    health_case_backlog_seconds: float = Field(
        1800.0, gt=0, description="/healthz: 503 when a case has waited unclaimed this long"
    )
    retention_days: int = Field(
        180, ge=1, description="texts and engine conversations older than this are purged"
    )

    log_level: str = Field("INFO", description="Python logging level")

    @field_validator("public_base_url", "rasa_url", "twilio_api_base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("rasa_urls")
    @classmethod
    def _url_list(cls, value: str) -> str:
        urls = [url.strip().rstrip("/") for url in value.split(",") if url.strip()]
        if any(urlsplit(url).scheme not in ("http", "https") for url in urls):
            raise ValueError("RASA_URLS: give http:// URLs, comma-separated")
        return ",".join(urls)

    @field_validator("rasa_tracker_store_url", "rasa_lock_store_url")
    @classmethod
    def _store_url(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        allowed = TRACKER_STORES if info.field_name == "rasa_tracker_store_url" else LOCK_STORES
        if value and urlsplit(value).scheme not in allowed:
            raise ValueError(f"{str(info.field_name).upper()}: use a {' or '.join(allowed)} URL")
        return value

    @field_validator("outreach_checkin_days")
    @classmethod
    def _known_days(cls, value: str) -> str:
        days = [d.strip().lower()[:3] for d in value.split(",") if d.strip()]
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}; use e.g. 'mon,thu' ('' for none)")
        return ",".join(days)

    @field_validator("outreach_named_templates")
    @classmethod
    def _known_templates(cls, value: str) -> str:
        names = {name.strip() for name in value.split(",") if name.strip()}
        unknown = names - NAMEABLE_TEMPLATES
        if unknown:
            known = sorted(NAMEABLE_TEMPLATES)
            raise ValueError(f"unknown templates {sorted(unknown)}; known: {known}")
        return ",".join(sorted(names))

    @field_validator("outreach_window", "outreach_quiet_hours")
    @classmethod
    def _time_span(cls, value: str) -> str:
        if not SPAN.fullmatch(value.strip()):
            raise ValueError(f"{value!r} is not a local time span like 21:00-08:00")
        return value.strip()

    @field_validator("outreach_window")
    @classmethod
    def _same_day(cls, value: str) -> str:
        start, end = value.split("-")
        if start >= end:
            raise ValueError("the outreach window must start and end on the same day")
        return value

    @field_validator("appointment_nudge_hours")
    @classmethod
    def _hours_list(cls, value: str) -> str:
        try:
            hours = [float(h) for h in value.split(",") if h.strip()]
        except ValueError as exc:
            raise ValueError(f"{value!r}: give hours before the start, e.g. '24,2'") from exc
        if any(h <= 0 or h > 24 * 14 for h in hours):
            raise ValueError("appointment nudge hours must be between 0 and 336")
        return ",".join(f"{h:g}" for h in hours)

    @model_validator(mode="after")
    def _real_deployments_are_safe(self) -> Settings:
        """A deployment with real Twilio credentials refuses what would fail people quietly:
        half the credentials, a guessable secret, plain http, nobody to page at night."""
        if bool(self.twilio_account_sid) != bool(self.twilio_auth_token):
            raise ValueError(
                "set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither (the sandbox)"
            )
        if self.sandbox:
            return self
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"set SECRET_KEY to at least {MIN_SECRET_KEY_LENGTH} random characters when "
                "Twilio credentials are set (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)"
            )
        if self.production and not self.public_base_url.startswith("https://"):
            raise ValueError(
                "PUBLIC_BASE_URL must be https:// with real Twilio credentials: console "
                "cookies and webhooks must not cross the network in the clear"
            )
        if self.production and not self.on_call_number:
            raise ValueError(
                "set ON_CALL_NUMBER when Twilio credentials are set: it is paged for a crisis "
                "when no peer is on shift"
            )
        return self

    @property
    def production(self) -> bool:
        """Real credentials talking to the real Twilio: real people's texts and records."""
        return not self.sandbox and self.twilio_base_url == REAL_TWILIO_API

    @property
    def action_port(self) -> int:
        return urlsplit(self.action_server_url).port or 5055

    @property
    def rasa_port(self) -> int:
        return urlsplit(self.rasa_url).port or 5005

    @property
    def rasa_replicas(self) -> list[str]:
        """The engine replicas turns are spread across (RASA_URLS, else RASA_URL)."""
        return self.rasa_urls.split(",") if self.rasa_urls else [self.rasa_url]

    @property
    def sandbox(self) -> bool:
        """No Twilio credentials: outbound goes to the embedded Twilio-compatible sandbox."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @property
    def account_sid(self) -> str:
        return self.twilio_account_sid or SANDBOX_ACCOUNT_SID

    @property
    def auth_token(self) -> str:
        return self.twilio_auth_token or SANDBOX_AUTH_TOKEN

    @property
    def sender(self) -> dict[str, str]:
        """The `from_` / `messaging_service_sid` argument for Messages.create."""
        if self.twilio_messaging_service_sid:
            return {"messaging_service_sid": self.twilio_messaging_service_sid}
        return {"from_": self.twilio_from_number or SANDBOX_FROM_NUMBER}

    @property
    def twilio_base_url(self) -> str:
        if self.twilio_api_base_url:
            return self.twilio_api_base_url
        return f"{self.public_base_url}/sandbox/twilio" if self.sandbox else REAL_TWILIO_API

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix))
        return None
