"""Webhook endpoints: register, list, read, change, delete, rotate the secret; each
endpoint's delivery log, and sending a delivery again (bookingsite.webhooks does the work).

An endpoint belongs to the key that registered it and to one of that key's venues;
anything else answers 404, like something that does not exist. It hears about the
bookings its key made, and about availability changes at its venue."""

from __future__ import annotations

import sqlalchemy as sa

from bookingsite import errors
from bookingsite.api import access, paging, present
from bookingsite.api import schemas as s
from bookingsite.api.parsing import broken
from bookingsite.api.routing import operation
from bookingsite.clock import utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import WebhookDelivery, WebhookEndpoint
from bookingsite.webhooks import endpoints
from bookingsite.webhooks.targets import TargetRefused

WEBHOOKS = "Webhooks"


def _own() -> sa.Select:
    return sa.select(WebhookEndpoint).where(
        WebhookEndpoint.partner_id == access.partner().id,
        WebhookEndpoint.venue_id.in_(access.venue_ids()),
    )


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    row = db.session.scalar(_own().where(WebhookEndpoint.id == endpoint_id))
    if row is None:
        raise DomainError(errors.NOT_FOUND)
    return row


def _delivery(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    row = db.session.get(WebhookDelivery, delivery_id)
    if row is None or row.endpoint_id != endpoint.id:
        raise DomainError(errors.NOT_FOUND)
    return row


def _created(endpoint: WebhookEndpoint) -> s.WebhookEndpointCreated:
    shown = present.webhook_endpoint(endpoint).model_dump()
    return s.WebhookEndpointCreated(**shown, secret=endpoint.secret)


@operation(
    "POST",
    "/webhook-endpoints",
    summary="Register a webhook endpoint",
    tag=WEBHOOKS,
    body=s.WebhookEndpointIn,
    response=s.WebhookEndpointCreated,
    status=201,
)
def create_webhook_endpoint(body: s.WebhookEndpointIn) -> s.WebhookEndpointCreated:
    """Events are POSTed to `url`, signed as the Standard Webhooks specification says
    (`webhook-id`, `webhook-timestamp`, `webhook-signature`: HMAC-SHA256 with `secret`
    over id.timestamp.body). The secret is in this answer only. A host that does not
    resolve, or resolves to a private, loopback, link-local, multicast or reserved
    address, answers 422 on `url`."""
    venue = access.venue(body.venue_id)
    try:
        endpoint = endpoints.create(
            venue.id,
            body.url,
            body.event_types,
            utcnow(),
            partner_id=access.partner().id,
            description=body.description,
        )
    except TargetRefused as refused:
        raise broken("url", str(refused)) from None
    db.session.commit()
    return _created(endpoint)


@operation(
    "GET",
    "/webhook-endpoints",
    summary="List the key's webhook endpoints",
    tag=WEBHOOKS,
    query=s.WebhookEndpointQuery,
    response=s.WebhookEndpointList,
)
def list_webhook_endpoints(query: s.WebhookEndpointQuery) -> s.WebhookEndpointList:
    """By id. Pass `nextCursor` back as `cursor` for the next page; it is null on the
    last one."""
    statement = _own()
    if query.venue_id is not None:
        statement = statement.where(WebhookEndpoint.venue_id == query.venue_id)
    page = paging.page(statement, (WebhookEndpoint.id,), cursor=query.cursor, limit=query.limit)
    return s.WebhookEndpointList(
        data=[present.webhook_endpoint(e) for e in page.rows], next_cursor=page.next_cursor
    )


@operation(
    "GET",
    "/webhook-endpoints/<int:endpoint_id>",
    summary="Get a webhook endpoint",
    tag=WEBHOOKS,
    response=s.WebhookEndpointOut,
)
def get_webhook_endpoint(endpoint_id: int) -> s.WebhookEndpointOut:
    """`enabled: false` with `disabledReason: failing` means the site switched it off
    after its deliveries kept failing; `disabledMessage` says so in words."""
    return present.webhook_endpoint(_endpoint(endpoint_id))


@operation(
    "PATCH",
    "/webhook-endpoints/<int:endpoint_id>",
    summary="Change a webhook endpoint",
    tag=WEBHOOKS,
    body=s.WebhookEndpointPatch,
    response=s.WebhookEndpointOut,
)
def patch_webhook_endpoint(endpoint_id: int, body: s.WebhookEndpointPatch) -> s.WebhookEndpointOut:
    """Only the fields sent change. A new `url` is checked as at registration."""
    endpoint = _endpoint(endpoint_id)
    try:
        endpoints.change(
            endpoint, url=body.url, event_types=body.event_types, description=body.description
        )
    except TargetRefused as refused:
        raise broken("url", str(refused)) from None
    if body.enabled is not None:
        endpoints.set_enabled(endpoint, body.enabled, utcnow())
    db.session.commit()
    return present.webhook_endpoint(endpoint)


@operation(
    "DELETE",
    "/webhook-endpoints/<int:endpoint_id>",
    summary="Delete a webhook endpoint",
    tag=WEBHOOKS,
    status=204,
)
def delete_webhook_endpoint(endpoint_id: int) -> None:
    """Its deliveries go with it; nothing more is sent."""
    db.session.delete(_endpoint(endpoint_id))
    db.session.commit()


@operation(
    "POST",
    "/webhook-endpoints/<int:endpoint_id>/rotate-secret",
    summary="Rotate a webhook endpoint's secret",
    tag=WEBHOOKS,
    response=s.WebhookSecretOut,
)
def rotate_webhook_secret(endpoint_id: int) -> s.WebhookSecretOut:
    """A new secret, in this answer only. For `WEBHOOKS_PREVIOUS_SECRET_HOURS` (24 by
    default) messages carry two signatures, one per secret, so that the receiver can
    switch over at its own pace."""
    endpoint = _endpoint(endpoint_id)
    secret = endpoints.rotate(endpoint, utcnow())
    db.session.commit()
    return s.WebhookSecretOut(
        secret=secret, previous_secret_valid_until=endpoint.previous_secret_until
    )


@operation(
    "GET",
    "/webhook-endpoints/<int:endpoint_id>/deliveries",
    summary="List a webhook endpoint's deliveries",
    tag=WEBHOOKS,
    query=s.PageQuery,
    response=s.WebhookDeliveryList,
)
def list_webhook_deliveries(endpoint_id: int, query: s.PageQuery) -> s.WebhookDeliveryList:
    """Oldest first: one per event sent (and per redelivery), with its tries so far."""
    endpoint = _endpoint(endpoint_id)
    statement = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    page = paging.page(
        statement,
        (WebhookDelivery.created_at, WebhookDelivery.id),
        cursor=query.cursor,
        limit=query.limit,
    )
    return s.WebhookDeliveryList(
        data=[present.webhook_delivery(d) for d in page.rows], next_cursor=page.next_cursor
    )


@operation(
    "POST",
    "/webhook-endpoints/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver",
    summary="Send a delivery again",
    tag=WEBHOOKS,
    response=s.WebhookDeliveryOut,
    status=201,
    errors=(errors.WEBHOOK_ENDPOINT_DISABLED,),
)
def redeliver_webhook(endpoint_id: int, delivery_id: int) -> s.WebhookDeliveryOut:
    """A new delivery of the same event (same `webhook-id`, same body), with fresh
    tries. An endpoint that is switched off answers 409 WEBHOOK_ENDPOINT_DISABLED."""
    delivery = _delivery(_endpoint(endpoint_id), delivery_id)
    again = endpoints.redeliver(delivery, utcnow())
    db.session.commit()
    return present.webhook_delivery(again)
