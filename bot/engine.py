"""Client for the Rasa engine's HTTP API (loopback only, token-protected).

Only a short in-process retry lives here, for a refused connection (a blip while Rasa
loads); a timed-out call is never repeated here, because the engine may have run it. If the
engine stays down the turn is retried later from the database, so nothing is lost.

A breaker keeps a hung or dead engine from tying up every worker: after a failure, calls
fail at once for a short, growing pause, and the first call after the pause tries again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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


_refused = retry(
    retry=retry_if_exception_type(httpx.ConnectError),
    stop=stop_after_attempt(2),
    wait=wait_fixed(0.3),
    reraise=True,
)


class Breaker:
    """Fails calls fast for a pause after a failure (1 s, doubling to 30 s); one success
    closes it. Thread-safe: every worker shares one view of the engine's health."""

    def __init__(self, first: float = 1.0, longest: float = 30.0) -> None:
        self._first, self._longest = first, longest
        self._pause = 0.0
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            return time.monotonic() >= self._open_until

    def failed(self) -> None:
        with self._lock:
            self._pause = min(self._longest, self._pause * 2 if self._pause else self._first)
            self._open_until = time.monotonic() + self._pause

    def succeeded(self) -> None:
        with self._lock:
            self._pause, self._open_until = 0.0, 0.0


class RasaEngine:
    def __init__(self, base_url: str, token: str, timeout: float = 10.0) -> None:
        self._client = httpx.Client(base_url=base_url, timeout=timeout)
        self._token = token
        self.breaker = Breaker()

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

    def parse(self, text: str, timeout: float | None = None) -> tuple[str, float] | None:
        """NLU only (`/model/parse`): the top intent and its confidence."""
        data = self._post("/model/parse", {"text": text}, token=True, timeout=timeout)
        intent = data.get("intent") if isinstance(data, dict) else None
        if not isinstance(intent, dict) or not intent.get("name"):
            return None
        return str(intent["name"]), float(intent.get("confidence") or 0.0)

    def is_ready(self) -> bool:
        try:
            response = self._client.get("/status", params={"token": self._token}, timeout=1)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    @_refused
    def _send(
        self, path: str, payload: dict[str, Any], token: bool, timeout: float | None
    ) -> httpx.Response:
        # Every call carries the token: the REST channel asks for it too (actions/channel.py).
        params = {"token": self._token}
        extra: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        return self._client.post(path, json=payload, params=params, **extra)

    def _post(
        self, path: str, payload: dict[str, Any], token: bool = False, timeout: float | None = None
    ) -> Any:
        if not self.breaker.allow():
            raise EngineUnavailable("engine paused after recent failures")
        try:
            response = self._send(path, payload, token, timeout)
        except httpx.HTTPError as exc:
            self.breaker.failed()
            raise EngineUnavailable(type(exc).__name__) from exc
        except RuntimeError as exc:  # the client was closed: the app is stopping
            raise EngineUnavailable("engine client closed") from exc
        if response.status_code >= 500:
            self.breaker.failed()
            raise EngineUnavailable(f"engine answered HTTP {response.status_code}")
        if response.status_code != 200:
            raise EngineUnavailable(f"engine answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise EngineUnavailable("engine answered with invalid JSON") from exc
        self.breaker.succeeded()
        return data


def _reply(item: dict[str, Any]) -> EngineReply:
    custom = item.get("custom")
    return EngineReply(
        text=item.get("text") or None,
        custom=custom if isinstance(custom, dict) else {},
    )


def parse_intent(
    engine: RasaEngine, text: str, timeout: float | None = None
) -> tuple[str, float] | None:
    """The engine's top intent for `text`, or None when the engine can't answer now."""
    try:
        return engine.parse(text, timeout=timeout)
    except EngineUnavailable:
        return None


def nlu_within(engine: RasaEngine, budget: float) -> Callable[[str], tuple[str, float] | None]:
    """The engine's NLU as the safety lane's second opinion: answers within `budget`
    seconds or not at all."""
    return lambda text: parse_intent(engine, text, timeout=budget)
