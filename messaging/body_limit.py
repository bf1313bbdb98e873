"""Request bodies are counted as they stream in, and refused (413) once over their limit.

Reading a whole body before checking its size lets anyone hold megabytes of memory per
request, and lets unsigned webhooks and anonymous console posts be parsed at all. This
pure-ASGI middleware answers 413 before reading when Content-Length is already too large,
and stops a chunked (or lying) body at the limit: nothing past it is ever read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("peerline.security")


@dataclass(frozen=True)
class BodyLimit:
    """Bodies of requests to `path` may carry at most `max_bytes`; a path ending in "/"
    covers everything under it."""

    path: str
    max_bytes: int


class TooLarge(Exception):
    """Raised from `receive` when the body crosses its limit; the middleware answers 413."""


class LimitBodies:
    """Pure ASGI: the first matching `BodyLimit` (most specific first) applies."""

    def __init__(self, app: ASGIApp, limits: Sequence[BodyLimit]) -> None:
        self.app = app
        self.limits = sorted(limits, key=lambda limit: len(limit.path), reverse=True)

    def limit_for(self, path: str) -> int | None:
        for limit in self.limits:
            under = limit.path.endswith("/") and path.startswith(limit.path)
            if under or path == limit.path:
                return limit.max_bytes
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await refuse(scope, send, f"declared {declared} bytes")
            return
        started, total = False, 0

        async def counted_receive() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > limit:
                    raise TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except TooLarge:
            if not started:
                await refuse(scope, send, f"over {limit} bytes while streaming")


async def read_within(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it is (or says it will be) over `limit`: nothing past
    the limit is read. For pure-ASGI handlers in front of `LimitBodies`."""
    declared = _content_length(scope)
    if declared is not None and declared > limit:
        return None
    chunks: list[bytes] = []
    total, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect  # nobody to answer
        chunk = message.get("body", b"")
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def refuse(scope: Scope, send: Send, why: str) -> None:
    log.warning("request to %s refused: body %s", scope["path"], why)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"Request body too large"})
