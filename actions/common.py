"""Shared helpers for peerline's custom actions.

Actions run in the engine environment and import nothing from the app. They read the app's
per-turn metadata (``metadata.peerline``) and write back only through custom payloads
``{"peerline": {...}}`` that the gateway applies (docs/architecture.md, "The engine contract").
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

CHECKIN_FORM = "checkin_form"
CHECKIN_SLOTS = ("mood", "craving", "use", "medication", "barriers", "wants_peer")
# Slots that belong to one check-in but are not answers: the record's key, digressions.
CHECKIN_BOOKKEEPING = ("checkin_key", "checkin_digressions")
SKIPPED = "skipped"
NO_BARRIERS = "none"
BARRIER_VALUES = (
    "transport",
    "pharmacy",
    "insurance",
    "housing",
    "money",
    "childcare",
    "work",
    "phone",
)
RISK_INTENTS = ("risk_suicidal", "risk_overdose_now", "risk_return_to_use", "risk_using_alone")
MAX_FREE_TEXT = 200
# The engine's calibrated trust (scripts/calibrate_engine.py): data, read, never imported.
ENGINE_THRESHOLDS = Path(__file__).resolve().parents[1] / "escalation/screen/engine_thresholds.json"
RESCUE_FROM_DEFAULT = 0.95  # no calibration file: only a very sure reading gets "call 911 now"


@cache
def rescue_from() -> float:
    """The confidence from which an overdose-now reading was right often enough to answer it
    with rescue instructions (the calibration's emergency threshold for that intent)."""
    try:
        intents = json.loads(ENGINE_THRESHOLDS.read_text())["intents"]
        return float(intents["risk_overdose_now"]["emergency_from"])
    except (OSError, ValueError, KeyError, TypeError):
        return RESCUE_FROM_DEFAULT


# --------------------------------------------------------------------------- metadata


def peerline_metadata(tracker: Tracker) -> dict[str, Any]:
    """``metadata.peerline`` of the latest user message, or of the most recent user message
    that had it (external intents triggered by the app carry no metadata)."""
    meta = (tracker.latest_message or {}).get("metadata") or {}
    if isinstance(meta, dict) and isinstance(meta.get("peerline"), dict):
        return meta["peerline"]
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            meta = event.get("metadata") or {}
            if isinstance(meta, dict) and isinstance(meta.get("peerline"), dict):
                return meta["peerline"]
    return {}


def participant_alias(tracker: Tracker) -> str | None:
    participant = peerline_metadata(tracker).get("participant") or {}
    alias = participant.get("alias") if isinstance(participant, dict) else None
    if isinstance(alias, str):
        alias = gsm_safe(alias.strip())[:30]
        return alias or None
    return None


def participant_now(tracker: Tracker) -> datetime:
    """Now on the participant's own clock ("friday" means their Friday)."""
    participant = peerline_metadata(tracker).get("participant") or {}
    zone = participant.get("timezone") if isinstance(participant, dict) else None
    try:
        return datetime.now(ZoneInfo(str(zone))) if zone else datetime.now(timezone.utc)
    except (KeyError, ValueError):  # an unknown zone name
        return datetime.now(timezone.utc)


# --------------------------------------------------------------------------- payloads


def payload(dispatcher: CollectingDispatcher, kind: str, **fields: Any) -> None:
    """Emit a ``{"peerline": {"type": kind, ...}}`` custom payload for the gateway."""
    dispatcher.utter_message(json_message={"peerline": {"type": kind, **fields}})


def peer_request(dispatcher: CollectingDispatcher, reason: str, barrier: str | None = None) -> None:
    payload(dispatcher, "peer_request", reason=reason, barrier=barrier)


def appointment_answer(
    dispatcher: CollectingDispatcher, answer: str, reason: str | None = None
) -> None:
    payload(dispatcher, "appointment_answer", answer=answer, reason=reason)


# --------------------------------------------------------------------------- message helpers


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_confidence(tracker: Tracker) -> float | None:
    conf = ((tracker.latest_message or {}).get("intent") or {}).get("confidence")
    return round(float(conf), 4) if conf is not None else None


def latest_text(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("text") or "").strip()


def entity_values(tracker: Tracker, entity: str) -> list[Any]:
    return [
        e.get("value")
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == entity and e.get("value") is not None
    ]


def free_text(text: str) -> str | None:
    text = " ".join((text or "").split())
    return text[:MAX_FREE_TEXT] or None


_GSM_REPLACEMENTS = {
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2014": "-",
    "\u2013": "-",
}


def gsm_safe(text: str) -> str:
    """Straight quotes and dashes so an SMS stays GSM-7 (160 chars a segment)."""
    for bad, good in _GSM_REPLACEMENTS.items():
        text = text.replace(bad, good)
    return text


def format_when(value: Any) -> str | None:
    """ISO 8601 -> 'Tue Nov 24 at 3:00 PM'; anything else is passed through as text."""
    if not value:
        return None
    text = str(value).strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return gsm_safe(text)[:60]
    hour = moment.strftime("%I").lstrip("0") or "12"
    return f"{moment.strftime('%a %b')} {moment.day} at {hour}:{moment.strftime('%M %p')}"
