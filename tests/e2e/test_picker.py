"""The picker in Chromium, on a desktop and on a phone, for a visitor in New York booking
in Berlin: a month of days, then one day's times grouped by part of day; each click
fetches one small part, pushes the URL, and the back button walks back through them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.test_customer import accessible, bookings, fill_checkout
from tests.e2e.test_visitor_zone import SIZES, fits_the_screen

ROOMS = "/venues/spreeblick-rooms/meeting-room-1h"
STUDIO = "/venues/spreeblick-rooms/workspace-by-the-hour"
FRAGMENT_LIMIT = 15 * 1024


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


def open_with_zone(page: Page, url: str) -> None:
    """The first page sets the visitor's zone cookie; the second shows it."""
    page.goto(url)
    page.reload()


def test_month_then_day_then_a_time(site, page: Page, size, screenshot, axe_violations):
    open_with_zone(page, site.url + ROOMS)
    expect(page.get_by_role("heading", name="March 2026")).to_be_visible()
    expect(page.locator("#day-title")).to_have_text("Monday, March 2, 2026")
    expect(page.locator("#zone-differs")).to_contain_text("Eastern Time · New York")
    expect(page.locator("#choice")).to_contain_text(re.compile(r"1 hour · 1 hr · €35\.00"))
    expect(page.locator(".part-of-day")).to_have_text(["Morning", "Afternoon", "Evening"])
    accessible(axe_violations)
    fits_the_screen(page)
    screenshot(f"picker-month-{size}")
    page.screenshot(path=str(SCREENSHOTS / f"picker-month-{size}-viewport.png"))

    sunday = page.locator(".cal a[data-day='2026-03-08']")
    if size == "desktop":
        # The reason shows on focus (and hover), not as a click.
        expect(page.locator(".cal-head")).to_be_visible()
        sunday.focus()
        expect(sunday.locator("i")).to_have_text("closed at that time")
        assert sunday.locator("i").bounding_box()["width"] > 20
        page.screenshot(path=str(SCREENSHOTS / f"picker-reason-{size}-viewport.png"))
    else:
        strip = page.locator(".cal")
        assert strip.evaluate("el => el.scrollWidth > el.clientWidth"), "not a strip"
        assert strip.evaluate("el => getComputedStyle(el).display") == "flex"
        expect(sunday.locator("i")).to_be_visible()  # small print under each day

    with page.expect_response(re.compile(r"/times\?")) as fetched:
        page.locator(".cal a[data-day='2026-03-05']").click()
    assert len(fetched.value.body()) <= FRAGMENT_LIMIT
    expect(page).to_have_url(re.compile(rf"{ROOMS}\?.*date=2026-03-05"))
    expect(page.locator("#day-title")).to_have_text("Thursday, March 5, 2026")
    expect(page.locator(".cal a[data-day='2026-03-05']")).to_have_attribute("aria-current", "date")
    ten = page.get_by_role("button", name=re.compile(r"Book March 5, 2026 at 10:00\sAM"))
    expect(ten).to_contain_text(re.compile(r"10:00\sAM\s+4:00\sAM your time"))
    accessible(axe_violations)
    fits_the_screen(page)
    screenshot(f"picker-day-{size}")
    page.screenshot(path=str(SCREENSHOTS / f"picker-day-{size}-viewport.png"))

    with page.expect_response(re.compile(r"/days\?")) as fetched:
        page.locator("a.month-nav[rel=next]").click()
    assert len(fetched.value.body()) <= FRAGMENT_LIMIT
    expect(page.get_by_role("heading", name="April 2026")).to_be_visible()
    expect(page).to_have_url(re.compile(r"month=2026-04"))
    page.go_back()
    expect(page.get_by_role("heading", name="March 2026")).to_be_visible()
    expect(page.locator("#day-title")).to_have_text("Thursday, March 5, 2026")
    page.go_back()
    expect(page).to_have_url(re.compile(r"date=2026-03-02|meeting-room-1h$"))
    expect(page.locator("#day-title")).to_have_text("Monday, March 2, 2026")

    page.get_by_role("button", name=re.compile(r"Book March 2, 2026 at 10:00\sAM")).click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    fill_checkout(page)
    expect(page.get_by_text("Confirmed")).to_be_visible()
    [booking] = bookings()
    assert booking.start_at.isoformat() == "2026-03-02T09:00:00+00:00"


