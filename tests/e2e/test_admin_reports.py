"""The reports page in Chromium, desktop and phone, for a manager in New York looking at a
Berlin venue: four weeks of bookings drawn as columns by day, a table behind each chart,
the breakdowns by service and channel, nothing wider than the screen, and no serious axe
finding. Screenshots: reports-desktop.png, reports-phone.png."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from bookingsite.accounts import create_manager
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Channel
from tests.e2e.test_admin import PASSWORD, log_in, path
from tests.e2e.test_visitor_zone import SIZES, fits_the_screen
from tests.factories import make_resource, make_service, make_venue

pytestmark = pytest.mark.e2e

EVERY_DAY = {d: [["08:00", "20:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Monday 2 March 2026, 09:00 in Berlin; the tests' clock says 1 March 00:00Z.
MONDAY_9 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(params=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def browser_context_args(browser_context_args, size):
    return {
        **browser_context_args,
        **SIZES[size],
        "locale": "en-US",
        "timezone_id": "America/New_York",
    }


def four_weeks_of_bookings():
    """A Berlin venue with a room and a studio, and a few bookings on most days of March
    2026 (busier towards the weekends), some by phone or by partners, a few cancelled."""
    venue = make_venue(slug="studio-club", name="Studio Club", timezone="Europe/Berlin")
    room = make_resource(venue, name="Room A", weekly_hours=EVERY_DAY)
    studio = make_resource(venue, name="Recording studio", weekly_hours=EVERY_DAY)
    meeting = make_service(
        [room], slug="meeting", name="Meeting room, one hour", grid_step_minutes=60
    )
    session = make_service(
        [studio],
        slug="session",
        name="Recording session with an engineer, two hours",
        durations=(120,),
        grid_step_minutes=60,
    )
    meeting.variants[0].price_cents = 4500
    session.variants[0].price_cents = 18000
    db.session.commit()
    channels = [Channel.WEB, Channel.WEB, Channel.ADMIN, Channel.PARTNER]
    n = 0
    for day in range(28):
        for slot in range((day * 5) % 4 + (day % 7 >= 4)):
            n += 1
            svc = session if (day + slot) % 3 == 0 else meeting
            start = MONDAY_9 + timedelta(days=day, hours=2 * slot + (svc is session))
            customer = Customer(name=f"Customer {n}", email=f"c{n}@example.com")
            held = service.hold(
                HoldRequest(
                    service_id=svc.id,
                    start=start,
                    customer=customer,
                    channel=channels[n % len(channels)],
                )
            )
            service.confirm(held.id, customer)
            if n % 9 == 0:
                service.cancel(held.id, note="Changed plans")
    create_manager("boss@example.com", PASSWORD, [venue])
    venue_id = venue.id
    db.session.remove()  # the live server's requests read afresh
    return venue_id


def test_manager_reads_four_weeks_of_reports(
    page: Page, live_server, app, size, screenshot, axe_violations
):
    venue_id = four_weeks_of_bookings()
    log_in(page, live_server, "boss@example.com")
    page.goto(
        live_server.url
        + path(
            app, "admin.reports", venue_id=venue_id, date_from="2026-03-02", date_to="2026-03-29"
        )
    )
    expect(page.get_by_role("heading", name="Bookings and cancellations by day")).to_be_visible()
    counts = page.get_by_role("img", name="Bookings and cancellations by day")
    expect(counts).to_be_visible()
    assert counts.bounding_box()["width"] > 0.8 * page.viewport_size["width"] - 40
    expect(page.get_by_role("img", name="Revenue by day")).to_be_visible()
    # The x axis names days in the venue's calendar (not New York's), as Berlin writes them.
    expect(counts.locator("text.chart-x").first).to_have_text("2 Mar")
    expect(page.get_by_role("heading", name="By service")).to_be_visible()
    expect(
        page.get_by_role("rowheader", name="Recording session with an engineer, two hours")
    ).to_be_visible()
    fits_the_screen(page)
    assert axe_violations() == []
    screenshot(f"reports-{size}")

    # The table behind the chart opens in place.
    page.get_by_text("The figures as a table").first.click()
    table = page.locator("#counts-table")
    expect(table.get_by_role("rowheader", name="Mon, 2 Mar")).to_be_visible()
    fits_the_screen(page)
    assert axe_violations() == []
    screenshot(f"reports-table-{size}")

    # Weeks, with the same totals.
    page.get_by_label("Show by").select_option("week")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("img", name="Bookings and cancellations by week")).to_be_visible()
    fits_the_screen(page)
    assert axe_violations() == []
