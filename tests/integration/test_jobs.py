"""The job queues as deployed: the embedded SQLite queue worked by a consumer inside the
web process (`flask serve`), and a Redis queue shared by several workers, each with its
own app, as on several machines. Messages go through a real SMTP server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from bookingsite import PROJECT_ROOT, create_app, jobs
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.clock import FrozenClock, format_instant
from bookingsite.extensions import db
from bookingsite.mail import outbox
from bookingsite.models import Message, MessageStatus
from tests.factories import make_resource, make_service, make_venue
from tests.redis_storage import REDIS_URL, _redis_or_skip
from tests.smtp import Inbox

MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.usefixtures("backend")


@pytest.fixture(params=["sqlite", "redis"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> dict:
    name = f"test-{uuid.uuid4().hex}"
    if request.param == "sqlite":
        return {"JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}", "JOBS_NAME": name}
    _redis_or_skip()
    return {"JOBS_URL": REDIS_URL, "JOBS_NAME": name}


@pytest.fixture
def app_settings(app_settings: dict, inbox: Inbox, queue: dict) -> dict:
    return app_settings | queue | {"MAIL_HOST": inbox.host, "MAIL_PORT": inbox.port}


class Workers:
    """Job workers on the queue: one inside the web process for SQLite, two with apps
    of their own for Redis, as on two machines."""

    def __init__(self, app: Flask, settings: dict, clock) -> None:
        shared = settings["JOBS_URL"].startswith("redis")
        self.apps = [create_app(settings, clock=clock) for _ in range(2)] if shared else [app]
        self.consumers = [
            jobs.EmbeddedConsumer(a.extensions[jobs.EXTENSION].huey, workers=2, periodic=False)
            for a in self.apps
        ]
        for consumer in self.consumers:
            consumer.start()

    def stop(self) -> None:
        """Waits for the jobs in hand to finish."""
        while self.consumers:
            self.consumers.pop().stop(graceful=True)


@pytest.fixture
def workers(app: Flask, app_settings: dict, clock) -> Iterator[Workers]:
    workers = Workers(app, app_settings, clock)
    try:
        yield workers
    finally:
        workers.stop()
        jobs.jobs().huey.flush()
        for other in workers.apps:
            if other is not app:
                with other.app_context():
                    db.engine.dispose()


def test_messages_are_delivered_by_the_queue_s_workers(
    app: Flask, inbox: Inbox, workers: Workers
) -> None:
    venue = make_venue(notification_email="desk@example.test")
    service_id = make_service([make_resource(venue)]).id
    for day in range(3):
        held = service.hold(
            HoldRequest(service_id=service_id, start=MONDAY_10.replace(day=2 + day))
        )
        service.confirm(held.id, Customer(name="Ada", email="ada@example.test"))

    received = inbox.wait_for(6)
    workers.stop()
    assert len(received) == 6
    db.session.rollback()
    stored = db.session.scalars(sa.select(Message)).all()
    assert {m.status for m in stored} == {MessageStatus.SENT}
    assert {m.attempts for m in stored} == {1}  # each sent once, by whichever worker
    ids = sorted(r.message["Message-ID"] for r in received)
    assert len(set(ids)) == 6


def only_the_held_one_in_hand() -> bool:
    """Waits (at most 30 s, for the workers' processes) until exactly one message is
    claimed and unfinished."""
    settled = threading.Event()
    for _ in range(600):
        db.session.rollback()
        sending = db.session.scalar(
            sa.select(sa.func.count()).where(Message.status == MessageStatus.SENDING)
        )
        if sending == 1:
            return True
        settled.wait(0.05)
    return False


def worker_process(settings: dict, now: datetime, log: Path) -> subprocess.Popen:
    """`flask jobs work` in a process of its own, its clock frozen at `now`."""
    env = os.environ | {
        "BOOKINGSITE_SECRET_KEY": "test",
        "BOOKINGSITE_DATABASE_URL": settings["SQLALCHEMY_DATABASE_URI"],
        "BOOKINGSITE_FROZEN_NOW": format_instant(now),
    }
    for name in ("JOBS_URL", "JOBS_NAME", "MAIL_HOST", "MAIL_PORT"):
        env[f"BOOKINGSITE_{name}"] = str(settings[name])
    command = [sys.executable, "-m", "flask", "--app", "app", "jobs", "work", "--workers", "1"]
    with log.open("ab") as output:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output)


# Worker processes share the Redis queue; the embedded one lives in the web process.
@pytest.mark.parametrize("queue", ["redis"], indirect=True)
def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    app: Flask, app_settings: dict, inbox: Inbox, clock: FrozenClock, tmp_path: Path
) -> None:
    venue = make_venue(notification_email="desk@example.test")
    service_id = make_service([make_resource(venue)]).id
    log = tmp_path / "workers.log"
    workers = [worker_process(app_settings, clock.now(), log) for _ in range(2)]
    try:
        inbox.hold_next = True
        held = service.hold(HoldRequest(service_id=service_id, start=MONDAY_10))
        service.confirm(held.id, Customer(name="Ada", email="ada@example.test"))
        assert inbox.holding.wait(30), log.read_text()
        # The other message is either not taken yet or recorded sent: a worker killed
        # between the server's "250" and its own record would send it again, which SMTP
        # cannot rule out (its stable Message-ID lets a receiver drop the copy).
        assert only_the_held_one_in_hand(), log.read_text()
        for worker in workers:  # whichever was sending dies with its message in hand
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        inbox.release.set()
        db.session.rollback()
        statuses = db.session.scalars(sa.select(Message.status)).all()
        assert MessageStatus.SENDING in statuses  # the one in hand
        unfinished = [s for s in statuses if s != MessageStatus.SENT]  # the other, if taken

        # Once the claim has lapsed, the sweep hands over every unfinished message to
        # workers started anew; a job taken off the queue by a killed worker included.
        clock.advance(outbox.CLAIM_LEASE + timedelta(minutes=1))
        workers = [worker_process(app_settings, clock.now(), log) for _ in range(2)]
        assert outbox.hand_over_unsent() == len(unfinished)
        received = inbox.wait_for(2)
        assert len(received) == 2, log.read_text()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)  # Huey's graceful stop
        for worker in workers:
            worker.wait(20)
        jobs.jobs().huey.flush()
    db.session.rollback()
    stored = db.session.scalars(sa.select(Message).order_by(Message.id)).all()
    assert [m.status for m in stored] == [MessageStatus.SENT, MessageStatus.SENT]
    assert sorted(r.message["Message-ID"] for r in received) == sorted(
        f"<{m.uid}@localhost>" for m in stored
    )
    assert max(m.attempts for m in stored) == 2  # the one in hand: tried again, once
