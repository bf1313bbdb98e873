"""The real twilio `Client`, pointed at whichever Twilio-compatible API the settings name.

In production `settings.twilio_base_url` is `https://api.twilio.com` and nothing is rewritten;
in the sandbox and in tests the same client talks to the local Twilio-compatible server, so
every code path above this module runs against the real library.
"""

from __future__ import annotations

import re

from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from records.settings import REAL_TWILIO_API, Settings

DEFAULT_TIMEOUT_SECONDS = 10.0

# api.twilio.com and its regional/edge forms (api.us1.twilio.com, api.ashburn.us1.twilio.com):
# TWILIO_REGION / TWILIO_EDGE in the environment make the library pick those, and a sandbox
# must never leak a request (or the sandbox credentials) to the real Twilio because of that.
_TWILIO_API_ORIGIN = re.compile(r"^https://api(?:\.[a-z0-9-]+)*\.twilio\.com(?=/|$)")


class RebasingHttpClient(TwilioHttpClient):  # type: ignore[misc]  # twilio ships no types
    """A `TwilioHttpClient` that sends api.twilio.com requests to `base_url` instead."""

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        # max_retries=0: the outbox retries durably; hidden in-library retries would resend
        # a message Twilio may already have accepted.
        super().__init__(timeout=timeout, max_retries=0)
        self.base_url = base_url.rstrip("/")

    def rebase(self, url: str) -> str:
        """Return `url` with the Twilio API origin swapped for `base_url`."""
        if self.base_url == REAL_TWILIO_API:
            return url
        return _TWILIO_API_ORIGIN.sub(lambda _: self.base_url, url, count=1)

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        return super().request(
            method,
            self.rebase(url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def build_twilio_client(settings: Settings, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Client:
    """The real twilio `Client` for these settings (sandbox or production alike)."""
    http_client = RebasingHttpClient(settings.twilio_base_url, timeout=timeout)
    return Client(settings.account_sid, settings.auth_token, http_client=http_client)
