"""This session's admin pages in French and German, on a phone in New York (the spas
are in Paris): the Marais timeline with the visiting therapist's travel, a booking's
panel on the timeline (move and cancel), Claire's shifts at other venues, and the
reports. Each page is in the page's language, passes axe and does not scroll sideways.
Screenshots admin-<language>-<page>-phone.png."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import url_for
from playwright.sync_api import Browser, expect

from bookingsite import demo
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Resource, Service, Venue
from tests.e2e.conftest import AXE, SCREENSHOTS

pytestmark = pytest.mark.e2e


def _ids() -> dict[str, int]:
    hotel = db.session.scalar(sa.select(Venue).where(Venue.slug == "lumiere-spa"))
    marais = db.session.scalar(sa.select(Venue).where(Venue.slug == "lumiere-marais"))
    massage = db.session.scalar(
        sa.select(Service).where(Service.venue_id == hotel.id, Service.slug == "swedish-massage")
    )
    # Saturday 7 March, 13:30 in Paris: Claire at the hotel, then travelling.
    held = service.hold(
        HoldRequest(
            service_id=massage.id,
            start=datetime(2026, 3, 7, 12, 30, tzinfo=UTC),
            variant_id=massage.variants[0].id,
        )
    )
    booking = service.confirm(held.id, Customer(name="Ada Lovelace", email="ada@example.test"))
    claire = db.session.scalar(sa.select(Resource).where(Resource.name == "Claire"))
    return {"hotel": hotel.id, "marais": marais.id, "booking": booking.id, "claire": claire.id}


@pytest.mark.parametrize("locale", ["fr-FR", "de-DE"])
def test_the_new_admin_pages_in_each_language_on_a_phone(browser: Browser, site, locale):
    app = site.app
    ids = _ids()
    db.session.remove()
    with app.test_request_context():
        pages = {
            "timeline": url_for("admin.timeline", venue_id=ids["marais"], date="2026-03-07"),
            "booking-panel": url_for(
                "admin.timeline_booking",
                venue_id=ids["hotel"],
                booking_id=ids["booking"],
                date="2026-03-07",
                view="day",
            ),
            "shifts": url_for(
                "admin.resource_hours", venue_id=ids["hotel"], resource_id=ids["claire"]
            ),
            "reports": url_for(
                "admin.reports", venue_id=ids["hotel"], date_from="2026-03-01", date_to="2026-03-14"
            ),
        }
    language = locale[:2]
    context = browser.new_context(
        locale=locale,
        timezone_id="America/New_York",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    source = AXE.read_text()
    context.route(
        f"**/{AXE.name}", lambda route: route.fulfill(body=source, content_type="text/javascript")
    )
    page = context.new_page()
    try:
        page.goto(site.url + "/admin/login")
        page.locator("input[name=email]").fill("admin@example.com")  # the labels are translated
        page.locator("input[name=password]").fill(demo.DEMO_PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/admin/**")
        for name, path in pages.items():
            response = page.goto(site.url + path)
            assert response is not None and response.status == 200, name
            expect(page.locator("html")).to_have_attribute("lang", language)
            page.add_script_tag(url=f"/{AXE.name}")
            result = page.evaluate("async () => await axe.run(document)")
            serious = [
                v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")
            ]
            assert serious == [], (name, serious)
            assert not page.evaluate(
                "document.documentElement.scrollWidth > window.innerWidth + 1"
            ), f"{name} scrolls sideways"
            page.screenshot(
                path=str(SCREENSHOTS / f"admin-{language}-{name}-phone.png"), full_page=True
            )
        # Translated, not English: the visiting therapist's lane and the shifts section.
        page.goto(site.url + pages["timeline"])
        expected = {"fr": "À Hôtel Lumière Spa", "de": "In Hôtel Lumière Spa"}[language]
        expect(page.locator(".lane-track[aria-label='Claire'] .seg-elsewhere")).to_contain_text(
            expected
        )
        page.goto(site.url + pages["shifts"])
        heading = {
            "fr": "Horaires dans d'autres établissements",
            "de": "Schichten an anderen Standorten",
        }
        expect(page.get_by_role("heading", name=heading[language])).to_be_visible()
    finally:
        context.close()
