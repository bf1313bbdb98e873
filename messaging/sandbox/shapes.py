"""Twilio's shapes, as the sandbox carrier speaks them: the Message resource JSON, the
incoming-message webhook's fields, error bodies, SIDs and timestamps. Kept apart from the
carrier's behaviour so each can be read against Twilio's documentation on its own."""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from fastapi.responses import JSONResponse

from records.phones import InvalidPhoneNumber, to_e164

API_VERSION = "2010-04-01"
DEFAULT_ERROR_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}

Direction = Literal["inbound", "outbound-api"]
CALLBACK_REFUSED = (
    "The sandbox calls back loopback addresses only (127.0.0.0/8, ::1, localhost): "
    "a fake carrier must not be made to post to other hosts."
)


def is_loopback_url(url: str) -> bool:
    """An http(s) URL whose host is this machine, so a callback cannot reach anywhere else."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return False
    if parts.scheme not in ("http", "https"):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SandboxMessage:
    """One text the fake carrier carried, in either direction."""

    sid: str
    direction: Direction
    to: str
    from_: str
    body: str
    status: str
    created_at: datetime
    seq: int
    num_segments: int = 1
    num_media: int = 0
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    error_code: int | None = None
    gateway_status: int | None = None  # inbound only: the gateway's HTTP answer (None: no answer)


@dataclass(frozen=True)
class TwilioError:
    """A Twilio-style API error: `{"code", "message", "more_info", "status"}`."""

    status: int
    code: int
    message: str

    def response(self) -> JSONResponse:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        return JSONResponse(body, status_code=self.status)


@dataclass(frozen=True)
class PhoneSendResult:
    """What the phone page hears back after texting the program."""

    sid: str
    gateway_status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.gateway_status is not None and 200 <= self.gateway_status < 300


def new_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two letters and 32 hex digits."""
    return prefix + secrets.token_hex(16)


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's timestamp format, e.g. 'Mon, 23 Nov 2026 11:52:00 +0000'."""
    return format_datetime(moment) if moment else None


def e164(raw: str) -> str | None:
    """E.164 for what the page or a client sent; None if it can't be a number.

    A bare '+' in a query string arrives as a space, hence digits-only input is accepted.
    """
    text = raw.strip()
    if not text.startswith("+") and text.isdigit() and len(text) == 11:
        text = "+" + text
    try:
        return to_e164(text)
    except InvalidPhoneNumber:
        return None


def message_json(account_sid: str, message: SandboxMessage) -> dict[str, Any]:
    """Twilio's Message resource JSON, as Messages.create returns it (status unchanged)."""
    sender_pending = message.status == "accepted"
    base = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{message.sid}"
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": rfc2822(message.created_at),
        "date_sent": None,
        "date_updated": rfc2822(message.created_at),
        "direction": message.direction,
        "error_code": None,
        "error_message": None,
        # While Twilio has yet to pick a sender: from null and num_segments "0".
        "from": None if sender_pending else message.from_,
        "messaging_service_sid": message.messaging_service_sid,
        "num_media": str(message.num_media),
        "num_segments": "0" if sender_pending else str(message.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status,
        "subresource_uris": {
            "media": f"{base}/Media.json",
            "feedback": f"{base}/Feedback.json",
        },
        "to": message.to,
        "uri": f"{base}.json",
    }


def inbound_params(account_sid: str, message: SandboxMessage) -> dict[str, str]:
    """The form fields of Twilio's incoming-message webhook for `message`."""
    params = {
        "AccountSid": account_sid,
        "ApiVersion": API_VERSION,
        "Body": message.body,
        "From": message.from_,
        "MessageSid": message.sid,
        "NumMedia": str(message.num_media),
        "NumSegments": str(message.num_segments),
        "SmsMessageSid": message.sid,
        "SmsSid": message.sid,
        "SmsStatus": "received",
        "To": message.to,
    }
    params |= _geo("From", message.from_) | _geo("To", message.to)
    if message.messaging_service_sid:
        params["MessagingServiceSid"] = message.messaging_service_sid
    if message.num_media:
        media_sid = new_sid("ME")
        params["MediaContentType0"] = "image/jpeg"
        params["MediaUrl0"] = (
            f"https://api.twilio.com/{API_VERSION}/Accounts/{account_sid}"
            f"/Messages/{message.sid}/Media/{media_sid}"
        )
    return params


def _geo(prefix: str, number: str) -> dict[str, str]:
    """Twilio's caller-geography fields (FromCountry, FromState, ...) for a number."""
    us = number.startswith("+1")
    nyc = number.startswith("+1212")
    return {
        f"{prefix}Country": "US" if us else "",
        f"{prefix}State": "NY" if nyc else "",
        f"{prefix}City": "NEW YORK" if nyc else "",
        f"{prefix}Zip": "",
    }


def thread_item(message: SandboxMessage) -> dict[str, Any]:
    """One message of the phone page's thread as JSON."""
    return {
        "sid": message.sid,
        "direction": message.direction,
        "body": message.body,
        "status": message.status,
        "error_code": message.error_code,
        "num_media": message.num_media,
        "gateway_status": message.gateway_status,
        "created_at": message.created_at.isoformat(),
    }
