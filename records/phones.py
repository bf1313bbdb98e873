"""Phone numbers: E.164 normalisation, and masking so logs never carry a full number."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


class InvalidPhoneNumber(ValueError):
    pass


@lru_cache(maxsize=8192)
def to_e164(raw: str, default_region: str = "US") -> str:
    """Normalise what a person typed ("(212) 555-0142") to E.164 ("+12125550142").
    Remembered: every webhook parses its sender, and the same people text all day."""
    try:
        parsed = phonenumbers.parse(raw.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"not a phone number: {mask(raw)}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(f"not a possible phone number: {mask(raw)}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str | None) -> str:
    """Keep only the last two digits: enough to tell two log lines apart, not to identify."""
    if not phone:
        return "<none>"
    digits = [c for c in phone if c.isdigit()]
    return "…" + "".join(digits[-2:]) if len(digits) > 2 else "…"
