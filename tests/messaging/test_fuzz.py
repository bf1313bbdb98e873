"""Fuzzing the edges anyone on the internet can reach: Twilio's inbound and status webhooks
(signed with the real RequestValidator over the fuzzed fields, and unsigned), and the
console's log-in and reply forms. Odd encodings, invalid UTF-8, NUL bytes, 10,000 fields,
huge values, wrong types, repeated keys, emoji. Never a 500, never an unhandled or logged
error, and nothing stored from an unsigned request.

`make bench` runs the long profile: `--hypothesis-profile=long`.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from console.auth import add_staff
from messaging.webhooks import MAX_WEBHOOK_BYTES, storable
from peerline.app import create_app
from records import migrate
from records.db import Database
from records.models import CaseLevel, Message, StaffRole
from records.participants import enrol
from tests.conftest import AUTH_TOKEN, PG_ADMIN_URL, make_settings
from tests.support.cases import open_case

BASE = "http://127.0.0.1:9"  # the public URL Twilio signs; the in-process app is never dialled
PASSWORD = "a long synthetic passphrase"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# How many examples comes from the profile (tests/conftest.py): "suite" or "long".
FUZZ = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class Errors(logging.Handler):
    """Every ERROR the app logs while fuzzed: each one is a failure."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Fuzzed:
    client: TestClient  # a peer, logged in
    anonymous: TestClient
    db: Database
    errors: Errors
    reply_path: str

    def stored(self) -> int:
        with self.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(Message)) or 0)

    def check(self, status: int) -> None:
        assert status < 500, f"the server answered {status}"
        assert not self.errors.records, self.errors.records[0].getMessage()


def _database(kind: str, tmp: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/fuzz.db"
        return
    admin = PG_ADMIN_URL
    name = f"peerline_fuzz_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=2) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {type(exc).__name__}")
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    """The whole app in-process (no loops), a peer logged in on a claimed case."""
    for url in _database(request.param, str(tmp_path_factory.mktemp("fuzz"))):
        migrate.upgrade(url)
        app = create_app(make_settings(url, "http://127.0.0.1:9"), run_loops=False)
        db: Database = app.state.peerline.db
        case_path = _claimed_case(db)
        errors = Errors()
        logging.getLogger().addHandler(errors)
        try:
            with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
                _log_in(client)
                client.post(f"{case_path}/claim", data={"csrf_token": _token(client, case_path)})
                anonymous = TestClient(app, base_url=BASE, raise_server_exceptions=False)
                yield Fuzzed(client, anonymous, db, errors, f"{case_path}/reply")
        finally:
            logging.getLogger().removeHandler(errors)


def _claimed_case(db: Database) -> str:
    with db.session() as session:
        add_staff(session, "rae@peers.example", "Rae", StaffRole.PEER, PASSWORD)
        person = enrol(
            session, phone="+15555550142", alias="Sam", timezone="UTC", consented_at=None
        )
        person_id = person.id
    case_id = open_case(db, person_id, CaseLevel.URGENT, datetime.now(UTC), ("using_alone",))
    return f"/console/cases/{case_id}"


def _token(client: TestClient, path: str) -> str:
    match = TOKEN.search(client.get(path).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _log_in(client: TestClient) -> None:
    token = _token(client, "/console/login")
    data = {"email": "rae@peers.example", "password": PASSWORD, "csrf_token": token}
    assert client.post("/console/login", data=data, follow_redirects=False).status_code == 303


# --- strategies ---------------------------------------------------------------------------

TWILIO_KEYS = ["MessageSid", "SmsSid", "From", "To", "Body", "NumMedia", "AccountSid"]
STATUS_KEYS = ["MessageSid", "MessageStatus", "ErrorCode", "SmsStatus", "To", "From"]
WRONG = ["", " ", "😀👋🏽", "+15555550142", "STOP", "-1", "9" * 40, "²", "٣", "NaN", "\x00"]
odd_text = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50).map(lambda s: s + "\x00"),
    st.sampled_from(WRONG),
    st.integers().map(str),
    st.integers(1000, 70_000).map(lambda n: "é" * n),  # huge, over the limit once encoded
)


def fields(keys: list[str]) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Form fields as pairs, so keys repeat: Twilio's own names and anything else."""
    key = st.one_of(st.sampled_from(keys), st.text(max_size=20))
    return st.lists(st.tuples(key, odd_text), max_size=12)


raw_bodies = st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=200).map(lambda b: b"MessageSid=SM1&From=%2B1555&Body=" + b),
    st.just(b"&".join(b"k%d=%d" % (i, i) for i in range(10_000))),  # 10,000 fields
    st.just(b"Body=" + b"\xff\xfe\x00" * 30_000),  # invalid UTF-8, over the limit
)
content_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data; boundary=xyz",
        "multipart/form-data",
        "application/json",
        "text/plain; charset=utf-16",
        "",
    ]
)


