"""A visitor in New York books a Berlin meeting room, on a desktop and on a phone: the
venue's times come with the visitor's own as a second line, and the pages stay
accessible and no wider than the screen with it shown."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_customer import accessible, bookings, fill_checkout

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
BERLIN_ROOM = "/venues/spreeblick-rooms/meeting-room-1h?date=2026-03-02"


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


def fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page scrolls sideways ({width}px > {viewport}px)"


def test_new_york_visitor_books_a_berlin_room(site, page: Page, size, screenshot, axe_violations):
    page.goto(f"{site.url}/venues/spreeblick-rooms")
    # site.js tells the server the browser's zone, URL-encoded.
    cookie = next(c for c in page.context.cookies() if c["name"] == "visitor_tz")
    assert cookie["value"] == "America%2FNew_York"
    expect(page.get_by_text("Times in Central European Time · Berlin")).to_be_visible()
    accessible(axe_violations)
    screenshot(f"zone-venue-{size}")

    page.goto(site.url + BERLIN_ROOM)
    note = page.locator("#zone-differs")
    expect(note).to_contain_text("Your time zone, Eastern Time · New York, differs")
    # 10:00 in Berlin on Monday 2 March is 04:00 the same day in New York; the first
    # slot, 07:00 in Berlin (Room Bode's opening), is 1 AM there.
    ten = page.get_by_role("button", name=re.compile(r"Book March 2, 2026 at 10:00\sAM"))
    expect(ten).to_contain_text(re.compile(r"10:00\sAM\s+4:00\sAM your time"))
    expect(ten).to_have_accessible_name(
        re.compile(r"^Book March 2, 2026 at 10:00\sAM, 4:00\sAM your time$")
    )
    expect(page.locator("button.slot").first).to_contain_text(
        re.compile(r"7:00\sAM\s+1:00\sAM your time")
    )
    accessible(axe_violations)
    fits_the_screen(page)
    screenshot(f"zone-service-{size}")

    ten.click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.locator(".summary .visitor-time")).to_contain_text(
        re.compile(r"Your time: Mar 2, 2026, 4:00\sAM – 5:00\sAM")
    )
    accessible(axe_violations)
    fits_the_screen(page)
    screenshot(f"zone-checkout-{size}")

    fill_checkout(page)
    expect(
        page.get_by_role("heading", name=re.compile("Booked! Your reference is BK-"))
    ).to_be_visible()
    expect(page.locator(".manage-link a")).to_be_visible()
    accessible(axe_violations)
    fits_the_screen(page)
    screenshot(f"zone-confirmation-{size}")
    [booking] = bookings()
    assert booking.start_at.isoformat() == "2026-03-02T09:00:00+00:00"


def test_van_rental_reads_as_pick_up_and_return(site, page: Page, size, screenshot, axe_violations):
    page.goto(f"{site.url}/venues/harbour-rentals/van")
    page.locator(".cal a[data-day='2026-03-03']").click()
    expect(page.locator(".rental-start")).to_have_text(re.compile(r"From 12:00\sAM Tue, Mar 3"))
    back = page.locator("a.slot[data-last-day='2026-03-04']")
    expect(back).to_contain_text(re.compile(r"2 days · to 12:00\sAM Thu, Mar 5"))
    back.click()
    expect(page.locator("#choice")).to_contain_text(
        re.compile(r"From 12:00\sAM Tue, Mar 3 to 12:00\sAM Thu, Mar 5, 2 days")
    )
    accessible(axe_violations)
    fits_the_screen(page)
    screenshot(f"rental-van-ends-{size}")
    page.get_by_role("button", name="Reserve these days").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.locator(".summary")).to_contain_text(
        re.compile(r"From 12:00\sAM Tue, Mar 3 to 12:00\sAM Thu, Mar 5, 2 days")
    )
    fits_the_screen(page)
    screenshot(f"rental-van-checkout-{size}")
