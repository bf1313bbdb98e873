"""Bodies are counted as they stream in: an oversized webhook or console post is refused
(413) at its limit, by a real server over a raw socket, and nothing of it is stored; a
post to a guarded console page is turned away before its body is read at all."""

from __future__ import annotations

import select
import socket
from collections.abc import Callable, Iterator
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select
from twilio.request_validator import RequestValidator

from console.routes import MAX_FORM_BYTES, MAX_UPLOAD_BYTES
from messaging.webhooks import MAX_WEBHOOK_BYTES
from records.db import Database
from records.models import Message
from tests.conftest import RunningApp
from tests.support.twilio import inbound_params

CHUNK = 16 * 1024
ENDLESS = 64 * 1024 * 1024  # far more than any limit: only a server that stops ends it


@pytest.fixture
def running(app_factory: Callable[..., RunningApp]) -> RunningApp:
    return app_factory()


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    return sock


def head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(sock: socket.socket, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(4096)
        except (TimeoutError, ConnectionResetError):
            break
        if not chunk:
            break
        data += chunk
    return data


def stream_chunked(sock: socket.socket, body: Iterator[bytes]) -> tuple[bytes, int]:
    """Send `body` chunk by chunk, watching for an early answer; (answer, bytes sent)."""
    sent = 0
    for piece in body:
        readable, _, _ = select.select([sock], [], [], 0.002)
        if readable:
            return answer(sock), sent
        try:
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        except OSError:
            return answer(sock), sent
        sent += len(piece)
    sock.sendall(b"0\r\n\r\n")
    return answer(sock), sent


def pieces(data: bytes, total: int) -> Iterator[bytes]:
    """`data`, then filler, in CHUNK-sized pieces up to `total` bytes."""
    yield from (data[i : i + CHUNK] for i in range(0, len(data), CHUNK))
    for _ in range((total - len(data)) // CHUNK):
        yield b"x" * CHUNK


def stored(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(sql_select(func.count()).select_from(Message)) or 0)


def test_a_declared_oversized_webhook_is_refused_before_its_body_is_sent(
    running: RunningApp, db: Database
) -> None:
    with connect(running.url) as sock:
        sock.sendall(
            head(
                "/sms/inbound",
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Content-Length": str(10 * 1024 * 1024),
                },
            )
        )
        reply = answer(sock)  # no body sent: only a server that did not wait answers
    assert reply.startswith(b"HTTP/1.1 413"), reply[:80]
    assert stored(db) == 0


def test_a_signed_chunked_webhook_is_stopped_at_the_limit_and_not_stored(
    running: RunningApp, db: Database
) -> None:
    """Signed, so only the size stops it; chunked, so no Content-Length warns the server."""
    params = inbound_params("+15555550142", "x" * (4 * MAX_WEBHOOK_BYTES))
    url = f"{running.settings.public_base_url}/sms/inbound"
    signature = RequestValidator(running.settings.twilio_auth_token).compute_signature(url, params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Transfer-Encoding": "chunked",
        "X-Twilio-Signature": str(signature),
    }
    with connect(running.url) as sock:
        sock.sendall(head("/sms/inbound", headers))
        reply, sent = stream_chunked(sock, pieces(urlencode(params).encode(), ENDLESS))
    assert reply.startswith(b"HTTP/1.1 413"), reply[:80]
    assert sent < ENDLESS // 4, f"the server read on: {sent} bytes sent before it answered"
    assert stored(db) == 0


def test_a_console_post_is_stopped_at_its_limit(running: RunningApp) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}
    with connect(running.url) as sock:
        sock.sendall(head("/console/login", headers))
        reply, sent = stream_chunked(sock, pieces(b"email=a%40b.example&password=", ENDLESS))
    assert reply.startswith(b"HTTP/1.1 413"), reply[:80]
    assert sent < ENDLESS // 4


def test_an_anonymous_console_post_is_turned_away_unread(running: RunningApp) -> None:
    """The log-in guard runs first: the server answers without waiting for the body."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with connect(running.url) as sock:
        sock.sendall(head("/console/cases/1/reply", form | {"Content-Length": "1000"}))
        reply = answer(sock)
    assert reply.startswith(b"HTTP/1.1 303"), reply[:80]
    assert b"location: /console/login" in reply.lower()


@pytest.mark.parametrize(
    ("path", "declared", "status"),
    [
        ("/console/enrol", MAX_FORM_BYTES + 1, b"413"),
        ("/console/enrol/import", MAX_FORM_BYTES + 1, b"303"),  # the CSV upload may be larger
        ("/console/enrol/import", MAX_UPLOAD_BYTES * 2, b"413"),
    ],
)
def test_the_csv_upload_has_its_own_larger_limit(
    running: RunningApp, path: str, declared: int, status: bytes
) -> None:
    with connect(running.url) as sock:
        sock.sendall(head(path, {"Content-Type": "text/csv", "Content-Length": str(declared)}))
        reply = answer(sock)
    assert reply.startswith(b"HTTP/1.1 " + status), reply[:80]
