"""The sandbox carrier, spoken to by the real twilio client over real HTTP (uvicorn)."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from messaging import segments
from messaging.sandbox import Sandbox, create_sandbox_app, e164
from messaging.twilio_client import RebasingHttpClient, build_twilio_client
from records.settings import (
    REAL_TWILIO_API,
    SANDBOX_ACCOUNT_SID,
    SANDBOX_AUTH_TOKEN,
    SANDBOX_FROM_NUMBER,
    Settings,
)
from tests.support.servers import serve_in_thread
from tests.support.twilio import phone_send

PERSON = "+12125550101"
OTHER_PERSON = "+12125550102"
SID = re.compile(r"^SM[0-9a-f]{32}$")


@dataclass(frozen=True)
class Received:
    url: str
    params: dict[str, str]
    signature: str


class Receiver:
    """A stand-in for the app: records every POST it gets and answers `status_code`."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.status_code = 200
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/{path:path}", self._record, methods=["POST"])])

    async def _record(self, request: Request) -> PlainTextResponse:
        form = await request.form()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        signature = request.headers.get("x-twilio-signature", "")
        with self._lock:
            self.requests.append(Received(str(request.url), params, signature))
        return PlainTextResponse("", status_code=self.status_code)

    def to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.url.endswith(path)]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
        self.status_code = 200


@dataclass
class World:
    sandbox: Sandbox
    receiver: Receiver
    sandbox_url: str
    receiver_url: str

    def settings(self, account_sid: str | None = None, auth_token: str | None = None) -> Settings:
        return Settings(
            _env_file=None,
            twilio_account_sid=account_sid,
            twilio_auth_token=auth_token,
            twilio_api_base_url=f"{self.sandbox_url}/sandbox/twilio",
            secret_key="sandbox-test-secret-key-0123456789",  # credentials need a real key
        )


@pytest.fixture(scope="module")
def world_servers() -> Iterator[World]:
    receiver = Receiver()
    with serve_in_thread(receiver.app) as receiver_url:
        sandbox = Sandbox(
            SANDBOX_ACCOUNT_SID,
            SANDBOX_AUTH_TOKEN,
            SANDBOX_FROM_NUMBER,
            f"{receiver_url}/sms/inbound",
            callback_delay_seconds=0,
            http_timeout=5,
        )
        with serve_in_thread(create_sandbox_app(sandbox)) as sandbox_url:
            yield World(sandbox, receiver, sandbox_url, receiver_url)


@pytest.fixture
def world(world_servers: World) -> World:
    world_servers.sandbox.clear()
    world_servers.sandbox.max_body_chars = 1600
    world_servers.sandbox.messaging_service_sid = None
    world_servers.receiver.reset()
    return world_servers


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def signed_ok(received: Received) -> bool:
    validator = RequestValidator(SANDBOX_AUTH_TOKEN)
    return bool(validator.validate(received.url, received.params, received.signature))


# --- Messages.create through the real client ------------------------------------------------


def test_create_returns_a_twilio_message_instance(world: World) -> None:
    client = build_twilio_client(world.settings())

    sent = client.messages.create(to=PERSON, from_=SANDBOX_FROM_NUMBER, body="Hi Sam")

    assert SID.match(sent.sid)
    assert (sent.to, sent.from_, sent.body) == (PERSON, SANDBOX_FROM_NUMBER, "Hi Sam")
    assert (sent.status, sent.num_segments, sent.direction) == ("queued", "1", "outbound-api")
    assert sent.account_sid == SANDBOX_ACCOUNT_SID
    assert sent.date_created is not None and sent.error_code is None
    [recorded] = world.sandbox.messages_to(PERSON)
    assert (recorded.sid, recorded.body, recorded.from_) == (
        sent.sid,
        "Hi Sam",
        SANDBOX_FROM_NUMBER,
    )
    assert world.sandbox.create_attempts == 1


