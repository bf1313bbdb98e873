"""Secrets and transport: a guessable SECRET_KEY or plain http refuses to start where real
people's records are; the sandbox demo still runs on http loopback; session cookies are
HttpOnly, SameSite=Lax and, over https, Secure; the API schema and docs pages are not
served."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from peerline.app import create_app
from records.db import Database
from records.settings import DEV_SECRET_KEY, Settings
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, make_settings
from tests.console.test_console import AppFactory
from tests.support.servers import serve_in_thread

LONG_KEY = "k" * 32
HTTPS = "https://peerline.example.org"


def real(**values: object) -> Settings:
    """Real credentials against the real Twilio API: production."""
    base: dict[str, object] = dict(
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        on_call_number="+12125550159",
        public_base_url=HTTPS,
        secret_key=LONG_KEY,
    )
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[call-arg]


@pytest.mark.parametrize("key", ["x", "k" * 31, DEV_SECRET_KEY])
def test_a_short_or_default_secret_key_is_refused_with_credentials(key: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY to at least 32"):
        real(secret_key=key)
    with pytest.raises(ValidationError, match="SECRET_KEY"):  # a Twilio-compatible API too
        real(secret_key=key, twilio_api_base_url="http://127.0.0.1:9/sandbox/twilio")
    assert real().secret_key == LONG_KEY


def test_plain_http_is_refused_in_production_and_fine_for_the_sandbox() -> None:
    with pytest.raises(ValidationError, match="PUBLIC_BASE_URL must be https"):
        real(public_base_url="http://peerline.example.org")
    assert real().production
    demo = Settings(_env_file=None, public_base_url="http://127.0.0.1:8000")  # type: ignore[call-arg]
    assert demo.sandbox and not demo.production and demo.secret_key == DEV_SECRET_KEY


def login_cookie(settings: Settings) -> str:
    """The Set-Cookie of the log-in page, from the real app served by uvicorn."""
    with serve_in_thread(create_app(settings, run_loops=False)) as url:
        return httpx.get(f"{url}/console/login").headers["set-cookie"].lower()


def test_session_cookies_are_secure_over_https(db: Database) -> None:
    url = str(db.engine.url.render_as_string(hide_password=False))
    https = login_cookie(make_settings(url, "http://127.0.0.1:9", public_base_url=HTTPS))
    assert "; secure" in https and "httponly" in https and "samesite=lax" in https
    loopback = make_settings(url, "http://127.0.0.1:9", public_base_url="http://127.0.0.1:8000")
    plain = login_cookie(loopback)
    assert "secure" not in plain and "httponly" in plain and "samesite=lax" in plain


def test_the_api_schema_and_docs_are_not_served(app_factory: AppFactory) -> None:
    running = app_factory()
    for path in ("/openapi.json", "/docs", "/redoc", "/docs/oauth2-redirect"):
        answer = httpx.get(f"{running.url}{path}")
        assert answer.status_code == 404, path
        assert "/sms/inbound" not in answer.text, path
