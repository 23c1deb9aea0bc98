"""After booking, in each language, on a phone, for a visitor in New York and a venue in
Berlin (the server runs in UTC): the manage page, choosing a new time, cancelling and
"find my booking" stay accessible and no wider than the screen, and the new time is the
one tapped."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_customer import accessible, bookings
from tests.e2e.test_visitor_zone import fits_the_screen

BERLIN_ROOM = "/venues/spreeblick-rooms/meeting-room-1h?date=2026-03-02&view=day"
TEN = "2026-03-02T09:00:00Z"  # 10:00 in Berlin, 04:00 in New York
NEW_TIME = "2026-03-02T14:00:00Z"  # 15:00 in Berlin, on the 24/7 room's 75-minute grid


@pytest.fixture(params=["en", "fr", "de"])
def language(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def browser_context_args(browser_context_args, language):
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "locale": language,
        "timezone_id": "America/New_York",
    }


def check(page: Page, axe_violations, screenshot, name: str) -> None:
    accessible(axe_violations)
    fits_the_screen(page)
    screenshot(name)


def test_manage_a_booking_in_each_language(site, page: Page, language, screenshot, axe_violations):
    page.goto(f"{site.url}/venues/spreeblick-rooms?lang={language}")  # sets the zone cookie
    page.goto(f"{site.url}{BERLIN_ROOM}&lang={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator(f"button.slot[value='{TEN}']").click()
    page.locator("input[name=name]").fill("Ada Lovelace")
    page.locator("input[name=email]").fill("ada@example.com")
    page.locator("form.panel button[type=submit]").click()
    expect(page.locator(".manage-link a")).to_be_visible()
    check(page, axe_violations, screenshot, f"after-confirmation-{language}-phone")

    page.locator("a[href$='/reschedule']").click()
    expect(page.locator(f"button.slot[value='{NEW_TIME}']")).to_be_visible()
    expect(page.locator("#zone-differs")).to_be_visible()  # the visitor's own times too
    check(page, axe_violations, screenshot, f"after-reschedule-{language}-phone")
    page.locator(f"button.slot[value='{NEW_TIME}']").click()
    expect(page.locator(".manage-link a")).to_be_visible()
    check(page, axe_violations, screenshot, f"after-new-time-{language}-phone")
    [booking] = bookings()
    assert booking.start_at.isoformat() == "2026-03-02T14:00:00+00:00"

    page.locator("a[href$='/cancel']").click()
    check(page, axe_violations, screenshot, f"after-cancel-confirm-{language}-phone")
    page.locator("form[action$='/cancel'] button[type=submit]").click()
    expect(page.locator("a[href$='/cancel']")).to_have_count(0)
    assert bookings()[0].is_cancelled

    page.locator("a[href$='/bookings/find']").first.click()
    check(page, axe_violations, screenshot, f"after-find-{language}-phone")
