"""Background jobs on Huey: delivering messages and webhooks, sending password reset
links, and a sweep every minute that hands over messages and webhook deliveries never
queued (or whose retry is due), clears lapsed holds and records the reminders that fall
due.

One Huey per app, chosen by JOBS_URL:
- unset: a SQLite queue in the instance folder. `flask serve` runs the web server and a
  job worker in one process, so the site works with no other server;
- redis://host:port/db: one queue shared by any number of web processes and job
  workers (`flask jobs work`) on any number of machines;
- "immediate": each job runs at once in the process that queues it (tests).
Huey runs jobs now or at a given time (a retry, after a growing delay). Work is recorded
as rows in the transaction of the change that causes it and handed to the queue only once
that transaction commits (`after_commit`); the sweeps (mail/outbox.py, webhooks/delivery.py)
make sure nothing is lost between a commit and the queue."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer
from huey.exceptions import RetryTask
from sqlalchemy.orm import Session

from bookingsite.extensions import db

log = logging.getLogger(__name__)
EXTENSION = "bookingsite.jobs"


class Jobs:
    """An app's job queue and the jobs it runs."""

    def __init__(self, app: Flask) -> None:
        self.huey = _huey_for(app)

        # Tries are counted on the message (mail/delivery.py), not by Huey: a resend
        # after a crash or a sweep continues the count instead of starting it over.
        @self.huey.task(name="deliver_message")
        def deliver_message(message_id: int) -> None:
            from bookingsite.mail import delivery

            with app.app_context():
                wait = delivery.deliver(message_id)
            if wait is not None:
                raise RetryTask(f"message {message_id}: next try in {wait}", delay=wait)

        # Likewise for webhooks (webhooks/delivery.py); a retry that Huey's schedule loses
        # is handed over again by the sweep once due.
        @self.huey.task(name="deliver_webhook")
        def deliver_webhook(delivery_id: int) -> None:
            from bookingsite.webhooks import delivery

            with app.app_context():
                wait = delivery.deliver(delivery_id)
            if wait is not None:
                raise RetryTask(f"webhook delivery {delivery_id}: next try in {wait}", delay=wait)

        # The "Forgot your password?" page only queues this, whatever the address, so
        # that its answer takes as long for a manager's address as for anyone's.
        @self.huey.task(name="send_password_reset")
        def send_password_reset(email: str, locale: str, request_root: str | None) -> None:
            from bookingsite import login_links

            with app.app_context():
                login_links.send_password_reset(email, locale, request_root)

        @self.huey.periodic_task(crontab(minute="*"), name="sweep")
        def sweep() -> None:
            from bookingsite.booking.service import sweep_lapsed_holds
            from bookingsite.mail.outbox import hand_over_unsent
            from bookingsite.mail.reminders import send_due_reminders
            from bookingsite.webhooks.delivery import hand_over_due

            with app.app_context():
                hand_over_unsent()
                hand_over_due()
                sweep_lapsed_holds()
                send_due_reminders()

        self.deliver_message: TaskWrapper = deliver_message
        self.deliver_webhook: TaskWrapper = deliver_webhook
        self.send_password_reset: TaskWrapper = send_password_reset
        self.sweep: TaskWrapper = sweep

    def consumer(self, workers: int) -> Consumer:
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)


def _huey_for(app: Flask) -> Huey:
    url, name = app.config["JOBS_URL"], app.config["JOBS_NAME"]
    if url == "immediate":
        return MemoryHuey(name, immediate=True, results=False)
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
    elif url:
        raise ValueError(f"JOBS_URL: not a sqlite:///, redis:// or 'immediate' address: {url}")
    else:
        path = Path(app.instance_path) / "jobs.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Jobs(app)


def jobs() -> Jobs:
    return current_app.extensions[EXTENSION]


def deliver_later(message_id: int) -> None:
    jobs().deliver_message(message_id)


def deliver_webhook_later(delivery_id: int) -> None:
    jobs().deliver_webhook(delivery_id)


# Per session: {queueing function: [row ids]} recorded in its open transaction.
_AFTER_COMMIT = "bookingsite.jobs.after_commit"


def after_commit(queue: Callable[[int], None], ids: Iterable[int]) -> None:
    """Hand `ids` (rows written in the session's open transaction) to `queue` once that
    transaction commits; a rollback drops them along with the rows."""
    db.session.info.setdefault(_AFTER_COMMIT, {}).setdefault(queue, []).extend(ids)


def hand_over(queue: Callable[[int], None], ids: Iterable[int]) -> None:
    """Queue each id; one the queue refuses (it is down) is left for the sweeps."""
    for row_id in ids:
        try:
            queue(row_id)
        except Exception:  # noqa: BLE001 - the sweep hands it over later
            log.exception("%s(%s) not queued; the sweep will queue it", queue.__name__, row_id)


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_AFTER_COMMIT, None)
    if pending and has_app_context():
        for queue, ids in pending.items():
            hand_over(queue, ids)


@sa.event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: object) -> None:
    # A commit has handed them over already (after_commit comes first); a rollback of
    # the whole transaction took the rows with it.
    if getattr(transaction, "parent", None) is None:
        session.info.pop(_AFTER_COMMIT, None)


class EmbeddedConsumer(Consumer):
    """A consumer that runs beside the web server in its process: its threads stop with
    the process, and the server keeps the process's signals."""

    def _set_signal_handlers(self) -> None:
        pass
