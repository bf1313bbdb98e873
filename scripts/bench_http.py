"""A lean HTTP/1.1 keep-alive client for the benchmarks' simulated people.

Why not httpx: with a hundred people at once, httpx spent several milliseconds of the
benchmark's own CPU per request, on the same two cores as the app, and that time was counted
as the app's acknowledgement (a burst of 100 took 0.6 s of the client's own work). Twilio's
senders are other machines. Here each person holds one connection and writes prepared bytes
(signed before any clock starts), on uvloop, so what is timed is the server's answer; both
sides of a comparison use this same client.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit


@dataclass
class Answer:
    status: int
    body: bytes


class Connection:
    """One keep-alive connection to one server; requests on it go one at a time."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(
        self, path: str, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> Answer:
        request = prepare(self.host, self.port, path, body, content_type, headers or {})
        for attempt in (1, 2):  # a server may close an idle keep-alive: reconnect once
            try:
                return await self._exchange(request)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, request: bytes) -> Answer:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
        if fields.get("transfer-encoding", "").lower() == "chunked":
            raise ValueError("chunked responses are not supported by the bench client")
        body = await self._reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return Answer(status, body)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


def prepare(
    host: str, port: int, path: str, body: bytes, content_type: str, headers: dict[str, str]
) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def form(params: dict[str, str]) -> bytes:
    return urlencode(params).encode()
