"""Helpers for custom-action unit tests (the pattern of Rasa's financial-demo: build a
Tracker, run the action with a CollectingDispatcher, assert events and messages)."""

from __future__ import annotations

import asyncio
import inspect
import pathlib
import sys
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = pathlib.Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text())

META = {
    "peerline": {
        "participant": {"id": "p-test01", "alias": "Sam", "timezone": "America/New_York"},
        "next_appointment": {
            "at": "2026-11-24T15:00:00-05:00",
            "kind": "prescriber visit",
            "location": "the clinic",
        },
        "program": {"name": "Peerline", "support_contact": "(212) 555-0199"},
        "resources": {
            "naloxone": "Free naloxone: ask your peer or any pharmacy.",
            "test_strips": "Ask your peer for free test strips.",
        },
    }
}


def make_tracker(
    intent: str | None = None,
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    events: list[dict[str, Any]] | None = None,
    confidence: float = 0.97,
    ranking: list[dict[str, Any]] | None = None,
) -> Tracker:
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots["requested_slot"] = None
    all_slots.update(slots or {})
    latest = {
        "intent": {"name": intent, "confidence": confidence},
        "text": text,
        "entities": [dict(e) for e in entities or []],
        "metadata": metadata if metadata is not None else {},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
    }
    user_event = {
        "event": "user",
        "text": text,
        "parse_data": latest,
        "metadata": latest["metadata"],
    }
    return Tracker(
        "p-test01",
        all_slots,
        latest,
        [*list(events or []), user_event],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def ent(entity: str, value: Any) -> dict[str, Any]:
    return {"entity": entity, "value": value}


def run_action(action, tracker: Tracker, domain: dict[str, Any] | None = None):
    """Run an action (sync or async run); returns (events, dispatcher.messages)."""
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, domain or DOMAIN)
    if inspect.isawaitable(result):
        result = asyncio.run(result)
    return result, dispatcher.messages


def payloads(messages, kind: str | None = None) -> list[dict[str, Any]]:
    found = [m["custom"]["peerline"] for m in messages if (m.get("custom") or {}).get("peerline")]
    return [p for p in found if kind is None or p["type"] == kind]


def responses(messages) -> list[str]:
    return [m["response"] for m in messages if m.get("response")]


def slot_events(events) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
