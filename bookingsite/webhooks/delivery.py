"""Sending one delivery: at least once, and in the normal case exactly once.

As for e-mail (mail/delivery.py), a worker first claims the delivery in a short
transaction of its own (status SENDING, one more attempt), sends with no transaction
open, then records the outcome; a claim is taken only from a delivery that waits (a
retry only once due), or whose claim outlived CLAIM_LEASE (its worker died). Each try
signs afresh (webhook-timestamp is the try's) over the same body and webhook-id.

The target is resolved and checked before each try, and the connection goes to the
checked address (targets.py). A 2xx answer is a success; anything else, a timeout or a
refused connection is a failed try, retried after WEBHOOKS_RETRY_SECONDS, doubling, up to
WEBHOOKS_ATTEMPTS tries. An endpoint whose deliveries keep using up their tries is
disabled (WEBHOOKS_DISABLE_AFTER_*), with the reason kept for its partner and managers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa
from flask import current_app
from requests.adapters import HTTPAdapter
from sqlalchemy.orm import Session

from bookingsite import jobs
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookDisabledReason,
    WebhookEndpoint,
)
from bookingsite.webhooks import signing
from bookingsite.webhooks.targets import Target, TargetRefused, resolve

USER_AGENT = "bookingsite-webhooks/1"
CLAIM_LEASE = timedelta(minutes=5)
# A delivery recorded this long ago and never taken (a crash between the commit and
# the queue, a queue that was down) is handed over again by the sweep.
NOT_TAKEN_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 500
MAX_ERROR_CHARS = 500

Status = WebhookDeliveryStatus


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int | None
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedAdapter(HTTPAdapter):
    """Connects to the checked address whatever the URL's host resolves to by then;
    TLS still names and verifies the URL's host."""

    def __init__(self, target: Target) -> None:
        self.target = target
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # noqa: ANN001
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        if host_params["scheme"] == "https":
            pool_kwargs["server_hostname"] = self.target.host
            pool_kwargs["assert_hostname"] = self.target.host
        host_params["host"] = self.target.address
        return host_params, pool_kwargs


def _post(target: Target, headers: dict[str, str], body: bytes) -> int:
    config = current_app.config
    timeout = (
        float(config["WEBHOOKS_CONNECT_TIMEOUT_SECONDS"]),
        float(config["WEBHOOKS_READ_TIMEOUT_SECONDS"]),
    )
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: the address is checked
        adapter = _PinnedAdapter(target)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        response = session.post(
            target.url,
            data=body,
            headers=headers | {"Host": target.host_header},
            timeout=timeout,
            allow_redirects=False,
            stream=True,  # the status is the answer; the body is not read
        )
        response.close()
        return response.status_code


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]