def test_a_shared_link_opens_the_same_day(site, page: Page, size):
    page.goto(f"{site.url}{ROOMS}?date=2026-03-10")
    expect(page.locator("#day-title")).to_have_text("Tuesday, March 10, 2026")
    expect(page.locator(".cal a[data-day='2026-03-10']")).to_have_attribute("aria-current", "date")


def test_hourly_start_then_end(site, page: Page, size, screenshot, axe_violations):
    open_with_zone(page, site.url + STUDIO)
    page.locator(".cal a[data-day='2026-03-03']").click()
    expect(page.locator("#day-title")).to_have_text("Tuesday, March 3, 2026")
    page.locator("a.slot[data-start='2026-03-03T09:00:00Z']").click()
    expect(page).to_have_url(re.compile(r"start=2026-03-03T09"))
    expect(page.get_by_role("heading", name=re.compile("Until when"))).to_be_visible()
    expect(page.locator("#choice")).to_contain_text("from 10:00")
    page.screenshot(path=str(SCREENSHOTS / f"picker-hourly-ends-{size}-viewport.png"))
    # The ends are scrolled into view, their heading clear of the sticky choice.
    ends_title = page.locator("#ends-title").bounding_box()
    choice = page.locator("#choice").bounding_box()
    viewport = page.viewport_size["height"]
    assert 0 <= ends_title["y"] < viewport, "the ends are out of view"
    assert ends_title["y"] >= choice["y"] + choice["height"] - 1, "the choice hides the heading"
    accessible(axe_violations)
    fits_the_screen(page)
    screenshot(f"picker-hourly-ends-{size}")
    page.get_by_role("button", name=re.compile(r"^1:00\sPM")).click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    fill_checkout(page)
    expect(page.get_by_text("Confirmed")).to_be_visible()
    [booking] = bookings()
    assert (booking.start_at.hour, booking.end_at.hour) == (9, 12)


def test_the_reschedule_page_reuses_the_picker(site, page: Page, size, screenshot, axe_violations):
    open_with_zone(page, f"{site.url}{ROOMS}?date=2026-03-04")
    page.get_by_role("button", name=re.compile(r"Book March 4, 2026 at 10:00\sAM")).click()
    fill_checkout(page)
    page.locator("a[href$='/reschedule']").click()
    expect(page.get_by_role("heading", name="Change the time")).to_be_visible()
    expect(page.locator("#day-title")).to_have_text("Wednesday, March 4, 2026")
    expect(page.locator(".cal li.current a[data-day='2026-03-04']")).to_be_visible()
    accessible(axe_violations)
    fits_the_screen(page)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 4000, f"the reschedule page is {height}px tall"
    screenshot(f"picker-reschedule-{size}")
    page.locator(".cal a[data-day='2026-03-06']").click()
    expect(page.locator("#day-title")).to_have_text("Friday, March 6, 2026")
    page.get_by_role("button", name=re.compile(r"Move to March 6, 2026 at 2:00\sPM")).click()
    expect(page.get_by_text("Your booking now starts at")).to_be_visible()
    [booking] = bookings()
    assert booking.start_at.isoformat() == "2026-03-06T13:00:00+00:00"


@pytest.mark.parametrize("size", ["desktop"], indirect=True)
def test_without_javascript_links_and_forms_book(site, browser, size):
    context = browser.new_context(java_script_enabled=False, locale="en-US", **SIZES[size])
    page = context.new_page()
    page.goto(f"{site.url}{ROOMS}")
    page.locator(".cal a[data-day='2026-03-05']").click()
    expect(page).to_have_url(re.compile(r"/times\?.*date=2026-03-05"))  # a whole page
    expect(page.locator("#day-title")).to_have_text("Thursday, March 5, 2026")
    page.screenshot(path=str(SCREENSHOTS / "picker-nojs-day.png"), full_page=True)
    page.get_by_role("button", name=re.compile(r"Book March 5, 2026 at 10:00\sAM")).click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    fill_checkout(page)
    expect(page.get_by_text("Confirmed")).to_be_visible()
    context.close()
    [booking] = bookings()
    assert booking.start_at.isoformat() == "2026-03-05T09:00:00+00:00"
