"""Live updates reach every app process: on PostgreSQL, a case opened through one process's
webhook wakes the console stream a peer has open on another process."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from console.fanout import PostgresFanout
from records.db import Database
from records.models import StaffRole
from records.participants import enrol
from tests.conftest import RunningApp
from tests.console.test_console import log_in, make_staff
from tests.support.twilio import inbound_params, signed_post
from tests.support.waiting import wait_for

SAM = "+12125550101"
CRISIS = "my friend used and now hes not breathing, his lips are blue"
POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@POSTGRES_ONLY
def test_a_case_opened_on_one_process_wakes_the_console_on_another(
    app_factory: Callable[..., RunningApp], db: Database
) -> None:
    with db.session() as session:
        enrol(session, phone=SAM, alias="Sam", timezone="UTC", consented_at=None)
    webhook_side, console_side = app_factory(), app_factory()
    for loop in console_side.peerline.loops:  # only the fanout can tell this one
        loop.stop()
    assert console_side.app.state.fanout.wait_listening(10)
    client = log_in(console_side.url, make_staff(db, StaffRole.PEER).email)
    with client.stream("GET", "/console/events") as stream:
        lines = stream.iter_lines()
        assert next(line for line in lines if line.startswith("event")) == "event: ready"
        params = inbound_params(SAM, CRISIS)
        response = signed_post(
            webhook_side.url, "/sms/inbound", params, webhook_side.settings.auth_token
        )
        assert response.status_code == 200
        # the stream's read timeout (10 s) fails the test if the change never arrives
        assert next(line for line in lines if line.startswith("event")) == "event: queue"
    client.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_keeps_live_updates_in_process(app_factory: Callable[..., RunningApp]) -> None:
    assert app_factory().app.state.fanout is None


@pytest.mark.postgres
def test_each_process_hears_what_kind_of_work_another_published(postgres_url: str) -> None:
    """The work processes' relay says which loops have work: a stored text wakes only the
    safety lane, a queued reply the outbox. A burst is one NOTIFY a topic, and a process
    does not hear itself."""
    heard: dict[str, list[str]] = {"web": [], "work": []}
    web = PostgresFanout(postgres_url, heard["web"].append, channel="peerline_topic_test")
    work = PostgresFanout(postgres_url, heard["work"].append, channel="peerline_topic_test")
    try:
        for relay in (web, work):
            relay.start()
            assert relay.wait_listening(10)
        for _ in range(50):
            web.publish("stored")
        web.publish("outbox")
        wait_for(lambda: set(heard["work"]) == {"stored", "outbox"}, timeout=10, what="topics")
        time.sleep(0.5)  # any NOTIFY still on its way
        assert len(heard["work"]) < 50, "a burst is coalesced, not one NOTIFY a text"
        assert heard["web"] == [], "a process is not woken by its own NOTIFY"
    finally:
        web.stop()
        work.stop()