def test_messaging_service_send_is_accepted_without_a_from(world: World) -> None:
    world.sandbox.messaging_service_sid = "MG" + "0" * 32
    client = build_twilio_client(world.settings())

    sent = client.messages.create(to=PERSON, messaging_service_sid="MG" + "0" * 32, body="Hi")

    assert (sent.status, sent.from_, sent.messaging_service_sid) == (
        "accepted",
        None,
        "MG" + "0" * 32,
    )
    assert world.sandbox.messages_to(PERSON)[0].from_ == SANDBOX_FROM_NUMBER


def test_wrong_credentials_are_refused_with_401(world: World) -> None:
    settings = world.settings(SANDBOX_ACCOUNT_SID, "wrong")

    with pytest.raises(TwilioRestException) as caught:
        build_twilio_client(settings).messages.create(
            to=PERSON, from_=SANDBOX_FROM_NUMBER, body="x"
        )

    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert world.sandbox.messages == [] and world.sandbox.create_attempts == 1


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (500, None, ""),
        (429, None, ""),
        (400, 21610, "Attempt to send to unsubscribed recipient"),
        (400, 21211, "Invalid 'To' Phone Number"),
    ],
)
def test_scripted_failures_surface_as_twilio_exceptions(
    world: World, status: int, code: int | None, message: str
) -> None:
    client = build_twilio_client(world.settings())
    world.sandbox.script_failure(status, code, message)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=PERSON, from_=SANDBOX_FROM_NUMBER, body="x")

    expected_code = code or {500: 20500, 429: 20429}[status]
    assert (caught.value.status, caught.value.code) == (status, expected_code)
    assert message in caught.value.msg
    assert world.sandbox.create_attempts == 1, "the client must not retry by itself"
    client.messages.create(to=PERSON, from_=SANDBOX_FROM_NUMBER, body="x")  # script used up
    assert len(world.sandbox.messages) == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": "", "body": "x"}, 21604),
        ({"to": PERSON}, 21602),
        ({"to": "not a number", "body": "x"}, 21211),
        ({"to": PERSON, "body": "x" * 1601}, 21617),
        ({"to": PERSON, "body": "x", "from_": "+12125550199"}, 21606),
    ],
)
def test_invalid_creates_get_twilio_400s(world: World, kwargs: dict[str, str], code: int) -> None:
    client = build_twilio_client(world.settings())
    kwargs.setdefault("from_", SANDBOX_FROM_NUMBER)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(**kwargs)

    assert (caught.value.status, caught.value.code) == (400, code)
    assert world.sandbox.messages == []


@pytest.mark.parametrize(
    "body",
    ["Feeling ok today 🙂💪 — thanks, “really”", "Ünïcödé ✓ " * 3 + "a" * 5000],
    ids=["emoji", "5000-chars"],
)
def test_bodies_round_trip_intact(world: World, body: str) -> None:
    world.sandbox.max_body_chars = None  # real Twilio stops at 1600 (21617, tested above)
    client = build_twilio_client(world.settings())

    sent = client.messages.create(to=PERSON, from_=SANDBOX_FROM_NUMBER, body=body)

    assert sent.body == body
    assert world.sandbox.messages[0].body == body
    assert sent.num_segments == str(segments.count(body).segments)


def test_slow_answers_time_the_client_out_but_the_message_is_still_accepted(world: World) -> None:
    world.sandbox.script_delay(1.0)
    client = build_twilio_client(world.settings(), timeout=0.2)

    with pytest.raises(Exception) as caught:  # requests' ReadTimeout: twilio doesn't wrap it
        client.messages.create(to=PERSON, from_=SANDBOX_FROM_NUMBER, body="slow")

    assert "Timeout" in type(caught.value).__name__
    wait_for(lambda: len(world.sandbox.messages) == 1)  # a retry would send it twice


# --- status callbacks ----------------------------------------------------------------------


def test_status_callbacks_are_signed_sent_then_delivered(world: World) -> None:
    callback = f"{world.receiver_url}/sms/status"
    client = build_twilio_client(world.settings())

    sent = client.messages.create(
        to=PERSON, from_=SANDBOX_FROM_NUMBER, body="hi", status_callback=callback
    )

    wait_for(lambda: len(world.receiver.to("/sms/status")) == 2)
    first, second = world.receiver.to("/sms/status")
    assert [first.params["MessageStatus"], second.params["MessageStatus"]] == ["sent", "delivered"]
    for received in (first, second):
        assert received.url == callback and signed_ok(received)
        assert received.params["MessageSid"] == received.params["SmsSid"] == sent.sid
        assert received.params["AccountSid"] == SANDBOX_ACCOUNT_SID
        assert (received.params["From"], received.params["To"]) == (SANDBOX_FROM_NUMBER, PERSON)
        assert "ErrorCode" not in received.params
    assert world.sandbox.messages[0].status == "delivered"


