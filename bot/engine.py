"""Client for the Rasa engine's HTTP API (loopback only, token-protected).

Only short in-process retries live here (a blip while Rasa loads); if the engine stays down
the turn is retried later from the database, so nothing is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed


class EngineUnavailable(RuntimeError):
    """The engine did not answer usefully; the caller should retry the turn later."""


@dataclass(frozen=True)
class EngineReply:
    """One item of the engine's answer: a text to send, or a record write for the app."""

    text: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)


_transient = retry(
    retry=retry_if_exception_type(httpx.TransportError),
    stop=stop_after_attempt(2),
    wait=wait_fixed(0.3),
    reraise=True,
)


class RasaEngine:
    def __init__(self, base_url: str, token: str, timeout: float = 20.0) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=timeout)
        self._token = token

    def close(self) -> None:
        self._client.close()

    def message(self, sender: str, text: str, metadata: dict[str, Any]) -> list[EngineReply]:
        """Run one user turn through the REST channel and return the bot's replies."""
        payload = {"sender": sender, "message": text, "metadata": metadata}
        data = self._post("/webhooks/rest/webhook", payload)
        if not isinstance(data, list):
            raise EngineUnavailable("engine answered with an unexpected shape")
        return [_reply(item) for item in data if isinstance(item, dict)]

    def trigger_intent(
        self, sender: str, intent: str, entities: dict[str, Any] | None = None
    ) -> list[EngineReply]:
        """Start a conversation from outside (a nudge); returns what the bot says."""
        payload = {"name": intent, "entities": entities or {}}
        data = self._post(f"/conversations/{sender}/trigger_intent", payload, token=True)
        messages = data.get("messages", []) if isinstance(data, dict) else []
        return [_reply(item) for item in messages if isinstance(item, dict)]

    def parse(self, text: str) -> tuple[str, float] | None:
        """NLU only (`/model/parse`): the top intent and its confidence."""
        data = self._post("/model/parse", {"text": text}, token=True)
        intent = data.get("intent") if isinstance(data, dict) else None
        if not isinstance(intent, dict) or not intent.get("name"):
            return None
        return str(intent["name"]), float(intent.get("confidence") or 0.0)

    def is_ready(self) -> bool:
        try:
            response = self._client.get("/status", params={"token": self._token}, timeout=2)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    @_transient
    def _send(self, path: str, payload: dict[str, Any], token: bool) -> httpx.Response:
        params = {"token": self._token} if token else None
        return self._client.post(path, json=payload, params=params)

    def _post(self, path: str, payload: dict[str, Any], token: bool = False) -> Any:
        try:
            response = self._send(path, payload, token)
        except httpx.HTTPError as exc:
            raise EngineUnavailable(type(exc).__name__) from exc
        if response.status_code != 200:
            raise EngineUnavailable(f"engine answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise EngineUnavailable("engine answered with invalid JSON") from exc


def _reply(item: dict[str, Any]) -> EngineReply:
    custom = item.get("custom")
    return EngineReply(
        text=item.get("text") or None,
        custom=custom if isinstance(custom, dict) else {},
    )


def parse_intent(engine: RasaEngine, text: str) -> tuple[str, float] | None:
    """The engine's top intent for `text`, or None when the engine can't answer now."""
    try:
        return engine.parse(text)
    except EngineUnavailable:
        return None
