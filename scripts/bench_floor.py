"""This machine's floor for a webhook acknowledgement: a server that does nothing at all.

The engine benchmark's ack target (p99 at most 20 ms) is timed by a client on the same
cores as the app, and each round opens with 100 people texting at once on 100 new
connections. Part of every such acknowledgement is not peerline's: accepting the
connection, parsing HTTP, the client's own work. This measures that part alone, with the
same client (scripts/bench_http.py), the same HTTP server as `peerline serve` (uvicorn on
uvloop and httptools) and an ASGI app that reads the request and answers 200, nothing else:
what any Python web process here could do at best, so the benchmark's figure can be read
against it.

    .venv/bin/python -m scripts.bench_floor [--people 100] [--bursts 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx
import uvloop
from starlette.types import Receive, Scope, Send

from scripts.bench_engine_report import percentile
from scripts.bench_http import Connection
from scripts.bench_support import free_port

BODY = b"x" * 180  # the size of the engine benchmark's texts as posted (174-180 bytes)
HEADERS = {"X-Twilio-Signature": "s" * 28}
FORM = "application/x-www-form-urlencoded"


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers every request 200, empty, after reading its body: nothing else. A GET
    answers the CPU the server has used, read in-process: /proc counts in 10 ms ticks,
    coarser than a short run's whole CPU."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    body = repr(time.process_time()).encode() if scope["method"] == "GET" else b""
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class Floor:
    """p99 of an opening burst (new connections), of a burst on open connections, and the
    do-nothing server's CPU per request, in milliseconds. Each p99 is the median over the
    bursts: a floor is what the machine does as a rule, not its one stall."""

    opening_p99_ms: float
    open_p99_ms: float
    server_cpu_ms: float


async def _burst(connections: list[Connection]) -> list[float]:
    async def one(connection: Connection) -> float:
        sent = time.time()
        answer = await connection.post("/", BODY, FORM, HEADERS)
        if answer.status != 200:
            raise RuntimeError(f"the do-nothing server answered {answer.status}")
        return time.time() - sent

    return list(await asyncio.gather(*(one(c) for c in connections)))


async def _bursts(url: str, people: int, bursts: int) -> tuple[list[float], list[float]]:
    """Each burst's p99 in ms: on new connections, then on the same connections again."""
    opening: list[float] = []
    kept: list[float] = []
    for _ in range(bursts):
        connections = [Connection(url) for _ in range(people)]
        opening.append(_p99_ms(await _burst(connections)))  # each opens its connection
        await asyncio.sleep(0.2)
        kept.append(_p99_ms(await _burst(connections)))  # the same people, connections open
        for connection in connections:
            await connection.close()
        await asyncio.sleep(0.3)
    return opening, kept


def _p99_ms(seconds: list[float]) -> float:
    return percentile(seconds, 99) * 1000


def measure(people: int = 100, bursts: int = 10) -> Floor:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "scripts.bench_floor:app", "--port", str(port)]
    argv += ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    server = subprocess.Popen(argv)
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, server)
        before = _server_cpu(url)
        opening, kept = uvloop.run(_bursts(url, people, bursts))
        cpu = (_server_cpu(url) - before) / (2 * people * bursts)
        return Floor(statistics.median(opening), statistics.median(kept), cpu * 1000)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _server_cpu(url: str) -> float:
    return float(httpx.get(url, timeout=10).text)


def _wait_ready(url: str, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the do-nothing server exited")
        try:
            httpx.post(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise TimeoutError("the do-nothing server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--bursts", type=int, default=10)
    args = parser.parse_args()
    floor = measure(args.people, args.bursts)
    print(
        f"a server that does nothing, {args.people} people at once: opening burst p99 "
        f"{floor.opening_p99_ms:.1f} ms, on open connections p99 {floor.open_p99_ms:.1f} ms, "
        f"server CPU {floor.server_cpu_ms:.2f} ms a request"
    )


if __name__ == "__main__":
    main()
