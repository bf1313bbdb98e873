"""Client for the Rasa engine's HTTP API (loopback only, token-protected).

Only a short in-process retry lives here, for a refused connection (a blip while Rasa
loads); a timed-out call is never repeated here, because the engine may have run it. If the
engine stays down the turn is retried later from the database, so nothing is lost.

Several replicas (RASA_URLS) share the calls, each person's at their home replica
(bot/replicas.py). A breaker per replica keeps a hung or dead one from tying up every
worker: after a failure it is skipped for a short, growing pause, then probed again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_fixed

from bot.parses import Parses
from bot.replicas import Replica, Replicas


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
NOTHING_RAN = (httpx.ConnectError, httpx.ConnectTimeout)  # safe to ask the next replica
READING_KEY = "peerline_parse"  # the metadata key actions/channel.py takes a reading from


class RasaEngine:
    """The engine's API over one or several replicas (bot/replicas.py says which gets
    a call); each replica has its own breaker, so a dead or hung one is skipped."""

    def __init__(self, base_url: str | Sequence[str], token: str, timeout: float = 10.0) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        self.replicas = Replicas(urls, timeout)
        self._token = token
        self._timeout = timeout
        self.parses = Parses()  # the second opinion's readings, for the same text's turn
        # Readings are reused with one engine only: with several, a parse goes to any
        # replica and the turn to the person's home, which may run another model.
        self._one_engine = len(urls) == 1

    def close(self) -> None:
        self.replicas.close()

    def message(self, sender: str, text: str, metadata: dict[str, Any]) -> list[EngineReply]:
        """Run one user turn through the REST channel and return the bot's replies. A reading
        of the same text that the safety lane's second opinion got goes with it, so the
        engine does not parse the text again (bot/parses.py)."""
        reading = self.parses.take(text) if self._one_engine else None
        if reading is not None:
            metadata = {**metadata, READING_KEY: reading}
        payload = {"sender": sender, "message": text, "metadata": metadata}
        data = self._post("/webhooks/rest/webhook", payload, self.replicas.for_sender(sender))
        if not isinstance(data, list):
            raise EngineUnavailable("engine answered with an unexpected shape")
        return [_reply(item) for item in data if isinstance(item, dict)]

    def trigger_intent(
        self, sender: str, intent: str, entities: dict[str, Any] | None = None
    ) -> list[EngineReply]:
        """Start a conversation from outside (a nudge); returns what the bot says."""
        payload = {"name": intent, "entities": entities or {}}
        path = f"/conversations/{sender}/trigger_intent"
        data = self._post(path, payload, self.replicas.for_sender(sender))
        messages = data.get("messages", []) if isinstance(data, dict) else []
        return [_reply(item) for item in messages if isinstance(item, dict)]

    def parse(self, text: str, timeout: float | None = None) -> tuple[str, float] | None:
        """NLU only (`/model/parse`): the top intent and its confidence. The whole reading is
        kept for the same text's turn."""
        order = self.replicas.round_robin()
        if not self._one_engine:  # the turn may run on another replica, with another model
            return _top_intent(self._post("/model/parse", {"text": text}, order, timeout))
        with self.parses.reading(text, timeout or self._timeout) as keep:
            data = self._post("/model/parse", {"text": text}, order, timeout)
            if _is_reading(data, text):
                keep(data)
            return _top_intent(data)

    def is_ready(self) -> bool:
        """At least one replica has its model loaded."""
        return any(self.readiness().values())

    def readiness(self) -> dict[str, bool]:
        """Each replica's URL, and whether it has its model loaded (for /healthz)."""
        return {replica.url: self._replica_ready(replica) for replica in self.replicas.all}

    def _replica_ready(self, replica: Replica) -> bool:
        try:
            response = replica.client.get("/status", params={"token": self._token}, timeout=1)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    def _send(
        self, replica: Replica, path: str, payload: dict[str, Any], timeout: float | None
    ) -> httpx.Response:
        # Every call carries the token: the REST channel asks for it too (actions/channel.py).
        params = {"token": self._token}
        extra: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        return replica.client.post(path, json=payload, params=params, **extra)

    def _post(
        self, path: str, payload: dict[str, Any], order: list[Replica], timeout: float | None = None
    ) -> Any:
        """Ask the first replica whose breaker allows; a refused connection ran nothing, so
        the next is asked at once. Any other failure may have run the turn: it is not
        repeated here (the turn is retried later, by then on a healthy replica)."""
        # One replica: a refused connection is likely a blip while Rasa loads; wait once.
        send = _refused(self._send) if len(order) == 1 else self._send
        why = "engine paused after recent failures"
        for replica in order:
            if not replica.breaker.allow():
                continue
            try:
                response = send(replica, path, payload, timeout)
            except NOTHING_RAN as exc:
                replica.breaker.failed()
                why = type(exc).__name__
                continue
            except httpx.HTTPError as exc:
                replica.breaker.failed()
                raise EngineUnavailable(type(exc).__name__) from exc
            except RuntimeError as exc:  # the client was closed: the app is stopping
                raise EngineUnavailable("engine client closed") from exc
            return _answer(replica, response)
        raise EngineUnavailable(why)


def _answer(replica: Replica, response: httpx.Response) -> Any:
    if response.status_code >= 500:
        replica.breaker.failed()
        raise EngineUnavailable(f"engine answered HTTP {response.status_code}")
    if response.status_code != 200:
        raise EngineUnavailable(f"engine answered HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as exc:
        raise EngineUnavailable("engine answered with invalid JSON") from exc
    replica.breaker.succeeded()
    return data


def _top_intent(data: Any) -> tuple[str, float] | None:
    intent = data.get("intent") if isinstance(data, dict) else None
    if not isinstance(intent, dict) or not intent.get("name"):
        return None
    return str(intent["name"]), float(intent.get("confidence") or 0.0)


def _is_reading(data: Any, text: str) -> bool:
    """The shape Rasa's processor needs from a message's parse data, of this very text."""
    return (
        isinstance(data, dict)
        and data.get("text") == text.strip()
        and isinstance(data.get("intent"), dict)
        and isinstance(data.get("entities"), list)
    )


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
