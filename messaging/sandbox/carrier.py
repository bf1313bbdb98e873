"""The sandbox carrier: an in-memory fake of Twilio's messaging that the real twilio client
talks to over HTTP (design principle 5). It records what was sent, walks each text through
its delivery statuses with signed callbacks, carries texts from the phone page to the
gateway as signed webhooks, and lets tests script carrier faults (`script_*`). A fake
carrier has nothing worth keeping, so its state lives in memory only."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
import secrets
import threading
import weakref
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http import HTTPStatus
from itertools import count
from typing import Any, Literal

import httpx
from twilio.request_validator import RequestValidator

from messaging import segments
from messaging.sandbox.shapes import (
    API_VERSION,
    CALLBACK_REFUSED,
    DEFAULT_ERROR_CODES,
    PhoneSendResult,
    SandboxMessage,
    TwilioError,
    e164,
    inbound_params,
    is_loopback_url,
    message_json,
    new_sid,
)
from records.phones import mask
from records.settings import SANDBOX_FROM_NUMBER, Settings

log = logging.getLogger(__name__)

DEMO_NUMBER = "+12125550101"
TWILIO_BODY_LIMIT = 1600  # characters; Twilio answers 21617 above it


@dataclass
class _Scripts:
    """Faults queued by tests; each entry is used by one create call."""

    failures: deque[TwilioError] = field(default_factory=deque)
    deliveries: deque[tuple[str, int]] = field(default_factory=deque)  # (final status, code)
    delays: deque[float] = field(default_factory=deque)


class Sandbox:
    """In-memory state of the fake carrier; safe to use from any thread."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        program_number: str,
        webhook_url: str,
        *,
        demo_number: str = DEMO_NUMBER,
        messaging_service_sid: str | None = None,
        http_timeout: float = 15.0,
        callback_delay_seconds: float = 0.25,
        max_body_chars: int | None = TWILIO_BODY_LIMIT,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.program_number = program_number
        self.webhook_url = webhook_url
        self.demo_number = demo_number
        self.messaging_service_sid = messaging_service_sid
        self.http_timeout = http_timeout  # Twilio gives webhooks 15 s
        self.callback_delay_seconds = callback_delay_seconds  # before each status step
        self.max_body_chars = max_body_chars
        self._validator = RequestValidator(auth_token)
        self._lock = threading.Lock()
        self._seq = count(1)
        self._messages: dict[str, SandboxMessage] = {}
        self._scripts = _Scripts()
        self._create_attempts = 0
        # One HTTP client per event loop that posts (a client is bound to its loop). A new
        # client per callback built a TLS context each time: ~10 ms of CPU per text.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient]
        self._clients = weakref.WeakKeyDictionary()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        demo_number: str = DEMO_NUMBER,
        webhook_path: str = "/sms/inbound",
    ) -> Sandbox:
        """The sandbox a demo deployment of these settings talks to."""
        return cls(
            settings.account_sid,
            settings.auth_token,
            settings.twilio_from_number or SANDBOX_FROM_NUMBER,
            f"{settings.public_base_url}{webhook_path}",
            demo_number=demo_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
        )

    # --- what tests read -------------------------------------------------------------------

    @property
    def messages(self) -> list[SandboxMessage]:
        """Outbound texts (Messages.create that succeeded), oldest first."""
        return [m for m in self._snapshot() if m.direction == "outbound-api"]

    @property
    def inbound(self) -> list[SandboxMessage]:
        """Texts sent from the phone page, oldest first."""
        return [m for m in self._snapshot() if m.direction == "inbound"]

    @property
    def create_attempts(self) -> int:
        """Every Messages.create call, including refused and failed ones."""
        with self._lock:
            return self._create_attempts

    def messages_to(self, phone: str) -> list[SandboxMessage]:
        """Outbound texts to `phone`, oldest first."""
        return [m for m in self.messages if m.to == phone]

    def thread(self, phone: str) -> list[SandboxMessage]:
        """Both directions of one person's conversation, oldest first."""
        return [
            m
            for m in self._snapshot()
            if (m.direction == "inbound" and m.from_ == phone)
            or (m.direction == "outbound-api" and m.to == phone)
        ]

    def clear(self) -> None:
        """Forget every message, counter and scripted fault."""
        with self._lock:
            self._messages.clear()
            self._scripts = _Scripts()
            self._create_attempts = 0

    def _snapshot(self) -> list[SandboxMessage]:
        with self._lock:
            return sorted(self._messages.values(), key=lambda m: m.seq)

    # --- fault injection -------------------------------------------------------------------

    def script_failure(
        self, http_status: int, code: int | None = None, message: str = "", count: int = 1
    ) -> None:
        """Make the next `count` creates fail with this HTTP status and Twilio error code."""
        error = TwilioError(
            http_status,
            code if code is not None else DEFAULT_ERROR_CODES.get(http_status, http_status),
            message or HTTPStatus(http_status).phrase,
        )
        with self._lock:
            self._scripts.failures.extend([error] * count)

    def script_delivery_failure(
        self,
        error_code: int = 30003,
        count: int = 1,
        status: Literal["undelivered", "failed"] = "undelivered",
    ) -> None:
        """Accept the next `count` creates, then report them `undelivered` (or `failed`)."""
        with self._lock:
            self._scripts.deliveries.extend([(status, error_code)] * count)

    def script_delay(self, seconds: float, count: int = 1) -> None:
        """Answer the next `count` creates only after `seconds` (to provoke client timeouts).

        The message is still accepted, as Twilio would after a slow response.
        """
        with self._lock:
            self._scripts.delays.extend([seconds] * count)

    # --- Messages.create -------------------------------------------------------------------

    async def create(
        self, account_sid: str, authorization: str | None, form: Mapping[str, list[str]]
    ) -> TwilioError | SandboxMessage:
        """Twilio's Messages.create: validate, apply scripts, record; never raises."""
        delay = self._begin_attempt()
        if delay:
            await asyncio.sleep(delay)
        if not self._authenticated(authorization):
            return TwilioError(401, 20003, "Authenticate")
        if account_sid != self.account_sid:
            return TwilioError(404, 20404, f"The requested resource {account_sid} was not found")
        scripted = self._pop_failure()
        if scripted:
            log.info("sandbox: scripted failure %s/%s", scripted.status, scripted.code)
            return scripted
        return self._validate_and_record(form)

    def _begin_attempt(self) -> float:
        with self._lock:
            self._create_attempts += 1
            return self._scripts.delays.popleft() if self._scripts.delays else 0.0

    def _pop_failure(self) -> TwilioError | None:
        with self._lock:
            return self._scripts.failures.popleft() if self._scripts.failures else None

    def _authenticated(self, authorization: str | None) -> bool:
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(user.encode(), self.account_sid.encode()) & hmac.compare_digest(
            password.encode(), self.auth_token.encode()
        )

    def _validate_and_record(self, form: Mapping[str, list[str]]) -> TwilioError | SandboxMessage:
        def first(name: str) -> str | None:
            values = form.get(name)
            return values[0] if values else None

        to, body, media = first("To"), first("Body"), form.get("MediaUrl", [])
        sender = self._sender(first("From"), first("MessagingServiceSid"))
        if isinstance(sender, TwilioError):
            return sender
        if not to:
            return TwilioError(400, 21604, "A 'To' phone number is required.")
        if not body and not media:
            return TwilioError(400, 21602, "Message body is required.")
        if self.max_body_chars is not None and len(body or "") > self.max_body_chars:
            msg = (
                f"The concatenated message body exceeds the {self.max_body_chars} character limit."
            )
            return TwilioError(400, 21617, msg)
        to_number, callback = e164(to), first("StatusCallback")
        if to_number is None:
            return TwilioError(400, 21211, "Invalid 'To' Phone Number")
        if callback and not is_loopback_url(callback):
            return TwilioError(400, 21609, CALLBACK_REFUSED)
        return self._record_outbound(to_number, sender, body or "", len(media), callback)

    def _sender(
        self, from_: str | None, service: str | None
    ) -> TwilioError | tuple[str, str | None, str]:
        """(from, messaging service, first status) of a create, or Twilio's error.

        With only a Messaging Service Twilio picks the sender later, so the message
        starts `accepted` rather than `queued`.
        """
        if service and service != self.messaging_service_sid:
            return TwilioError(400, 21703, "The Messaging Service Sid is invalid.")
        if from_ and from_ != self.program_number:
            return TwilioError(
                400,
                21606,
                "The 'From' phone number provided is not a valid message-capable Twilio "
                "phone number for this destination/account.",
            )
        if not from_ and not service:
            return TwilioError(400, 21603, "A 'From' or 'MessagingServiceSid' is required.")
        return self.program_number, service, "queued" if from_ else "accepted"

    def _record_outbound(
        self,
        to: str,
        sender: tuple[str, str | None, str],
        body: str,
        num_media: int,
        status_callback: str | None,
    ) -> SandboxMessage:
        from_, service, status = sender
        with self._lock:
            message = SandboxMessage(
                sid=new_sid("MM" if num_media else "SM"),
                direction="outbound-api",
                to=to,
                from_=from_,
                body=body,
                status=status,
                created_at=datetime.now(UTC),
                seq=next(self._seq),
                num_segments=segments.count(body).segments,
                num_media=num_media,
                messaging_service_sid=service,
                status_callback=status_callback,
            )
            self._messages[message.sid] = message
        log.info("sandbox: accepted %s to %s", message.sid, mask(to))
        return message

    def message_json(self, message: SandboxMessage) -> dict[str, Any]:
        """Twilio's Message resource JSON, as Messages.create returns it (status unchanged)."""
        return message_json(self.account_sid, message)

    # --- delivery and status callbacks -----------------------------------------------------

    def delivery_plan(self) -> list[tuple[str, int | None]]:
        """The statuses the next accepted message goes through, after `queued`."""
        with self._lock:
            scripted = self._scripts.deliveries.popleft() if self._scripts.deliveries else None
        if scripted is None:
            return [("sent", None), ("delivered", None)]
        status, code = scripted
        return [(status, code)] if status == "failed" else [("sent", None), (status, code)]

    async def deliver(self, sid: str, plan: list[tuple[str, int | None]]) -> None:
        """Walk a message through `plan`, posting a signed callback per step if one was asked."""
        for status, error_code in plan:
            await asyncio.sleep(self.callback_delay_seconds)
            message = self._set_status(sid, status, error_code)
            if message is None:  # cleared meanwhile
                return
            if message.status_callback:
                await self._post_status_callback(message, message.status_callback)

    def _set_status(self, sid: str, status: str, error_code: int | None) -> SandboxMessage | None:
        with self._lock:
            message = self._messages.get(sid)
            if message is None:
                return None
            message = replace(message, status=status, error_code=error_code)
            self._messages[sid] = message
            return message

    async def _post_status_callback(self, message: SandboxMessage, url: str) -> None:
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "From": message.from_,
            "MessageSid": message.sid,
            "MessageStatus": message.status,
            "SmsSid": message.sid,
            "SmsStatus": message.status,
            "To": message.to,
        }
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if message.error_code is not None:
            params["ErrorCode"] = str(message.error_code)
        status = await self.post_signed(url, params)
        if status is None or status >= 400:
            log.warning(
                "sandbox: status callback %s for %s got %s", message.status, message.sid, status
            )

    async def post_signed(self, url: str, params: dict[str, str]) -> int | None:
        """POST form params signed like Twilio; the HTTP status, or None if unreachable."""
        headers = {
            "X-Twilio-Signature": str(self._validator.compute_signature(url, params)),
            "I-Twilio-Idempotency-Token": secrets.token_hex(16),
            "User-Agent": "TwilioProxy/1.1",
        }
        try:
            response = await self._client().post(url, data=params, headers=headers)
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            log.warning("sandbox: POST to the app failed: %s", type(exc).__name__)
            return None
        return response.status_code

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = httpx.AsyncClient(timeout=self.http_timeout)
        return client

    # --- the phone page --------------------------------------------------------------------

    async def send_from_phone(self, number: str, body: str, media: bool = False) -> PhoneSendResult:
        """Text the program from `number`: a signed inbound webhook to the gateway."""
        message = self._record_inbound(number, body, media)
        status = await self.post_signed(self.webhook_url, self.inbound_params(message))
        with self._lock:
            if message.sid in self._messages:
                self._messages[message.sid] = replace(message, gateway_status=status)
        log.info(
            "sandbox: inbound %s from %s, gateway answered %s", message.sid, mask(number), status
        )
        error = None if status is not None else "the program's webhook could not be reached"
        return PhoneSendResult(message.sid, status, error)

    def _record_inbound(self, number: str, body: str, media: bool) -> SandboxMessage:
        with self._lock:
            message = SandboxMessage(
                sid=new_sid("MM" if media else "SM"),
                direction="inbound",
                to=self.program_number,
                from_=number,
                body=body,
                status="received",
                created_at=datetime.now(UTC),
                seq=next(self._seq),
                num_segments=segments.count(body).segments,
                num_media=1 if media else 0,
                messaging_service_sid=self.messaging_service_sid,
            )
            self._messages[message.sid] = message
        return message

    def inbound_params(self, message: SandboxMessage) -> dict[str, str]:
        """The form fields of Twilio's incoming-message webhook for `message`."""
        return inbound_params(self.account_sid, message)
