"""The peer console over real HTTP: log-in, CSRF, the role matrix, the live queue, and a case
worked end to end (claim, text, hand back, resolve) with the text reaching the sandbox."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from console import ROUTES
from console.access import COOKIE_NAME
from console.auth import add_staff
from messaging.sandbox import Sandbox
from records.db import Database
from records.models import (
    AuditEvent,
    Case,
    CaseLevel,
    CaseStatus,
    Debrief,
    Message,
    MessageKind,
    StaffRole,
    StaffUser,
)
from records.participants import enrol
from tests.conftest import RunningApp
from tests.support.cases import open_case
from tests.support.waiting import wait_for

PASSWORD = "a long synthetic passphrase"
SAM, ROBIN, KIM, JO = "+12125550101", "+12125550102", "+12125550103", "+12125550104"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
AppFactory = Callable[..., RunningApp]


# --- helpers (the browser test uses them too) -------------------------------------------


def make_staff(
    db: Database, role: StaffRole, email: str | None = None, active: bool = True
) -> StaffUser:
    with db.session() as session:
        email = email or f"{role}@peers.example"
        staff = add_staff(session, email, email.split("@")[0].title(), role, PASSWORD)
        staff.active = active
    return staff


def make_case(
    db: Database,
    phone: str,
    alias: str,
    level: CaseLevel = CaseLevel.URGENT,
    minutes_ago: float = 0,
    reasons: tuple[str, ...] = ("using_alone",),
) -> int:
    """A participant (enrolled if new) with an open case, as the gateway would open it."""
    opened = datetime.now().astimezone() - timedelta(minutes=minutes_ago)
    with db.session() as session:
        participant = enrol(
            session, phone=phone, alias=alias, timezone="America/New_York", consented_at=opened
        )
        participant_id = participant.id
    return open_case(db, participant_id, level, opened, reasons)


def token_of(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def log_in(url: str, email: str, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)  # a password check on a busy machine
    form = client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token_of(form.text)},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/console"
    return client


def post(client: httpx.Client, path: str, data: dict[str, str] | None = None) -> httpx.Response:
    """A form post with the CSRF token from the page it is posted from (or the queue)."""
    page = client.get(path.rsplit("/", 1)[0] if "/cases/" in path else "/console")
    return client.post(path, data={"csrf_token": token_of(page.text), **(data or {})})


def notice_of(response: httpx.Response) -> str:
    assert response.status_code == 303, (response.status_code, response.text[:300])
    return response.headers["location"].split("notice=")[-1]


def case_row(db: Database, case_id: int) -> Case:
    with db.session() as session:
        return session.get_one(Case, case_id)


@pytest.fixture
def running(app_factory: AppFactory) -> RunningApp:
    return app_factory()


@pytest.fixture
def clients() -> Iterator[list[httpx.Client]]:
    opened: list[httpx.Client] = []
    yield opened
    for client in opened:
        client.close()


# --- log-in and log-out ------------------------------------------------------------------


def test_log_in_sets_a_signed_http_only_cookie_and_log_out_ends_it(
    db: Database, running: RunningApp
) -> None:
    make_staff(db, StaffRole.PEER, "rae@peers.example")
    client = log_in(running.url, "RAE@peers.example ")
    cookie = client.cookies.get(COOKIE_NAME)
    assert cookie is not None
    # The signed payload holds two random tokens and nothing about who logged in. (Searching
    # the raw cookie for "rae" failed now and then: random base64 spells it by chance.)
    _, payload = URLSafeTimedSerializer("not-the-key").loads_unsafe(cookie)
    assert isinstance(payload, list) and len(payload) == 2
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", part) for part in payload)
    assert "Rae" in client.get("/console").text
    response = post(client, "/console/logout")
    assert response.headers["location"] == "/console/login?notice=logged_out"
    assert client.get("/console").headers["location"] == "/console/login"
    client.close()


def test_cookie_attributes(db: Database, running: RunningApp) -> None:
    response = httpx.get(f"{running.url}/console/login")
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header
    assert "samesite=lax" in header
    assert "path=/console" in header
    assert "no-store" in response.headers["cache-control"]
    assert "script-src 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("who", ["wrong password", "unknown e-mail", "inactive account"])
def test_failed_log_ins_say_the_same_thing(db: Database, running: RunningApp, who: str) -> None:
    make_staff(db, StaffRole.PEER, "rae@peers.example")
    make_staff(db, StaffRole.PEER, "gone@peers.example", active=False)
    email, password = {
        "wrong password": ("rae@peers.example", "not the passphrase at all"),
        "unknown e-mail": ("nobody@peers.example", PASSWORD),
        "inactive account": ("gone@peers.example", PASSWORD),
    }[who]
    with httpx.Client(base_url=running.url, timeout=30) as client:
        form = client.get("/console/login")
        response = client.post(
            "/console/login",
            data={"email": email, "password": password, "csrf_token": token_of(form.text)},
        )
        assert response.status_code == 401
        assert "don&#39;t match an active account" in response.text
        assert client.get("/console").status_code == 303


def test_deactivating_an_account_ends_its_session(db: Database, running: RunningApp) -> None:
    staff = make_staff(db, StaffRole.PEER)
    client = log_in(running.url, staff.email)
    with db.session() as session:
        session.get_one(StaffUser, staff.id).active = False
    assert client.get("/console").headers["location"] == "/console/login"
    client.close()


# --- CSRF ----------------------------------------------------------------------------------


def test_posts_without_or_with_a_forged_csrf_token_are_refused(
    db: Database, running: RunningApp
) -> None:
    staff = make_staff(db, StaffRole.PEER)
    other = make_staff(db, StaffRole.PEER, "other@peers.example")
    case_id = make_case(db, SAM, "Sam")
    client, stranger = log_in(running.url, staff.email), log_in(running.url, other.email)
    path = f"/console/cases/{case_id}/claim"
    assert client.post(path).status_code == 403
    assert client.post(path, data={"csrf_token": "forged"}).status_code == 403
    their_token = token_of(stranger.get("/console").text)
    assert client.post(path, data={"csrf_token": their_token}).status_code == 403
    assert case_row(db, case_id).status == CaseStatus.OPEN
    header = {"x-csrf-token": token_of(client.get("/console").text)}
    assert notice_of(client.post(path, headers=header)) == "claimed"
    client.close()
    stranger.close()


def test_log_in_itself_needs_the_csrf_token(db: Database, running: RunningApp) -> None:
    make_staff(db, StaffRole.PEER, "rae@peers.example")
    data = {"email": "rae@peers.example", "password": PASSWORD}
    with httpx.Client(base_url=running.url) as client:
        assert client.post("/console/login", data=data).status_code == 403  # no cookie at all
        client.get("/console/login")
        assert client.post("/console/login", data=data).status_code == 403  # cookie, no token


def test_every_console_route_is_in_the_table(running: RunningApp) -> None:
    """No console route exists outside `ROUTES`, so none can skip the guard."""
    served = {}
    for route in running.app.routes:
        router = getattr(route, "original_router", None)  # FastAPI's included routers
        for inner in getattr(router, "routes", [route]):
            path = getattr(inner, "path", "")
            if path.startswith("/console"):
                served[inner.name] = (sorted(getattr(inner, "methods", [])), path)
    assert served == {name: ([r.method], r.path) for name, r in ROUTES.items()}


def test_coordinators_read_cases_but_cannot_act(db: Database, running: RunningApp) -> None:
    coordinator = log_in(running.url, make_staff(db, StaffRole.COORDINATOR).email)
    case_id = make_case(db, SAM, "Sam")
    page = coordinator.get(f"/console/cases/{case_id}")
    assert page.status_code == 200
    assert "Claim this case" not in page.text
    assert post(coordinator, f"/console/cases/{case_id}/claim").status_code == 403
    coordinator.close()


# --- the queue ------------------------------------------------------------------------------


def test_queue_orders_by_priority_then_age_and_hides_numbers(
    db: Database, running: RunningApp
) -> None:
    support = make_case(db, SAM, "Sam", CaseLevel.SUPPORT, 60, ("wants_peer",))
    newer_urgent = make_case(db, ROBIN, "Robin", CaseLevel.URGENT, 5)
    older_urgent = make_case(db, KIM, "Kim", CaseLevel.URGENT, 20, ("suicidal_thoughts",))
    emergency = make_case(db, JO, "Jo", CaseLevel.EMERGENCY, 1, ("overdose_now",))
    client = log_in(running.url, make_staff(db, StaffRole.PEER).email)
    html = client.get("/console/queue").text
    order = [int(n) for n in re.findall(r'data-case-id="(\d+)"', html)]
    assert order == [emergency, older_urgent, newer_urgent, support]
    assert "20 min" in html and "Suicidal thoughts" in html and "Overdose happening now" in html
    for phone in (SAM, ROBIN, KIM, JO):
        assert phone not in html and phone[2:] not in html and phone[-4:] not in html
    assert "…01" in html  # the masked number: last two digits only
    client.close()


def test_events_stream_announces_changes(db: Database, running: RunningApp) -> None:
    client = log_in(running.url, make_staff(db, StaffRole.PEER).email)
    with client.stream("GET", "/console/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        assert "event: ready" in next(line for line in lines if line.startswith("event"))
        running.app.state.console.notify()
        assert next(line for line in lines if line.startswith("event")) == "event: queue"
    client.close()


# --- working a case ---------------------------------------------------------------------------


def test_claim_reply_hand_back_resolve(
    db: Database, running: RunningApp, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    peer = make_staff(db, StaffRole.PEER, "rae@peers.example")
    case_id = make_case(db, SAM, "Sam", CaseLevel.EMERGENCY, reasons=("overdose_now",))
    client = log_in(running.url, peer.email)
    page = f"/console/cases/{case_id}"

    assert notice_of(post(client, f"{page}/claim")) == "claimed"
    assert notice_of(post(client, f"{page}/claim")) == "already_yours"  # a double tap

    body = "Hi Sam, it's Rae. I'm here with you. Are you somewhere safe?"
    assert notice_of(post(client, f"{page}/reply", {"body": body})) == "sent"
    assert notice_of(post(client, f"{page}/reply", {"body": body})) == "duplicate"
    sent = wait_for(
        lambda: [m for m in sandbox.messages_to(SAM) if m.body == body],
        timeout=10,
        what="the peer's text",
    )
    assert len(sent) == 1, "a double tap sends once"
    assert "Peer: Rae" in client.get(page).text

    assert notice_of(post(client, f"{page}/hand-back")) == "handed_back"
    assert notice_of(post(client, f"{page}/hand-back")) == "already_handed_back"
    assert case_row(db, case_id).pauses_bot is False
    assert "Handed back, still to resolve" in client.get("/console/queue").text  # findable

    form = {
        "outcome": "safe",
        "moud": "resumed",
        "fidelity_safety_assessed": "on",
        "notes": "Sam is with a friend.",
    }
    assert notice_of(post(client, f"{page}/resolve", form)) == "resolved"
    assert notice_of(post(client, f"{page}/resolve", form)) == "resolved_already"
    resolved = case_row(db, case_id)
    assert resolved.status == CaseStatus.RESOLVED
    assert resolved.fidelity["safety_assessed"] is True
    assert resolved.fidelity["naloxone_discussed"] is False
    assert resolved.moud_linkage == "resumed"

    debrief = client.get(page).text
    assert "That was a hard one" in debrief and "your supervisor is" in debrief.lower()
    response = post(client, f"{page}/debrief", {"note": "Rough night."})
    assert notice_of(response) == "debrief_saved"
    assert "That was a hard one" not in client.get(page).text
    assert "Rough night." not in (case_row(db, case_id).notes or ""), "not the participant's"
    with db.session() as session:
        notes = session.scalars(select(Debrief.note).where(Debrief.case_id == case_id)).all()
    assert notes == ["Rough night."], "kept for the supervisor"

    assert body not in caplog.text and SAM not in caplog.text
    client.close()


def test_reply_refuses_empty_and_over_long_text(
    db: Database, running: RunningApp, sandbox: Sandbox
) -> None:
    case_id = make_case(db, SAM, "Sam")
    client = log_in(running.url, make_staff(db, StaffRole.PEER).email)
    page = f"/console/cases/{case_id}"
    post(client, f"{page}/claim")
    empty = post(client, f"{page}/reply", {"body": "   "})
    assert empty.status_code == 400 and "Write a message first" in empty.text
    long = post(client, f"{page}/reply", {"body": "word " * 200})
    assert long.status_code == 400 and "Too long: that is 7 texts" in long.text
    assert "word word" in long.text  # the draft is kept
    with db.session() as session:
        peer_texts = session.scalars(select(Message).where(Message.kind == MessageKind.PEER))
        assert list(peer_texts) == [], "nothing was queued for the participant"
    client.close()


def test_texting_needs_a_claim_and_resolve_needs_an_outcome(
    db: Database, running: RunningApp
) -> None:
    case_id = make_case(db, SAM, "Sam")
    client = log_in(running.url, make_staff(db, StaffRole.PEER).email)
    page = f"/console/cases/{case_id}"
    assert notice_of(post(client, f"{page}/reply", {"body": "hello"})) == "not_claimed"
    post(client, f"{page}/claim")
    missing = post(client, f"{page}/resolve", {"outcome": "maybe"})
    assert missing.status_code == 400 and "Choose an outcome" in missing.text
    assert client.get("/console/cases/999999").status_code == 404
    client.close()


def test_double_claim_has_one_winner(
    db: Database, running: RunningApp, clients: list[httpx.Client]
) -> None:
    case_id = make_case(db, SAM, "Sam", CaseLevel.EMERGENCY)
    path = f"/console/cases/{case_id}/claim"
    for n in range(4):
        clients.append(log_in(running.url, make_staff(db, StaffRole.PEER, f"p{n}@x.example").email))
    tokens = [token_of(c.get("/console").text) for c in clients]
    barrier, notices = threading.Barrier(len(clients)), [""] * len(clients)

    def claim(n: int) -> None:
        barrier.wait()
        notices[n] = notice_of(clients[n].post(path, data={"csrf_token": tokens[n]}))

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(notices) == ["claimed", "taken", "taken", "taken"]
    winner = clients[notices.index("claimed")]
    assert "Claimed" in winner.get(f"/console/cases/{case_id}").text


def test_claims_stop_at_the_cap_and_say_why(db: Database, running: RunningApp) -> None:
    client = log_in(running.url, make_staff(db, StaffRole.PEER).email)
    ids = [make_case(db, phone, "P") for phone in (SAM, ROBIN, KIM)]
    assert notice_of(post(client, f"/console/cases/{ids[0]}/claim")) == "claimed"
    assert notice_of(post(client, f"/console/cases/{ids[1]}/claim")) == "claimed"
    assert notice_of(post(client, f"/console/cases/{ids[2]}/claim")) == "cap"
    page = client.get(f"/console/cases/{ids[2]}?notice=cap").text
    assert "You already have 2 urgent or emergency cases" in page
    client.close()


def test_views_are_audited(db: Database, running: RunningApp) -> None:
    staff = make_staff(db, StaffRole.SUPERVISOR)
    case_id = make_case(db, SAM, "Sam")
    client = log_in(running.url, staff.email)
    client.get(f"/console/cases/{case_id}")
    client.get(f"/console/cases/{case_id}/thread")
    with db.session() as session:
        participant_id = session.get_one(Case, case_id).participant_id
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        seen = [(e.staff_id, e.participant_id, e.action) for e in events]
    assert (staff.id, participant_id, "view_case") in seen
    assert (staff.id, participant_id, "view_thread") in seen
    client.close()