def test_scripted_delivery_failure_reports_undelivered_with_error_code(world: World) -> None:
    world.sandbox.script_delivery_failure(error_code=30003)
    client = build_twilio_client(world.settings())
    callback = f"{world.receiver_url}/sms/status"

    client.messages.create(
        to=PERSON, from_=SANDBOX_FROM_NUMBER, body="hi", status_callback=callback
    )

    wait_for(lambda: len(world.receiver.to("/sms/status")) == 2)
    first, second = world.receiver.to("/sms/status")
    assert (first.params["MessageStatus"], second.params["MessageStatus"]) == (
        "sent",
        "undelivered",
    )
    assert second.params["ErrorCode"] == "30003" and signed_ok(second)
    assert world.sandbox.messages[0].error_code == 30003


def test_unreachable_callback_is_logged_without_body_or_number(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = build_twilio_client(world.settings())
    body = "private words about my day"

    client.messages.create(
        to=PERSON, from_=SANDBOX_FROM_NUMBER, body=body, status_callback="http://127.0.0.1:9/x"
    )

    wait_for(lambda: world.sandbox.messages[0].status == "delivered")
    wait_for(lambda: "status callback" in caplog.text)
    assert body not in caplog.text
    assert PERSON[2:] not in caplog.text and SANDBOX_FROM_NUMBER[2:] not in caplog.text


# --- the phone page ------------------------------------------------------------------------


def test_phone_page_renders_the_thread_and_form(world: World) -> None:
    page = httpx.get(f"{world.sandbox_url}/sandbox/phone", params={"number": PERSON})

    assert page.status_code == 200
    assert 'id="compose"' in page.text and 'data-number="+12125550101"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = httpx.get(f"{world.sandbox_url}/sandbox/phone/static/sandbox.js")
    assert script.status_code == 200 and "textContent" in script.text


def test_phone_page_refuses_a_number_that_is_markup(world: World) -> None:
    page = httpx.get(f"{world.sandbox_url}/sandbox/phone", params={"number": "<script>1</script>"})

    assert page.status_code == 400 and "<script>" not in page.text


def test_phone_send_posts_a_signed_twilio_webhook(world: World) -> None:
    answer = phone_send(world.sandbox_url, json={"number": PERSON, "body": "hey 👋"})

    assert answer.json() | {"sid": "-"} == {
        "ok": True,
        "sid": "-",
        "gateway_status": 200,
        "error": None,
    }
    [hook] = world.receiver.to("/sms/inbound")
    assert hook.url == f"{world.receiver_url}/sms/inbound" and signed_ok(hook)
    assert SID.match(hook.params["MessageSid"])
    assert hook.params["MessageSid"] == hook.params["SmsSid"] == hook.params["SmsMessageSid"]
    assert (hook.params["From"], hook.params["To"]) == (PERSON, SANDBOX_FROM_NUMBER)
    assert (hook.params["Body"], hook.params["NumMedia"]) == ("hey 👋", "0")
    assert hook.params["AccountSid"] == SANDBOX_ACCOUNT_SID and hook.params["FromCountry"] == "US"


def test_phone_send_with_a_picture_carries_media_fields(world: World) -> None:
    phone_send(world.sandbox_url, data={"number": PERSON, "body": "", "media": "1"})

    [hook] = world.receiver.to("/sms/inbound")
    assert signed_ok(hook) and hook.params["NumMedia"] == "1"
    assert hook.params["MessageSid"].startswith("MM")
    assert hook.params["MediaContentType0"] == "image/jpeg" and hook.params["MediaUrl0"]


def test_phone_send_reports_a_failing_or_missing_gateway(world: World) -> None:
    world.receiver.status_code = 500
    failing = phone_send(world.sandbox_url, json={"number": PERSON, "body": "hello?"}).json()
    world.sandbox.webhook_url, saved = "http://127.0.0.1:9/sms/inbound", world.sandbox.webhook_url
    try:
        missing = phone_send(world.sandbox_url, json={"number": PERSON, "body": "anyone?"}).json()
    finally:
        world.sandbox.webhook_url = saved

    assert (failing["ok"], failing["gateway_status"]) == (False, 500)
    assert (missing["ok"], missing["gateway_status"]) == (False, None) and missing["error"]
    assert [m.gateway_status for m in world.sandbox.inbound] == [500, None]


def test_thread_has_both_directions_in_order_for_one_number(world: World) -> None:
    client = build_twilio_client(world.settings())
    phone_send(world.sandbox_url, json={"number": PERSON, "body": "one"})
    client.messages.create(to=PERSON, from_=SANDBOX_FROM_NUMBER, body="<b>two</b>")
    client.messages.create(to=OTHER_PERSON, from_=SANDBOX_FROM_NUMBER, body="someone else")

    by_query = httpx.get(f"{world.sandbox_url}/sandbox/phone/thread.json?number={PERSON}")
    by_header = httpx.get(
        f"{world.sandbox_url}/sandbox/phone/thread.json", headers={"X-Sandbox-Number": PERSON}
    )

    messages = by_header.json()["messages"]
    assert by_query.json() == by_header.json()  # the unencoded '+' arrives as a space
    assert [(m["direction"], m["body"]) for m in messages] == [
        ("inbound", "one"),
        ("outbound-api", "<b>two</b>"),
    ]


# --- pieces --------------------------------------------------------------------------------


def test_rebasing_is_a_no_op_against_real_twilio() -> None:
    url = f"https://api.twilio.com/2010-04-01/Accounts/{SANDBOX_ACCOUNT_SID}/Messages.json"

    assert RebasingHttpClient(REAL_TWILIO_API).rebase(url) == url
    local = RebasingHttpClient("http://127.0.0.1:8000/sandbox/twilio")
    assert local.rebase(url).startswith("http://127.0.0.1:8000/sandbox/twilio/2010-04-01/")
    regional = url.replace("api.twilio.com", "api.dublin.ie1.twilio.com")
    assert local.rebase(regional) == local.rebase(url)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+12125550101", "+12125550101"),
        (" 12125550101", "+12125550101"),
        ("(212) 555-0101", "+12125550101"),
        ("<script>", None),
        ("12", None),
    ],
)
def test_phone_numbers_are_normalised(raw: str, expected: str | None) -> None:
    assert e164(raw) == expected


