"""The engine's REST channel, with the engine's token: runs inside `rasa run` (engine env).

Rasa's stock REST channel (`POST /webhooks/rest/webhook`) accepts anyone who can reach the
port, while the rest of Rasa's API asks for `--auth-token`. peerline's gateway is the only
client, so this channel asks for the same token (query `?token=` or `Authorization:
Bearer`), read from the RASA_TOKEN environment variable, never from a command line that
`ps` would show. Referenced from bot/credentials.yml; the URL is unchanged.

It also takes a reading the gateway already has: the safety lane's second opinion asked the
engine's NLU about the same text (`/model/parse`), and the turn passes that answer in its
metadata (`peerline_parse`, bot/parses.py). Rasa uses a message's parse data instead of
parsing it again. A reading that is not of this very text, or not in the shape Rasa needs,
is dropped and Rasa parses as usual; either way it is taken out of the metadata, so the
tracker does not keep it twice.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

READING_KEY = "peerline_parse"


def given_reading(message: UserMessage) -> dict[str, Any] | None:
    """The reading sent with the message, if it is one of this text; removed from metadata."""
    metadata = message.metadata if isinstance(message.metadata, dict) else {}
    reading = metadata.pop(READING_KEY, None)
    if (
        isinstance(reading, dict)
        and reading.get("text") == message.text
        and isinstance(reading.get("intent"), dict)
        and reading["intent"].get("name")
        and isinstance(reading.get("entities"), list)
    ):
        return reading
    return None


def token_ok(sent: str | None, expected: str) -> bool:
    """Constant-time; an engine started without a token accepts nobody."""
    if not sent or not expected:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


def sent_token(request: Request) -> str | None:
    bearer = request.headers.get("Authorization", "")
    if bearer.startswith("Bearer "):
        return bearer[len("Bearer ") :]
    return request.args.get("token")


class TokenRestInput(RestInput):
    """`rest`, answering 401 to any request without the engine's token."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TokenRestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        async def parsed_once(message: UserMessage) -> None:
            message.parse_data = given_reading(message)
            await on_new_message(message)

        webhook = super().blueprint(parsed_once)
        expected = os.environ.get("RASA_TOKEN", "")

        @webhook.middleware("request")
        async def require_token(request: Request) -> HTTPResponse | None:
            if token_ok(sent_token(request), expected):
                return None
            return response.json({"error": "the engine's token is required"}, status=401)

        return webhook
