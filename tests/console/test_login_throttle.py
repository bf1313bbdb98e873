"""Log-in throttling over real HTTP: a guessed password stops working after a few tries,
the person is told kindly until when, an admin can unlock them, every failure and lockout
is audited, several app processes count together, and a flood of log-ins never delays an
arriving text."""

from __future__ import annotations

import ast
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from records.clock import ManualClock
from records.db import Database
from records.models import AuditEvent, StaffRole
from tests.conftest import AUTH_TOKEN
from tests.console.test_console import PASSWORD, AppFactory, log_in, make_staff, token_of
from tests.support.twilio import inbound_params, signed_post

WRONG = "not the passphrase at all"


def try_log_in(url: str, email: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=30) as client:
        token = token_of(client.get("/console/login").text)
        return client.post(
            "/console/login", data={"email": email, "password": password, "csrf_token": token}
        )


def actions(db: Database) -> list[tuple[int | None, str, str]]:
    with db.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        return [(e.staff_id, e.action, e.detail or "") for e in events]


def test_fifteen_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(
    db: Database, app_factory: AppFactory
) -> None:
    running = app_factory()
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    admin = make_staff(db, StaffRole.ADMIN, "ada@program.example")
    answers = [try_log_in(running.url, rae.email, WRONG) for _ in range(15)]
    assert [a.status_code for a in answers[:4]] == [401] * 4
    assert all(a.status_code == 429 for a in answers[4:]), "locked from the fifth failure"
    right = try_log_in(running.url, rae.email, PASSWORD)
    assert right.status_code == 429, "the right password no longer helps a guesser"
    assert "log-in is paused until" in right.text and "an admin can unlock" in right.text
    assert 14 * 60 <= int(right.headers["retry-after"]) <= 15 * 60 + 1
    assert PASSWORD not in right.text

    events = actions(db)
    assert [a for who, a, _ in events if who == rae.id].count("login_failed") == 5
    assert [a for who, a, _ in events if who == rae.id].count("account_locked") == 1
    assert [a for who, a, _ in events if who == rae.id].count("login_refused") == 11
    assert not any(PASSWORD in d or WRONG in d or "rae@" in d for _, _, d in events)

    ada = log_in(running.url, admin.email)
    staff_page = ada.get("/console/staff").text
    assert "locked until" in staff_page
    unlock = ada.post(
        f"/console/staff/{rae.id}",
        data={"csrf_token": token_of(staff_page), "action": "unlock"},
    )
    assert unlock.status_code == 303
    assert (admin.id, "unlock", f"staff {rae.id}") in actions(db)
    assert "locked until" not in ada.get("/console/staff").text
    log_in(running.url, rae.email).close()
    ada.close()


def test_a_lock_ends_by_itself_and_unknown_e_mails_get_the_same_answer(
    db: Database, app_factory: AppFactory
) -> None:
    clock = ManualClock(datetime.now(UTC))
    running = app_factory(clock=clock, login_max_failures=3)
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    for email in (rae.email, "nobody@peers.example"):
        answers = [try_log_in(running.url, email, WRONG).status_code for _ in range(4)]
        assert answers == [401, 401, 429, 429], email  # nothing tells who has an account
    assert (None, "account_locked") in [(who, a) for who, a, _ in actions(db)]
    clock.advance(minutes=14)
    assert try_log_in(running.url, rae.email, PASSWORD).status_code == 429
    clock.advance(minutes=1, seconds=1)  # the oldest failure left the 15-minute window
    log_in(running.url, rae.email).close()


def test_one_address_trying_many_accounts_is_paused(db: Database, app_factory: AppFactory) -> None:
    running = app_factory(login_max_failures_per_address=4)
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    answers = [try_log_in(running.url, f"guess{n}@x.example", WRONG) for n in range(4)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    paused = try_log_in(running.url, rae.email, PASSWORD)
    assert paused.status_code == 429 and "Too many tries from this network" in paused.text


def test_two_app_processes_count_failures_together(db: Database, app_factory: AppFactory) -> None:
    first, second = app_factory(), app_factory()
    rae = make_staff(db, StaffRole.PEER, "rae@peers.example")
    for n in range(5):
        try_log_in((first if n % 2 else second).url, rae.email, WRONG)
    assert try_log_in(first.url, rae.email, PASSWORD).status_code == 429
    assert try_log_in(second.url, rae.email, PASSWORD).status_code == 429


def inbound_seconds(url: str, n: int) -> list[float]:
    """How long Twilio waits for each of `n` signed inbound webhooks, one after another."""
    took = []
    for _ in range(n):
        started = time.perf_counter()
        answer = signed_post(
            url, "/sms/inbound", inbound_params("+15555550123", "checking in"), AUTH_TOKEN
        )
        took.append(time.perf_counter() - started)
        assert answer.status_code == 200
        time.sleep(0.05)
    return took


FLOOD = """
import sys, threading, time, httpx, re
url, clients, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
token = re.compile(r'name="csrf_token" value="([^"]+)"')
counts, lock, ready = {}, threading.Lock(), threading.Barrier(clients + 1)
def flood(n):
    with httpx.Client(base_url=url, timeout=60) as client:
        csrf = token.search(client.get("/console/login").text).group(1)
        data = {"email": f"guess{n}@x.example", "password": "wrong", "csrf_token": csrf}
        ready.wait()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            answer = client.post("/console/login", data=data)
            key = f"{answer.status_code} {answer.headers.get('retry-after')}"
            with lock:
                counts[key] = counts.get(key, 0) + 1
threads = [threading.Thread(target=flood, args=(n,)) for n in range(clients)]
[t.start() for t in threads]
ready.wait()
print("flooding", flush=True)
[t.join() for t in threads]
print(counts)
"""


def test_a_flood_of_log_ins_never_delays_an_arriving_text(
    db: Database, app_factory: AppFactory
) -> None:
    """The flood comes from another process, as it would from another machine."""
    running = app_factory(login_max_failures_per_address=100_000, login_max_failures=100_000)
    quiet = statistics.median(inbound_seconds(running.url, 8))
    flood = subprocess.Popen(
        [sys.executable, "-c", FLOOD, running.url, "30", "8"], stdout=subprocess.PIPE, text=True
    )
    assert flood.stdout is not None
    assert flood.stdout.readline().strip() == "flooding"
    time.sleep(0.5)
    busy = inbound_seconds(running.url, 8)
    out, _ = flood.communicate(timeout=120)  # the rest of its output: the answers it got
    counts = ast.literal_eval(out.strip())
    assert counts.get("429 5", 0) > 0, ("full: 429 with Retry-After", counts)
    assert counts.get("401 None", 0) > 0, ("some passwords were still checked", counts)
    # Generous (a shared, busy test machine): without the log-in lane, the same flood took
    # the thread pool and arriving texts waited past Twilio's patience (10 s here).
    assert statistics.median(busy) < max(1.5, 5 * quiet), (quiet, busy)
    assert max(busy) < 8.0, (quiet, busy)
