"""The venue's webhook pages: the list and adding an endpoint (its secret shown once,
private addresses refused), rotating the secret, switching off and on, the delivery log
with "send again", an endpoint the site switched off shown with its reason, and other
venues' endpoints out of reach. Events go to a real HTTP receiver on a loopback port."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from bookingsite.booking import service
from bookingsite.booking.service import HoldRequest
from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.models import WebhookEndpoint
from bookingsite.webhooks import delivery, endpoints
from tests.functional.admin.conftest import MONDAY_10, World, url
from tests.webhook_receiver import LOOPBACK_SETTINGS, Receiver

pytestmark = pytest.mark.usefixtures("backend")
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | LOOPBACK_SETTINGS


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def add(admin, world: World, address: str, *types: str):
    return admin.post(
        url("admin.webhook_create", venue_id=world.venue.id),
        data={
            "url": address,
            "description": "Front desk display",
            "event_types": list(types or ("booking.held", "booking.confirmed")),
        },
    )


def only_endpoint() -> WebhookEndpoint:
    db.session.rollback()
    return db.session.scalars(sa.select(WebhookEndpoint)).one()


def hold_at(world: World, hours: int = 2):
    return service.hold(
        HoldRequest(service_id=world.service.id, start=MONDAY_10 + timedelta(hours=hours))
    )


def test_an_endpoint_is_added_and_its_secret_shown_once(
    admin, world: World, receiver: Receiver
) -> None:
    listing = url("admin.webhooks", venue_id=world.venue.id)
    assert "No webhook endpoints yet." in page(admin.get(listing))
    assert "Webhooks" in page(admin.get(url("admin.venue_home", venue_id=world.venue.id)))

    created = add(admin, world, receiver.url)
    assert created.status_code == 201
    endpoint = only_endpoint()
    assert SECRET.findall(page(created)) == [endpoint.secret]
    assert endpoint.partner_id is None and endpoint.event_types == [
        "booking.confirmed",
        "booking.held",
    ]

    shown = page(admin.get(listing))
    assert receiver.url in shown and "This venue" in shown and "On" in shown
    detail = page(
        admin.get(url("admin.webhook_detail", venue_id=world.venue.id, endpoint_id=endpoint.id))
    )
    assert receiver.url in detail and "Front desk display" in detail
    assert not SECRET.search(detail)  # never again


def test_a_private_address_or_no_event_is_refused(app, admin, world: World) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = False
    refused = add(admin, world, "http://169.254.169.254/latest/meta-data/")
    assert refused.status_code == 422
    assert "private, loopback, link-local" in page(refused)
    refused = admin.post(
        url("admin.webhook_create", venue_id=world.venue.id), data={"url": "https://example.org/"}
    )
    assert refused.status_code == 422 and "Choose at least one event." in page(refused)
    assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_rotating_the_secret_and_switching_off_and_on(
    admin, world: World, receiver: Receiver
) -> None:
    first = SECRET.search(page(add(admin, world, receiver.url))).group()
    endpoint = only_endpoint()
    at = lambda endpoint_name: url(  # noqa: E731
        endpoint_name, venue_id=world.venue.id, endpoint_id=endpoint.id
    )

    rotated = admin.post(at("admin.webhook_rotate"))
    assert rotated.status_code == 200
    (second,) = SECRET.findall(page(rotated))
    assert second != first and second == only_endpoint().secret
    assert only_endpoint().previous_secret == first

    off = admin.post(at("admin.webhook_disable"))
    assert off.status_code == 302
    assert "Switched off by hand." in page(admin.get(at("admin.webhook_detail")))
    hold_at(world)
    assert receiver.received == []

    assert admin.post(at("admin.webhook_enable")).status_code == 302
    assert only_endpoint().enabled
    hold_at(world, 26)
    assert receiver.types == ["booking.held"]


def test_the_delivery_log_and_sending_again(admin, world: World, receiver: Receiver) -> None:
    add(admin, world, receiver.url)
    endpoint = only_endpoint()
    booking = hold_at(world)
    service.confirm(booking.id)
    detail = url("admin.webhook_detail", venue_id=world.venue.id, endpoint_id=endpoint.id)
    shown = page(admin.get(detail))
    assert shown.count("Delivered") == 2 and "booking.confirmed" in shown
    assert "Send again" in shown

    (first,) = [d for d in endpoint_deliveries(endpoint) if d.event.type == "booking.held"]
    again = admin.post(
        url(
            "admin.webhook_redeliver",
            venue_id=world.venue.id,
            endpoint_id=endpoint.id,
            delivery_id=first.id,
        )
    )
    assert again.status_code == 302
    assert receiver.types == ["booking.held", "booking.confirmed", "booking.held"]
    assert receiver.received[0].headers["webhook-id"] == receiver.received[2].headers["webhook-id"]
    assert page(admin.get(detail)).count("Delivered") == 3


def endpoint_deliveries(endpoint: WebhookEndpoint):
    from bookingsite.models import WebhookDelivery

    db.session.rollback()
    return db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    ).all()


def test_an_endpoint_the_site_switched_off_shows_why(
    app, admin, world: World, receiver: Receiver, clock: FrozenClock
) -> None:
    app.config |= {"WEBHOOKS_ATTEMPTS": 2, "WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES": 1}
    add(admin, world, receiver.url)
    receiver.hang = True
    hold_at(world)
    clock.advance(timedelta(seconds=30))
    delivery.hand_over_due()

    endpoint = only_endpoint()
    assert not endpoint.enabled
    listing = page(admin.get(url("admin.webhooks", venue_id=world.venue.id)))
    assert "Off" in listing and "deliveries kept failing" in listing
    detail = page(
        admin.get(url("admin.webhook_detail", venue_id=world.venue.id, endpoint_id=endpoint.id))
    )
    assert "deliveries kept failing" in detail and "ReadTimeout" in detail
    assert "Failed" in detail and "Switch on" in detail

    (lost,) = endpoint_deliveries(endpoint)
    refused = admin.post(
        url(
            "admin.webhook_redeliver",
            venue_id=world.venue.id,
            endpoint_id=endpoint.id,
            delivery_id=lost.id,
        )
    )
    assert refused.status_code == 409 and "Enable it first" in page(refused)


def test_partner_endpoints_are_listed_and_other_venues_are_out_of_reach(
    admin, world: World, other_world: World, receiver: Receiver, clock: FrozenClock
) -> None:
    from bookingsite.accounts import create_partner

    partner, _key = create_partner("Acme", [world.venue], now=clock.now())
    endpoints.create(
        world.venue.id, receiver.url, ["booking.held"], clock.now(), partner_id=partner.id
    )
    elsewhere = endpoints.create(other_world.venue.id, receiver.url, ["booking.held"], clock.now())
    db.session.commit()

    listing = page(admin.get(url("admin.webhooks", venue_id=world.venue.id)))
    assert "Partner: Acme" in listing
    assert (
        admin.get(
            url("admin.webhook_detail", venue_id=world.venue.id, endpoint_id=elsewhere.id)
        ).status_code
        == 404
    )
    assert admin.get(url("admin.webhooks", venue_id=other_world.venue.id)).status_code == 404
    assert (
        admin.post(
            url("admin.webhook_disable", venue_id=world.venue.id, endpoint_id=elsewhere.id)
        ).status_code
        == 404
    )