def send(endpoint: WebhookEndpoint, message_id: str, payload: str, now: datetime) -> Outcome:
    """One try: check the target, sign, POST; what came of it."""
    body = payload.encode()
    secrets = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and (endpoint.previous_secret_until > now)
    ):
        secrets.append(endpoint.previous_secret)
    headers = signing.headers(message_id, now, body, secrets) | {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
    }
    started = time.perf_counter()
    try:
        target = resolve(endpoint.url)
        status = _post(target, headers, body)
    except TargetRefused as refused:
        return Outcome(None, None, str(refused))
    except (requests.RequestException, OSError) as error:
        latency = round((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, _error_text(error))
    latency = round((time.perf_counter() - started) * 1000)
    error = "" if 200 <= status < 300 else f"HTTP {status}"
    return Outcome(status, latency, error)


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        WebhookDelivery.status == Status.PENDING,
        sa.and_(WebhookDelivery.status == Status.RETRYING, WebhookDelivery.next_attempt_at <= now),
        sa.and_(
            WebhookDelivery.status == Status.SENDING,
            WebhookDelivery.claimed_at < now - CLAIM_LEASE,
        ),
    )


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: WEBHOOKS_RETRY_SECONDS, doubling."""
    first = timedelta(seconds=current_app.config["WEBHOOKS_RETRY_SECONDS"])
    return first * 2 ** (attempts - 1)


def deliver(delivery_id: int) -> timedelta | None:
    """Try the delivery if it is due. Returns the wait before the next try when this one
    failed and tries are left; None when done or when there was nothing to do."""
    with Session(db.engine, expire_on_commit=False) as session:
        now = utcnow()
        claimed = session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, _claimable(now))
            .values(
                status=Status.SENDING,
                claimed_at=now,
                attempts=WebhookDelivery.attempts + 1,
                next_attempt_at=None,
            )
        )
        delivery = session.get(WebhookDelivery, delivery_id) if claimed.rowcount == 1 else None
        if delivery is not None:
            endpoint, event = delivery.endpoint, delivery.event
        session.commit()  # nothing stays open while the endpoint is talked to
        if delivery is None:
            return None
        if not endpoint.enabled:
            _record(
                session,
                delivery,
                status=Status.FAILED,
                attempts=delivery.attempts - 1,  # not tried
                last_error="The endpoint is disabled.",
            )
            return None
        outcome = send(endpoint, event.uid, event.payload, utcnow())
        return _settle(session, delivery, endpoint, outcome)


def _record(session: Session, delivery: WebhookDelivery, **values: object) -> None:
    session.execute(
        sa.update(WebhookDelivery).where(WebhookDelivery.id == delivery.id).values(**values)
    )
    session.commit()


def _settle(
    session: Session, delivery: WebhookDelivery, endpoint: WebhookEndpoint, outcome: Outcome
) -> timedelta | None:
    config = current_app.config
    now = utcnow()
    tried = {
        "last_status_code": outcome.status_code,
        "last_latency_ms": outcome.latency_ms,
        "last_error": outcome.error,
        "last_attempt_at": now,
    }
    endpoints = sa.update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id)
    if outcome.succeeded:
        session.execute(
            endpoints.values(failed_deliveries_in_row=0, failing_since=None, last_error="")
        )
        _record(session, delivery, status=Status.SUCCEEDED, delivered_at=now, **tried)
        return None
    session.execute(
        endpoints.values(
            failing_since=sa.func.coalesce(WebhookEndpoint.failing_since, now),
            last_error=outcome.error,
        )
    )
    if delivery.attempts < config["WEBHOOKS_ATTEMPTS"]:
        wait = retry_delay(delivery.attempts)
        _record(session, delivery, status=Status.RETRYING, next_attempt_at=now + wait, **tried)
        return wait
    # Out of tries: one more delivery lost in a row, which may be one too many.
    session.execute(
        endpoints.values(failed_deliveries_in_row=WebhookEndpoint.failed_deliveries_in_row + 1)
    )
    window = timedelta(hours=config["WEBHOOKS_DISABLE_AFTER_FAILING_HOURS"])
    session.execute(
        endpoints.where(
            WebhookEndpoint.enabled,
            sa.or_(
                WebhookEndpoint.failed_deliveries_in_row
                >= config["WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES"],
                WebhookEndpoint.failing_since <= now - window,
            ),
        ).values(enabled=False, disabled_reason=WebhookDisabledReason.FAILING, disabled_at=now)
    )
    _record(session, delivery, status=Status.FAILED, **tried)
    return None


def hand_over_due(now: datetime | None = None) -> int:
    """Queue every delivery whose retry is due, and those never taken or whose worker
    died; how many. The claim in `deliver` makes a second hand-over harmless."""
    now = now or utcnow()
    due = sa.select(WebhookDelivery.id).where(
        sa.or_(
            sa.and_(
                WebhookDelivery.status == Status.PENDING,
                WebhookDelivery.created_at < now - NOT_TAKEN_AFTER,
            ),
            sa.and_(
                WebhookDelivery.status == Status.RETRYING,
                WebhookDelivery.next_attempt_at <= now,
            ),
            sa.and_(
                WebhookDelivery.status == Status.SENDING,
                WebhookDelivery.claimed_at < now - CLAIM_LEASE,
            ),
        )
    )
    ids = list(db.session.scalars(due.order_by(WebhookDelivery.id).limit(SWEEP_BATCH)))
    db.session.rollback()
    jobs.hand_over(jobs.deliver_webhook_later, ids)
    return len(ids)
