"""Every admin URL: not logged in -> the login page; another venue's manager -> 404.

The URLs come from the app's URL map, so a new admin view is covered automatically (and
this test fails until its URL parameters are known here)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask

from bookingsite import login_links
from bookingsite.accounts import create_manager, create_partner
from bookingsite.admin.auth import role_needed
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    LoginLink,
    LoginLinkPurpose,
    Message,
    MessageKind,
    MessageStatus,
    Partner,
    PartnerGrant,
    Resource,
    ResourceKind,
    Role,
    Venue,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from tests.factories import make_organisation, make_resource, make_venue
from tests.functional.admin.conftest import World, log_in, url

OPEN = {"admin.login", "admin.forgot_password", "admin.password_reset", "admin.invitation"}
NOT_VENUE_SCOPED = {"admin.index", "admin.logout"}


def admin_rules(app: Flask):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]


def message_of(world: World) -> Message:
    """A failed message with an attachment, so that a message URL missing its venue check
    would answer (or resend) rather than 404."""
    message = db.session.scalar(
        sa.select(Message).where(Message.venue_id == world.venue.id, Message.subject == "Probe")
    )
    if message is None:
        message = Message(
            venue_id=world.venue.id,
            booking_id=world.booking.id,
            kind=MessageKind.BOOKING_CONFIRMED,
            recipient="ada@example.com",
            locale="en",
            subject="Probe",
            body_text="Hello",
            body_html="<p>Hello</p>",
            calendar="BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            status=MessageStatus.FAILED,
            created_at=world.booking.created_at,
        )
        db.session.add(message)
        db.session.commit()
    return message


def delivery_of(world: World) -> WebhookDelivery:
    """A venue's webhook endpoint with a failed delivery, so that a URL missing its venue
    check would answer (or send again) rather than 404."""
    found = db.session.scalar(
        sa.select(WebhookDelivery)
        .join(WebhookEndpoint)
        .where(WebhookEndpoint.venue_id == world.venue.id)
    )
    if found is None:
        at = world.booking.created_at
        endpoint = WebhookEndpoint(
            venue_id=world.venue.id,
            url="https://hooks.example.org/in",
            event_types=["booking.held"],
            secret="whsec_cHJvYmU=",
            created_at=at,
        )
        event = WebhookEvent(
            venue_id=world.venue.id, type="booking.held", payload="{}", created_at=at
        )
        found = WebhookDelivery(
            endpoint=endpoint, event=event, status=WebhookDeliveryStatus.FAILED, created_at=at
        )
        db.session.add(found)
        db.session.commit()
    return found


def partner_of(world: World) -> Partner:
    """A key that reaches the venue alone, so that a key URL missing its venue check would
    answer (or rotate, revoke) rather than 404."""
    found = db.session.scalar(
        sa.select(Partner).join(PartnerGrant).where(PartnerGrant.venue_id == world.venue.id)
    )
    if found is None:
        found, _key = create_partner("Probe", [world.venue], now=world.booking.created_at)
    return found


def invitation_of(world: World) -> LoginLink:
    """A pending invitation to the venue, so that a URL missing its venue check would
    withdraw it rather than 404."""
    found = db.session.scalar(sa.select(LoginLink).where(LoginLink.venue_id == world.venue.id))
    if found is None:
        login_links.issue(
            LoginLinkPurpose.INVITE,
            email=f"invited@{world.venue.slug}.example",
            now=world.booking.created_at,
            venue_id=world.venue.id,
            role="manager",
        )
        db.session.commit()
        found = db.session.scalar(sa.select(LoginLink).where(LoginLink.venue_id == world.venue.id))
    return found


def shift_of(world: World) -> tuple[int, int]:
    """A staff member of the world's venue, and a sibling venue of the organisation
    where it may work a shift."""
    sibling = db.session.scalar(sa.select(Venue).where(Venue.slug == f"{world.venue.slug}-sibling"))
    if sibling is None:
        sibling = make_venue(
            slug=f"{world.venue.slug}-sibling", organisation=world.venue.organisation
        )
    member = db.session.scalar(
        sa.select(Resource).where(
            Resource.venue_id == world.venue.id, Resource.kind == ResourceKind.STAFF
        )
    )
    if member is None:
        member = make_resource(world.venue, name="Shared therapist", kind=ResourceKind.STAFF)
    return member.id, sibling.id


def values_for(rule, world: World) -> dict:
    block = world.room.allocations[0] if world.room.allocations else Allocation(id=0)
    known = {
        "venue_id": world.venue.id,
        "resource_id": world.room.id,
        "service_id": world.service.id,
        "booking_id": world.booking.id,
        "block_id": block.id,
        "day": "2026-12-25",
        "person_id": world.manager.id,
    }
    if "message_id" in rule.arguments:
        known["message_id"] = message_of(world).id
    if "endpoint_id" in rule.arguments:
        delivery = delivery_of(world)
        known |= {"endpoint_id": delivery.endpoint_id, "delivery_id": delivery.id}
    if "invitation_id" in rule.arguments:
        known["invitation_id"] = invitation_of(world).id
    if "partner_id" in rule.arguments:
        known["partner_id"] = partner_of(world).id
    if "at_venue_id" in rule.arguments:
        known["resource_id"], known["at_venue_id"] = shift_of(world)
    missing = set(rule.arguments) - set(known)
    assert not missing, f"{rule.endpoint}: add {missing} to values_for"
    return {name: known[name] for name in rule.arguments}


def requests_for(app: Flask, world: World, *, scoped_only: bool = False):
    for rule in admin_rules(app):
        if rule.endpoint in OPEN or (scoped_only and rule.endpoint in NOT_VENUE_SCOPED):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, url(rule.endpoint, **values_for(rule, world))


def test_the_admin_has_urls_to_check(app, world):
    assert len(list(requests_for(app, world))) >= 20


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, world):
    login = url("admin.login")
    for method, path in requests_for(app, world):
        response = client.open(path, method=method)
        assert response.status_code == 302, (method, path)
        location = urlsplit(response.headers["Location"])
        assert location.path == login, (method, path)
        assert "next=" in location.query


def test_another_venues_manager_gets_404_everywhere(app, client, world, other_world):
    log_in(client, other_world.manager.email)
    for method, path in requests_for(app, world, scoped_only=True):
        response = client.open(path, method=method, data={})
        assert response.status_code == 404, (method, path)


def test_own_venue_with_another_venues_objects_is_404(app, client, world, other_world):
    """The venue in the URL is mine, the resource/service/booking is not."""
    log_in(client, world.manager.email)
    for rule in admin_rules(app):
        if rule.endpoint in OPEN or not set(rule.arguments) - {"venue_id", "day"}:
            continue
        values = values_for(rule, other_world) | {"venue_id": world.venue.id}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url(rule.endpoint, **values), method=method, data={})
            assert response.status_code == 404, (method, rule.rule)


@pytest.mark.parametrize(
    "endpoint",
    [
        "admin.venue_home",
        "admin.timeline",
        "admin.bookings",
        "admin.resources",
        "admin.services",
        "admin.reports",
        "admin.messages",
        "admin.venue_settings",
        "admin.webhooks",
        "admin.keys",
    ],
)
def test_own_venue_pages_open(admin, world, endpoint):
    response = admin.get(url(endpoint, venue_id=world.venue.id))
    assert response.status_code == 200


def test_a_manager_of_several_venues_reaches_each(app, client, world, other_world):
    from bookingsite.accounts import create_manager

    create_manager("both@example.com", "another password", [world.venue, other_world.venue])
    log_in(client, "both@example.com", "another password")
    index = client.get(url("admin.index")).get_data(as_text=True)
    assert world.venue.name in index and other_world.venue.name in index
    for w in (world, other_world):
        assert client.get(url("admin.timeline", venue_id=w.venue.id)).status_code == 200


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FRONT_DESK])
def test_each_role_opens_its_pages_and_gets_403_on_the_others(app, client, world, role):
    """Front desk: the timeline and bookings; manager: set-up too; owner: everything
    (the `admin` fixture's manager, above). Checked against every venue URL of the map,
    so a new page needs a role or is an owner's."""
    email = f"{role.value}.person@example.com"
    create_manager(email, "a role password", [world.venue], role=role)
    log_in(client, email, "a role password")
    opened = set()
    for rule in admin_rules(app):
        if rule.endpoint in OPEN or rule.endpoint in NOT_VENUE_SCOPED:
            continue
        path = url(rule.endpoint, **values_for(rule, world))
        allowed = role.allows(role_needed(rule.endpoint))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if allowed and method != "GET":
                continue  # acting would change the world the other requests check
            status = client.open(path, method=method, data={}).status_code
            if allowed:  # open: the page, or its own answer to a request without values
                assert status in (200, 422), (method, rule.rule, status)
                opened.add(rule.endpoint)
            else:
                assert status == 403, (method, rule.rule, status)
    expected = {"admin.venue_home", "admin.timeline", "admin.bookings", "admin.booking_detail"}
    assert expected <= opened
    assert ("admin.resources" in opened) == (role is Role.MANAGER)
    assert ("admin.reports" in opened) == (role is Role.MANAGER)
    assert "admin.keys" not in opened and "admin.venue_settings" not in opened


def test_another_organisation_s_venue_is_404_even_for_an_owner(app, client, world):
    elsewhere = make_venue(organisation=make_organisation("Another group"))
    log_in(client, world.manager.email)
    assert client.get(url("admin.venue_home", venue_id=elsewhere.id)).status_code == 404
    assert client.get(url("admin.venue_home", venue_id=world.venue.id)).status_code == 200


def test_links_a_role_cannot_follow_are_not_shown(client, world):
    create_manager("desk@example.com", "a role password", [world.venue], role=Role.FRONT_DESK)
    log_in(client, "desk@example.com", "a role password")
    home = client.get(url("admin.venue_home", venue_id=world.venue.id)).get_data(as_text=True)
    for endpoint in ("admin.timeline", "admin.bookings"):
        assert url(endpoint, venue_id=world.venue.id) in home
    for endpoint in ("admin.resources", "admin.keys", "admin.webhooks", "admin.venue_settings"):
        assert url(endpoint, venue_id=world.venue.id) not in home
