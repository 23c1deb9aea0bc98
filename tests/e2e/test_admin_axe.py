"""axe on every admin page: each GET page of the URL map (so a new page is covered, and
this test fails until its URL values are known here), opened by the demo's owner in
Chromium on a desktop and on a phone in New York, at the hotel spa (Paris) with a
booking, a message, a partner key, a webhook endpoint and a shared therapist. No serious
or critical violation, and no page that scrolls sideways on a phone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import url_for
from playwright.sync_api import Browser

from bookingsite import demo
from bookingsite.accounts import create_partner
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    Manager,
    Message,
    Resource,
    Scope,
    Service,
    Venue,
    WebhookEndpoint,
)
from tests.e2e.conftest import AXE, NOW
from tests.e2e.test_visitor_zone import SIZES

pytestmark = pytest.mark.e2e

# Pages reached by a token (the invitation and reset tests run axe on them), and files.
NOT_PAGES = {
    "admin.login",
    "admin.invitation",
    "admin.password_reset",
    "admin.bookings_csv",
    "admin.message_calendar",
}


def _world() -> dict[str, int]:
    """The ids every admin URL of the hotel spa needs."""
    hotel = db.session.scalar(sa.select(Venue).where(Venue.slug == "lumiere-spa"))
    marais = db.session.scalar(sa.select(Venue).where(Venue.slug == "lumiere-marais"))
    massage = db.session.scalar(
        sa.select(Service).where(Service.venue_id == hotel.id, Service.slug == "swedish-massage")
    )
    held = service.hold(
        HoldRequest(
            service_id=massage.id,
            start=datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
            variant_id=massage.variants[0].id,
        )
    )
    booking = service.confirm(held.id, Customer(name="Ada Lovelace", email="ada@example.test"))
    partner, _key = create_partner("Hotel app", [hotel], scopes=list(Scope), now=NOW)
    endpoint = WebhookEndpoint(
        venue_id=hotel.id,
        partner_id=partner.id,
        url="https://hooks.example.org/in",
        event_types=["booking.held"],
        secret="whsec_ZnV6eg==",
        created_at=NOW,
    )
    db.session.add(endpoint)
    db.session.commit()
    claire = db.session.scalar(sa.select(Resource).where(Resource.name == "Claire"))
    return {
        "venue_id": hotel.id,
        "booking_id": booking.id,
        "service_id": massage.id,
        "resource_id": claire.id,
        "at_venue_id": marais.id,
        "block_id": db.session.scalar(
            sa.select(Allocation.id).where(Allocation.resource_id == claire.id)
        ),
        "partner_id": partner.id,
        "endpoint_id": endpoint.id,
        "message_id": db.session.scalar(
            sa.select(Message.id).where(Message.venue_id == hotel.id).limit(1)
        ),
        "person_id": db.session.scalar(
            sa.select(Manager.id).where(Manager.email == "admin@example.com")
        ),
    }


def _pages(app, ids: dict[str, int]) -> list[str]:
    pages = []
    with app.test_request_context():
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if not rule.endpoint.startswith("admin.") or rule.endpoint in NOT_PAGES:
                continue
            if "GET" not in rule.methods:
                continue
            missing = set(rule.arguments) - set(ids)
            assert not missing, f"{rule.endpoint}: add {missing} to _world"
            pages.append(url_for(rule.endpoint, **{k: ids[k] for k in rule.arguments}))
    return pages


@pytest.mark.parametrize("size", list(SIZES))
def test_every_admin_page_passes_axe(browser: Browser, site, size):
    ids = _world()
    pages = _pages(site.app, ids)
    db.session.remove()
    assert len(pages) >= 25
    context = browser.new_context(timezone_id="America/New_York", **SIZES[size])
    source = AXE.read_text()
    context.route(
        f"**/{AXE.name}", lambda route: route.fulfill(body=source, content_type="text/javascript")
    )
    page = context.new_page()
    found: dict[str, list[str]] = {}
    try:
        page.goto(site.url + "/admin/login")
        page.get_by_label("E-mail address").fill("admin@example.com")
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/**")
        for path in pages:
            response = page.goto(site.url + path)
            assert response is not None and response.status == 200, path
            page.add_script_tag(url=f"/{AXE.name}")
            result = page.evaluate("async () => await axe.run(document)")
            serious = [
                f"{v['id']}: {v['nodes'][0]['target']}"
                for v in result["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if size == "phone" and page.evaluate(
                "document.documentElement.scrollWidth > window.innerWidth + 1"
            ):
                serious.append("the page scrolls sideways")
            if serious:
                found[path] = serious
    finally:
        context.close()
    assert found == {}