def signature(path: str, pairs: list[tuple[str, str]]) -> str:
    """What Twilio would send: the validator's signature over the fields it posts (a
    repeated key: its last value, as the gateway reads it)."""
    return str(RequestValidator(AUTH_TOKEN).compute_signature(f"{BASE}{path}", dict(pairs)))


# --- the webhooks -------------------------------------------------------------------------


@FUZZ
@given(
    path=st.sampled_from(["/sms/inbound", "/sms/status"]),
    pairs=fields(TWILIO_KEYS + STATUS_KEYS),
)
def test_signed_webhooks_never_fail(
    fuzzed: Fuzzed, path: str, pairs: list[tuple[str, str]]
) -> None:
    pairs = [("MessageSid", "SM" + secrets.token_hex(16)), ("From", "+15555550142"), *pairs]
    body = urlencode(pairs).encode()
    headers = {
        "X-Twilio-Signature": signature(path, pairs),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    response = fuzzed.client.post(path, content=body, headers=headers)
    fuzzed.check(response.status_code)
    assert response.status_code == expected(path, dict(pairs), len(body))
    if response.status_code == 200:  # Twilio's text is kept, whatever it holds
        sid = storable(pairs_last(pairs, "MessageSid", "SmsSid"))[:64]
        with fuzzed.db.session() as session:
            assert session.scalar(select(Message.id).where(Message.twilio_sid == sid))


def pairs_last(pairs: list[tuple[str, str]], *keys: str) -> str:
    params = dict(pairs)
    return next((params[k] for k in keys if params.get(k)), "")


def expected(path: str, params: dict[str, str], size: int) -> int:
    """What a correctly signed webhook gets: the gateway's documented answers."""
    if size > MAX_WEBHOOK_BYTES:
        return 413
    if path == "/sms/inbound":
        sid = params.get("MessageSid") or params.get("SmsSid")
        return 200 if sid and params.get("From", "").strip() else 400
    return 204 if params.get("MessageSid") and params.get("MessageStatus") else 400


@FUZZ
@given(
    path=st.sampled_from(["/sms/inbound", "/sms/status"]),
    pairs=fields(TWILIO_KEYS + STATUS_KEYS),
    raw=st.none() | raw_bodies,
    content_type=content_types,
    forged=st.sampled_from(["", "forged", "A" * 28 + "=", "\u00e9"]),
)
def test_unsigned_webhooks_are_refused_and_store_nothing(
    fuzzed: Fuzzed,
    path: str,
    pairs: list[tuple[str, str]],
    raw: bytes | None,
    content_type: str,
    forged: str,
) -> None:
    before = fuzzed.stored()
    body = raw if raw is not None else urlencode(pairs).encode()
    headers: dict[str, str | bytes] = {"Content-Type": content_type} if content_type else {}
    if forged:
        headers["X-Twilio-Signature"] = forged.encode()  # raw bytes: é is not ASCII
    response = fuzzed.client.post(path, content=body, headers=headers)
    fuzzed.check(response.status_code)
    assert response.status_code in (403, 413)
    assert fuzzed.stored() == before, "an unsigned request stored something"


# --- the console forms --------------------------------------------------------------------


@FUZZ
@given(pairs=fields(["email", "password", "csrf_token"]), raw=st.none() | raw_bodies)
def test_log_in_form_never_fails(
    fuzzed: Fuzzed, pairs: list[tuple[str, str]], raw: bytes | None
) -> None:
    body = raw if raw is not None else urlencode(pairs).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    response = fuzzed.anonymous.post("/console/login", content=body, headers=headers)
    fuzzed.check(response.status_code)
    assert response.status_code != 303, "a fuzzed form never logs anyone in"


@FUZZ
@given(pairs=fields(["body", "quick", "csrf_token"]), content_type=content_types)
@example(pairs=[("body", "\x00")], content_type="application/x-www-form-urlencoded")  # found
def test_reply_form_never_fails(
    fuzzed: Fuzzed, pairs: list[tuple[str, str]], content_type: str
) -> None:
    token = _token(fuzzed.client, fuzzed.reply_path.rsplit("/", 1)[0])
    pairs = [("csrf_token", token), *pairs]
    headers = {"Content-Type": content_type} if content_type else {}
    response = fuzzed.client.post(
        fuzzed.reply_path, content=urlencode(pairs).encode(), headers=headers
    )
    fuzzed.check(response.status_code)
