"""Reading Twilio's webhooks safely: size limit, form parsing and the signature check."""

from __future__ import annotations

import hmac
from functools import lru_cache
from urllib.parse import parse_qsl

from twilio.request_validator import RequestValidator

# Twilio's largest webhook (1600-character body, ten media URLs) is a few KB.
MAX_WEBHOOK_BYTES = 64 * 1024

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def parse_form(raw: bytes) -> dict[str, str]:
    """Parse an x-www-form-urlencoded body; odd bytes become U+FFFD instead of an error."""
    text = raw.decode("utf-8", errors="replace")
    pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace")
    return dict(pairs)


def storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL; no real SMS has one, so it becomes U+FFFD."""
    return text.replace("\x00", "\ufffd")


def signed_url(public_base_url: str, path: str, query: str) -> str:
    """The URL Twilio signed: the public one, not what a proxy forwarded to us."""
    return f"{public_base_url}{path}" + (f"?{query}" if query else "")


def is_signed_by_twilio(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    """Twilio signs the URL it was given, which is ours as configured: one HMAC settles
    almost every webhook. The library's full check (the URL with and without its port,
    two HMACs) decides the rest, so nothing it accepts or refuses changes."""
    if not signature:
        return False
    validator = _validator(auth_token)
    computed = validator.compute_signature(url, params)
    if hmac.compare_digest(computed.encode(), signature.encode()):
        return True
    return bool(validator.validate(url, params, signature))


@lru_cache(maxsize=4)
def _validator(auth_token: str) -> RequestValidator:
    return RequestValidator(auth_token)