def test_real_credentials_with_the_default_secret_key_are_refused() -> None:
    """Console cookies signed with a published key could be forged: refuse to start."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None, twilio_account_sid="AC" + "2" * 32, twilio_auth_token="t")


def test_a_production_start_without_an_on_call_number_is_refused() -> None:
    from pydantic import ValidationError

    """With the real Twilio API, a crisis at night with nobody on shift must page someone."""
    with pytest.raises(ValidationError, match="ON_CALL_NUMBER"):
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            twilio_account_sid="AC" + "1" * 32,
            twilio_auth_token="real-looking-token",
            secret_key="a-long-random-production-secret-0123456789",
            public_base_url="https://peerline.example.org",
        )
    ok = Settings(
        _env_file=None,  # type: ignore[call-arg]
        twilio_account_sid="AC" + "1" * 32,
        twilio_auth_token="real-looking-token",
        secret_key="a-long-random-production-secret-0123456789",
        on_call_number="+12125550159",
        public_base_url="https://peerline.example.org",
    )
    assert not ok.sandbox


@pytest.mark.parametrize("half", ["twilio_account_sid", "twilio_auth_token"])
def test_half_the_twilio_credentials_are_refused(half: str) -> None:
    from pydantic import ValidationError

    value = "AC" + "1" * 32 if half == "twilio_account_sid" else "token"
    with pytest.raises(ValidationError, match="both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"):
        Settings(_env_file=None, **{half: value})  # type: ignore[call-arg]
