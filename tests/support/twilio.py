"""Acting as Twilio in tests: signed webhook posts, exactly as Twilio would send them."""

from __future__ import annotations

import re
import secrets
from typing import Any

import httpx
from twilio.request_validator import RequestValidator


def message_sid() -> str:
    return "SM" + secrets.token_hex(16)


def inbound_params(
    sender: str, body: str | None, to: str = "+12125550100", **extra: str
) -> dict[str, str]:
    params = {
        "MessageSid": message_sid(),
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": to,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    if body is not None:
        params["Body"] = body
    params.update(extra)
    return params


def signed_post(
    base_url: str, path: str, params: dict[str, str], auth_token: str, signature: str | None = None
) -> httpx.Response:
    """POST form params with a valid X-Twilio-Signature (or the one given, to forge)."""
    url = f"{base_url}{path}"
    if signature is None:
        signature = RequestValidator(auth_token).compute_signature(url, params)
    headers: dict[str, Any] = {"X-Twilio-Signature": signature} if signature else {}
    return httpx.post(url, data=params, headers=headers, timeout=10)


def phone_send(base_url: str, timeout: float = 10, **payload: Any) -> httpx.Response:
    """Send from the sandbox phone page as its script does: the page's token in a header.
    `payload` is `json=...` or `data=...` for the send."""
    page = httpx.get(f"{base_url}/sandbox/phone", timeout=timeout)
    token = re.search(r'data-token="([^"]+)"', page.text)
    assert token, "the phone page carries its send token"
    headers = {"X-Sandbox-Token": token.group(1)}
    return httpx.post(f"{base_url}/sandbox/phone/send", headers=headers, timeout=timeout, **payload)
