"""Seed 002's shared therapist as the demo's owner sees it, in Chromium on a phone in New
York (the spas are in Paris): Claire's shifts at the Marais on her hours page, the
Marais' massage drawing on her, and a duo there that takes Sophie and Claire — offered
only once Claire has had the travel time after her booking at the hotel spa. The Marais'
timeline shows where Claire is and her travel. axe on each admin page; screenshots
shared-staff-*.png."""

from __future__ import annotations

import re
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

# Saturday 7 March 2026: Claire works at the hotel spa 09:00-17:00 (lunch 12:30-13:30)
# and at the Marais from 13:00 (Paris, UTC+1).
SATURDAY_AFTER_LUNCH = datetime(2026, 3, 7, 12, 30, tzinfo=UTC)


def path(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def _by_name(model, name: str):
    return db.session.scalar(sa.select(model).where(model.name == name))


def _serious(page) -> list[str]:
    page.add_script_tag(url=f"/{AXE.name}")
    result = page.evaluate("async () => await axe.run(document)")
    return [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_the_owner_sees_a_therapist_shared_by_two_spas(browser: Browser, site):
    app = site.app
    hotel = db.session.scalar(sa.select(Venue).where(Venue.slug == "lumiere-spa"))
    marais = db.session.scalar(sa.select(Venue).where(Venue.slug == "lumiere-marais"))
    claire = _by_name(Resource, "Claire")
    hotel_massage = db.session.scalar(
        sa.select(Service).where(Service.venue_id == hotel.id, Service.slug == "swedish-massage")
    )
    marais_massage = db.session.scalar(sa.select(Service).where(Service.venue_id == marais.id))
    single = hotel_massage.variants[0]
    # Claire at the hotel 13:30-14:30 Paris (+15 minutes to reset the cabin).
    held = service.hold(
        HoldRequest(service_id=hotel_massage.id, start=SATURDAY_AFTER_LUNCH, variant_id=single.id)
    )
    booked = service.confirm(held.id, Customer(name="Ada Lovelace", email="ada@example.test"))
    assert claire.id in {o.resource_id for o in booked.occupancies}
    ids = {
        "hotel": hotel.id,
        "marais": marais.id,
        "claire": claire.id,
        "service": marais_massage.id,
        "duo": marais_massage.variants[1].id,
    }
    db.session.remove()

    context = browser.new_context(
        timezone_id="America/New_York", viewport={"width": 390, "height": 844}
    )
    source = AXE.read_text()
    context.route(
        f"**/{AXE.name}", lambda route: route.fulfill(body=source, content_type="text/javascript")
    )
    page = context.new_page()
    try:
        page.goto(site.url + path(app, "admin.login"))
        page.get_by_label("E-mail address").fill("admin@example.com")
        page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()

        page.goto(
            site.url
            + path(app, "admin.resource_hours", venue_id=ids["hotel"], resource_id=ids["claire"])
            + "#shifts"
        )
        shifts = page.locator("#shifts")
        expect(
            shifts.get_by_role("row", name=re.compile("Lumière Marais Day Spa"))
        ).to_contain_text("13:00")
        assert _serious(page) == []
        shifts.screenshot(path=str(SCREENSHOTS / "shared-staff-shifts-phone.png"))

        page.goto(
            site.url
            + path(app, "admin.service_edit", venue_id=ids["marais"], service_id=ids["service"])
        )
        visiting = page.get_by_label("Claire, on shift here from Hôtel Lumière Spa")
        expect(visiting).to_be_checked()
        assert _serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / "shared-staff-service-phone.png"), full_page=True)

        # The Marais' duo that Saturday: Claire is at the hotel until 14:45 and needs 25
        # minutes to cross Paris, so the first duo starts at 15:30, Paris time (before
        # her hotel booking there is no room for 60 minutes and the way back).
        page.goto(
            f"{site.url}/venues/lumiere-marais/massage?date=2026-03-07&view=day"
            f"&variant={ids['duo']}"
        )
        times = page.locator('button[name="start"]')
        expect(times.first).to_be_visible()
        texts = [t.strip() for t in times.all_inner_texts()]
        # An English page writes 12-hour times, and the visitor's own (New York) below.
        assert texts and re.match(r"3:30\s?PM\s+9:30\s?AM your time", texts[0]), texts
        page.screenshot(path=str(SCREENSHOTS / "shared-staff-duo-times-phone.png"), full_page=True)

        # The Marais' timeline that day, on a desktop: Claire's lane says where she is
        # and keeps the travel either side free.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(site.url + path(app, "admin.timeline", venue_id=ids["marais"], date="2026-03-07"))
        lane = page.locator(".lane-track[aria-label='Claire']")
        expect(lane.locator(".seg-elsewhere")).to_contain_text("At Hôtel Lumière Spa")
        expect(lane.locator(".seg-travel")).to_have_count(2)
        expect(page.get_by_text("from Hôtel Lumière Spa")).to_be_visible()
        assert _serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / "shared-staff-timeline.png"), full_page=True)
    finally:
        context.close()
