"""A stand-in Rasa replica that echoes each turn and records when it ran, for tests of how
turns are spread over replicas and of how a busy engine is asked for second opinions (the
real engine's replies are not what those tests check; the fault test in
tests/peerline/test_scale_faults.py runs real replicas)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import FastAPI, Request


@dataclass(frozen=True)
class Call:
    replica: str
    sender: str
    text: str
    started: float
    ended: float


@dataclass
class StubRasa:
    name: str
    delay: float = 0.05
    parse_delay: float = 0.0  # a busy engine: NLU answers, but late
    calls: list[Call] = field(default_factory=list)
    parsed: int = 0  # /model/parse requests it worked on
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def senders(self) -> set[str]:
        with self._lock:
            return {call.sender for call in self.calls}

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/rest/webhook")
        async def turn(request: Request) -> list[dict[str, Any]]:
            body = await request.json()
            started = time.monotonic()
            await anyio.sleep(self.delay)
            call = Call(self.name, body["sender"], body["message"], started, time.monotonic())
            with self._lock:
                self.calls.append(call)
            return [{"recipient_id": body["sender"], "text": f"got: {body['message']}"}]

        @app.post("/model/parse")
        async def parse() -> dict[str, Any]:
            with self._lock:
                self.parsed += 1
            await anyio.sleep(self.parse_delay)
            return {"intent": {"name": "greet", "confidence": 0.99}}

        @app.get("/status")
        async def status() -> dict[str, Any]:
            return {"model_file": "stub.tar.gz"}

        return app
