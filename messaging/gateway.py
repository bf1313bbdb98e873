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

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import SQLAlchemyError

from messaging.inbox import Arrival, Inbox
from messaging.outbox import apply_status_callback
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


@dataclass(frozen=True)
class GatewayDeps:
    settings: Settings
    db: Database
    clock: Clock
    inbox: Inbox  # stores arriving texts, then wakes the safety lane
    wake_outbox: Callable[[], None]
    timings: Timings


def twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="application/xml")


def build_gateway_router(deps: GatewayDeps) -> APIRouter:
    router = APIRouter(prefix="/sms", tags=["twilio webhooks"])

    async def signed_params(request: Request) -> dict[str, str] | Response:
        raw = await request.body()
        if len(raw) > MAX_WEBHOOK_BYTES:
            security_log.warning("webhook %s rejected: %d bytes", request.url.path, len(raw))
            return Response("Request body too large", status_code=413)
        params = parse_form(raw)
        url = signed_url(deps.settings.public_base_url, request.url.path, request.url.query)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not is_signed_by_twilio(deps.settings.auth_token, url, params, signature):
            client = request.client.host if request.client else "?"
            security_log.warning(
                "webhook %s rejected: %s signature from %s",
                request.url.path,
                "bad" if signature else "missing",
                client,
            )
            return Response("Invalid Twilio signature", status_code=403)
        return params

    @router.post("/inbound")
    async def inbound(request: Request) -> Response:
        started = time.perf_counter()
        params = await signed_params(request)
        if isinstance(params, Response):
            return params
        sid = storable(params.get("MessageSid") or params.get("SmsSid") or "")[:64]
        sender = storable(params.get("From", "")).strip()
        if not sid or not sender:
            log.warning("inbound webhook without MessageSid or From: 400")
            return Response("MessageSid and From are required", status_code=400)
        arrival = Arrival(
            sid,
            _phone(sender, deps),
            storable(params.get("Body", "")),
            _int(params.get("NumMedia")),
        )
        try:  # committed before the 200
            await asyncio.wrap_future(deps.inbox.submit(arrival))
        except SQLAlchemyError as exc:
            return not_stored("inbound", sid, exc)
        deps.timings.ack.observe(time.perf_counter() - started)
        return twiml()

    @router.post("/status")
    async def status(request: Request) -> Response:
        params = await signed_params(request)
        if isinstance(params, Response):
            return params
        sid, state = storable(params.get("MessageSid", ""))[:64], params.get("MessageStatus")
        if not sid or not state:
            return Response("MessageSid and MessageStatus are required", status_code=400)
        try:
            await run_in_threadpool(store_status, deps, sid, state, params.get("ErrorCode"))
        except SQLAlchemyError as exc:
            return not_stored("status", sid, exc)
        return Response(status_code=204)

    return router


def not_stored(what: str, sid: str, exc: SQLAlchemyError) -> Response:
    """The database failed: Twilio gets a 503 (and retries or alerts), the log gets the sid
    and the error's class only. No traceback: a database error quotes what it was storing,
    and that is a phone number and a text."""
    log.error("%s %s not stored: database error %s", what, sid[:64], type(exc).__name__)
    return Response("Not stored, try again", status_code=503)


def store_status(deps: GatewayDeps, sid: str, state: str, error_code: str | None) -> None:
    with deps.db.session() as session:
        message = apply_status_callback(session, sid, state.lower(), error_code)
    if message is None:
        log.info("status %s for unknown message %s ignored", state, sid)
    elif error_code:
        log.warning("message %d %s with error %s", message.id, state, error_code)


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
