"""What partners (through the API) and managers (in admin) do with endpoints: register,
change, switch off and on, rotate the secret, send a delivery again. The callers check
who may touch which endpoint, and commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _

from bookingsite import errors, jobs
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import (
    WebhookDelivery,
    WebhookDisabledReason,
    WebhookEndpoint,
    WebhookEventType,
)
from bookingsite.webhooks import signing
from bookingsite.webhooks.targets import resolve

EVENT_TYPES = tuple(t.value for t in WebhookEventType)


def disabled_text(endpoint: WebhookEndpoint) -> str | None:
    """Why the endpoint is off, in words (None while it is on)."""
    if endpoint.enabled:
        return None
    if endpoint.disabled_reason == WebhookDisabledReason.FAILING:
        return _(
            "Switched off by the site because its deliveries kept failing. Last error: %(error)s",
            error=endpoint.last_error or "-",
        )
    return _("Switched off by hand.")


def checked_url(url: str) -> str:
    """The URL, trimmed, if it may be a target now; else TargetRefused (its message
    belongs on the URL field)."""
    url = url.strip()
    resolve(url)
    return url


def _types(event_types: Iterable[str]) -> list[str]:
    return sorted({WebhookEventType(t).value for t in event_types})


def create(
    venue_id: int,
    url: str,
    event_types: Iterable[str],
    now: datetime,
    *,
    partner_id: int | None = None,
    description: str = "",
) -> WebhookEndpoint:
    """A new, enabled endpoint with a fresh secret (read it from `endpoint.secret` to
    show it, once)."""
    endpoint = WebhookEndpoint(
        venue_id=venue_id,
        partner_id=partner_id,
        url=checked_url(url),
        description=description.strip(),
        event_types=_types(event_types),
        secret=signing.new_secret(),
        enabled=True,
        failed_deliveries_in_row=0,
        last_error="",
        created_at=now,
    )
    db.session.add(endpoint)
    return endpoint


def change(
    endpoint: WebhookEndpoint,
    *,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
) -> None:
    if url is not None and url.strip() != endpoint.url:
        endpoint.url = checked_url(url)
    if event_types is not None:
        endpoint.event_types = _types(event_types)
    if description is not None:
        endpoint.description = description.strip()


def set_enabled(endpoint: WebhookEndpoint, enabled: bool, now: datetime) -> None:
    """Switch on (forgetting past failures) or off (by hand)."""
    if enabled == endpoint.enabled:
        return
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_reason = None
        endpoint.disabled_at = None
        endpoint.failed_deliveries_in_row = 0
        endpoint.failing_since = None
    else:
        endpoint.disabled_reason = WebhookDisabledReason.MANUAL
        endpoint.disabled_at = now


def rotate(endpoint: WebhookEndpoint, now: datetime) -> str:
    """A new secret; the old one keeps signing beside it for WEBHOOKS_PREVIOUS_SECRET_HOURS."""
    hours = current_app.config["WEBHOOKS_PREVIOUS_SECRET_HOURS"]
    endpoint.previous_secret = endpoint.secret if hours else None
    endpoint.previous_secret_until = now + timedelta(hours=hours) if hours else None
    endpoint.secret = signing.new_secret()
    return endpoint.secret


def redeliver(delivery: WebhookDelivery, now: datetime) -> WebhookDelivery:
    """Send the delivery's event to its endpoint again: a new delivery, with fresh tries,
    under the same webhook-id (a receiver that had it already can tell)."""
    if not delivery.endpoint.enabled:
        raise DomainError(errors.WEBHOOK_ENDPOINT_DISABLED)
    again = WebhookDelivery(
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        created_at=now,
        attempts=0,
        last_error="",
    )
    db.session.add(again)
    db.session.flush()
    jobs.after_commit(jobs.deliver_webhook_later, [again.id])
    return again
