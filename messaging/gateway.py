"""Twilio's webhooks: store and acknowledge at once; the turn runs afterwards.

`POST /sms/inbound` never runs NLU, actions or sends inside Twilio's 15-second window: it
checks the signature, de-duplicates on MessageSid, stores the text with its turn pending
(messaging/inbox.py: one transaction for every text arriving together), answers with empty
TwiML and wakes the safety lane (escalation/lane.py), which screens the text before the
conversation lane (bot/turns.py) may answer it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from messaging.body_limit import read_within, refuse
from messaging.inbox import Arrival, Inbox
from messaging.statuses import StatusBook, StatusReport
from messaging.webhooks import (
    EMPTY_TWIML,
    MAX_WEBHOOK_BYTES,
    is_signed_by_twilio,
    parse_form,
    signed_url,
    storable,
)
from records.clock import Clock
from records.db import Database
from records.phones import InvalidPhoneNumber, to_e164
from records.settings import Settings
from records.timings import Timings

log = logging.getLogger(__name__)
security_log = logging.getLogger("peerline.security")
EMPTY_TWIML_BYTES = EMPTY_TWIML.encode()
Params = dict[str, str]


@dataclass(frozen=True)
class GatewayDeps:
    settings: Settings
    db: Database
    clock: Clock
    inbox: Inbox  # stores arriving texts, then wakes the safety lane
    statuses: StatusBook  # stores the carrier's delivery statuses
    wake_outbox: Callable[[], None]
    timings: Timings


class TwilioWebhooks:
    """Pure ASGI, in front of the app: Twilio's two webhooks skip the framework's routing,
    dependency solving and request objects, which were a third of each acknowledgement's
    CPU in a burst (docs/deploy.md). Everything else goes on to the app."""

    def __init__(self, app: ASGIApp, deps: GatewayDeps) -> None:
        self.app = app
        self.deps = deps
        self.handlers = {"/sms/inbound": self.inbound, "/sms/status": self.status}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self.handlers.get(scope["path"]) if scope["type"] == "http" else None
        if handler is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            await answer(send, 405, b"Method Not Allowed", (b"allow", b"POST"))
            return
        started = time.perf_counter()  # Twilio's wait: the body and the signature count
        try:
            params = await self.signed_params(scope, receive, send)
        except ClientDisconnect:
            return
        if params is not None:
            await handler(params, send, started)

    async def signed_params(self, scope: Scope, receive: Receive, send: Send) -> Params | None:
        """The form Twilio signed, or None once a refusal has been sent."""
        path = scope["path"]
        raw = await read_within(scope, receive, MAX_WEBHOOK_BYTES)
        if raw is None:
            await refuse(scope, send, f"over {MAX_WEBHOOK_BYTES} bytes")
            return None
        params = parse_form(raw)
        query = scope.get("query_string", b"").decode("latin-1")
        url = signed_url(self.deps.settings.public_base_url, path, query)
        signature = header(scope, b"x-twilio-signature")
        if not is_signed_by_twilio(self.deps.settings.auth_token, url, params, signature):
            client = scope.get("client") or ("?",)
            why = "bad" if signature else "missing"
            security_log.warning("webhook %s rejected: %s signature from %s", path, why, client[0])
            await answer(send, 403, b"Invalid Twilio signature")
            return None
        return params

    async def inbound(self, params: Params, send: Send, started: float) -> None:
        sid = storable(params.get("MessageSid") or params.get("SmsSid") or "")[:64]
        sender = storable(params.get("From", "")).strip()
        if not sid or not sender:
            log.warning("inbound webhook without MessageSid or From: 400")
            await answer(send, 400, b"MessageSid and From are required")
            return
        arrival = Arrival(
            sid,
            _phone(sender, self.deps),
            storable(params.get("Body", "")),
            _int(params.get("NumMedia")),
        )
        try:  # committed before the 200
            await asyncio.wrap_future(self.deps.inbox.submit(arrival))
        except Exception as exc:  # a database error, as the writer met it
            await not_stored(send, "inbound", sid, exc)
            return
        self.deps.timings.ack.observe(time.perf_counter() - started)
        await answer(send, 200, EMPTY_TWIML_BYTES, (b"content-type", b"application/xml"))

    async def status(self, params: Params, send: Send, _started: float) -> None:
        sid, state = storable(params.get("MessageSid", ""))[:64], params.get("MessageStatus")
        if not sid or not state:
            await answer(send, 400, b"MessageSid and MessageStatus are required")
            return
        report = StatusReport(sid, state, params.get("ErrorCode"))
        try:
            await asyncio.wrap_future(self.deps.statuses.submit(report))
        except Exception as exc:  # a database error, as the writer met it
            await not_stored(send, "status", sid, exc)
            return
        await answer(send, 204, b"")


async def answer(send: Send, status: int, body: bytes, *headers: tuple[bytes, bytes]) -> None:
    """A complete response; plain text unless a header says otherwise."""
    fields = dict(headers)
    if body:
        fields.setdefault(b"content-type", b"text/plain; charset=utf-8")
        fields[b"content-length"] = str(len(body)).encode()
    await send({"type": "http.response.start", "status": status, "headers": list(fields.items())})
    await send({"type": "http.response.body", "body": body})


def header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


async def not_stored(send: Send, what: str, sid: str, exc: Exception) -> None:
    """The database failed: Twilio gets a 503 (and retries or alerts), the log gets the sid
    and the error's class only. No traceback: a database error quotes what it was storing,
    and that is a phone number and a text."""
    log.error("%s %s not stored: database error %s", what, sid[:64], type(exc).__name__)
    await answer(send, 503, b"Not stored, try again")


def _phone(sender: str, deps: GatewayDeps) -> str:
    try:
        return to_e164(sender, deps.settings.default_region)
    except InvalidPhoneNumber:
        return sender[:32]  # short codes and alphanumeric senders are kept as they came


def _int(value: str | None, most: int = 100) -> int:
    """A count from a webhook field: odd or out-of-range values never reach the database."""
    try:
        return min(max(int(value or 0), 0), most)
    except ValueError:
        return 0
