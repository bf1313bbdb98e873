"""The sandbox's edges: it calls back loopback addresses only, and its phone page's send
refuses posts that did not come from the page (cross-site forms, foreign origins)."""

from __future__ import annotations

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException

from messaging.sandbox.shapes import is_loopback_url
from messaging.twilio_client import build_twilio_client
from records.settings import SANDBOX_FROM_NUMBER
from tests.messaging.test_sandbox import PERSON, World, wait_for, world, world_servers
from tests.support.twilio import phone_send

__all__ = ["world", "world_servers"]  # the fixtures, shared with test_sandbox.py


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000/sms/status", True),
        ("http://127.8.9.10/sms/status", True),
        ("http://[::1]:8000/sms/status", True),
        ("http://localhost/sms/status", True),
        ("http://10.0.0.5/sms/status", False),
        ("http://169.254.169.254/latest/meta-data", False),
        ("https://example.com/sms/status", False),
        ("http://127.0.0.1.example.com/sms/status", False),
        ("http://localhost.example.com/", False),
        ("file:///etc/passwd", False),
        ("http://[::1/", False),
    ],
)
def test_only_loopback_urls_count_as_loopback(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


@pytest.mark.parametrize(
    "callback", ["http://169.254.169.254/latest/meta-data", "https://example.com/hook"]
)
def test_a_callback_to_another_host_is_refused_with_a_clear_error(
    world: World, callback: str
) -> None:
    client = build_twilio_client(world.settings())
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(
            to=PERSON, from_=SANDBOX_FROM_NUMBER, body="hi", status_callback=callback
        )
    assert refused.value.status == 400 and refused.value.code == 21609
    assert "loopback" in refused.value.msg
    assert world.sandbox.messages == [], "nothing accepted, so nothing will be called back"


def test_a_loopback_callback_is_still_called(world: World) -> None:
    client = build_twilio_client(world.settings())
    callback = world.receiver_url.replace("127.0.0.1", "localhost") + "/sms/status"
    client.messages.create(
        to=PERSON, from_=SANDBOX_FROM_NUMBER, body="hi", status_callback=callback
    )
    wait_for(lambda: len(world.receiver.to("/sms/status")) == 2)


def test_a_cross_site_form_post_sends_nothing(world: World) -> None:
    """What a hostile page can do: post a form to the sandbox from another origin."""
    forged = httpx.post(
        f"{world.sandbox_url}/sandbox/phone/send",
        data={"number": PERSON, "body": "forged"},
        headers={"Origin": "https://evil.example"},
    )
    assert forged.status_code == 403
    assert world.receiver.to("/sms/inbound") == [] and world.sandbox.inbound == []


def test_the_token_from_another_origin_is_refused(world: World) -> None:
    page = httpx.get(f"{world.sandbox_url}/sandbox/phone")
    token = page.text.split('data-token="', 1)[1].split('"', 1)[0]
    refused = httpx.post(
        f"{world.sandbox_url}/sandbox/phone/send",
        json={"number": PERSON, "body": "forged"},
        headers={"X-Sandbox-Token": token, "Origin": "https://evil.example"},
    )
    wrong = httpx.post(
        f"{world.sandbox_url}/sandbox/phone/send",
        json={"number": PERSON, "body": "forged"},
        headers={"X-Sandbox-Token": token[::-1]},
    )
    assert (refused.status_code, wrong.status_code) == (403, 403)
    assert world.receiver.to("/sms/inbound") == []


def test_the_page_and_its_script_send_with_the_token(world: World) -> None:
    origin = world.sandbox_url
    sent = phone_send(origin, json={"number": PERSON, "body": "hello"})
    assert sent.status_code == 200 and sent.json()["ok"]
    script = httpx.get(f"{origin}/sandbox/phone/static/sandbox.js").text
    assert '"X-Sandbox-Token": root.dataset.token' in script
    token = httpx.get(f"{origin}/sandbox/phone").text.split('data-token="', 1)[1].split('"')[0]
    same_origin = httpx.post(
        f"{origin}/sandbox/phone/send",
        json={"number": PERSON, "body": "again"},
        headers={"X-Sandbox-Token": token, "Origin": origin},
    )
    assert same_origin.status_code == 200
    assert [m.body for m in world.sandbox.inbound] == ["hello", "again"]
