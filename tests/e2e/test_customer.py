"""A customer books through real Chromium against a live server (frozen clock)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from bookingsite.extensions import db
from bookingsite.models import Booking
from tests.e2e.conftest import SCREENSHOTS


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "en-GB",
        "timezone_id": "Europe/London",
        "viewport": {"width": 1200, "height": 900},
    }


def accessible(axe_violations) -> None:
    violations = axe_violations()
    assert violations == [], [(v["id"], v["help"], len(v["nodes"])) for v in violations]


def fill_checkout(page: Page, name: str = "Ada Lovelace") -> None:
    page.get_by_label("Your name").fill(name)
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_label("Phone").fill("+44 20 7946 0000")
    page.get_by_role("button", name="Confirm booking").click()


def bookings() -> list[Booking]:
    db.session.remove()
    return list(db.session.scalars(sa.select(Booking).order_by(Booking.start_at)))


def test_home_venue_and_filter(site, page: Page, screenshot, axe_violations):
    page.goto(site.url)
    expect(page.get_by_role("heading", name="Book a time")).to_be_visible()
    accessible(axe_violations)
    screenshot("home")
    page.get_by_label("Room for at least").fill("10")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Riverside Tennis Club")).to_have_count(0)
    page.get_by_role("link", name="Spreeblick Meeting Rooms").click()
    expect(page.get_by_role("heading", name="Places and opening hours")).to_be_visible()
    accessible(axe_violations)
    screenshot("venue")


def test_spa_treatment_with_a_therapist(site, page: Page, screenshot, axe_violations):
    page.goto(f"{site.url}/venues/lumiere-spa/swedish-massage?date=2026-03-03&view=day")
    page.get_by_label("Option").select_option(label="90 minutes")
    expect(page).to_have_url(re.compile(r"variant=\d+"))
    accessible(axe_violations)
    screenshot("service-spa")
    page.get_by_role("button", name=re.compile(r"Book .* at 10:00")).first.click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    expect(page.get_by_role("timer")).to_contain_text("10:00")
    accessible(axe_violations)
    screenshot("checkout")
    fill_checkout(page)
    expect(
        page.get_by_role("heading", name=re.compile("Booked! Your reference is BK-"))
    ).to_be_visible()
    accessible(axe_violations)
    screenshot("confirmation")
    [booking] = bookings()
    assert booking.is_confirmed and booking.variant.duration_minutes == 90
    kinds = sorted(r.kind.value for r in booking.resources)
    assert kinds == ["room", "staff"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    assert download.value.suggested_filename.endswith(".ics")


def test_hourly_range_meeting_room(site, page: Page, screenshot):
    page.goto(
        f"{site.url}/venues/spreeblick-rooms/workspace-by-the-hour?date=2026-03-02&view=day&lang=en"
    )
    page.locator("a.slot", has_text=re.compile(r"^10:00\sAM")).first.click()
    expect(page.get_by_role("heading", name=re.compile("Until when"))).to_be_visible()
    screenshot("service-hourly-ends")
    page.get_by_role("button", name=re.compile(r"^1:00\sPM")).click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    fill_checkout(page)
    expect(page.get_by_text("Confirmed")).to_be_visible()
    [booking] = bookings()
    assert booking.end_at - booking.start_at == timedelta(hours=3)


def test_daily_camera_kit_rental(site, page: Page, screenshot, axe_violations):
    page.goto(f"{site.url}/venues/harbour-rentals/camera-kit")
    expect(page.get_by_role("heading", name="Choose your pick-up day")).to_be_visible()
    page.locator(".cal a[data-day='2026-03-03']").click()  # the pick-up day
    expect(page).to_have_url(re.compile(r"start_day=2026-03-03"))
    expect(page.locator(".rental-start")).to_contain_text("Pick up")
    page.locator("a.slot[data-last-day='2026-03-05']").click()  # the return day
    expect(page).to_have_url(re.compile(r"end_day=2026-03-05"))
    expect(page.locator("#choice")).to_contain_text("3 days")
    expect(page.locator(".cal li.in a[data-day='2026-03-04']")).to_be_visible()
    accessible(axe_violations)
    screenshot("service-daily-ends")
    page.get_by_role("button", name="Reserve these days").click()
    fill_checkout(page)
    expect(page.get_by_text("Confirmed")).to_be_visible()
    group = bookings()
    assert len(group) == 3 and len({b.group_id for b in group}) == 1
    assert all(b.is_confirmed for b in group)


def test_van_around_the_clock_over_several_days(site, page: Page):
    page.goto(f"{site.url}/venues/harbour-rentals/van")
    page.locator(".cal a[data-day='2026-03-04']").click()
    page.locator("a.slot[data-last-day='2026-03-09']").click()
    expect(page.locator("#choice")).to_contain_text("6 days")
    page.get_by_role("button", name="Reserve these days").click()
    fill_checkout(page)
    expect(page.get_by_text("Confirmed")).to_be_visible()
    [booking] = bookings()
    assert booking.end_at - booking.start_at == timedelta(days=6)


def test_cancel_through_the_manage_link(site, page: Page, screenshot, axe_violations):
    page.goto(f"{site.url}/venues/riverside-tennis/court?date=2026-03-02&view=day")
    page.get_by_role("button", name=re.compile(r"Book .* at 9:00")).first.click()
    fill_checkout(page)
    manage_url = page.url.split("?")[0]
    page.goto(manage_url)
    page.get_by_role("link", name="Cancel this booking").click()
    screenshot("manage-cancel-confirm")
    page.get_by_role("button", name="Yes, cancel this booking").click()
    expect(page.get_by_text("is cancelled")).to_be_visible()
    accessible(axe_violations)
    screenshot("manage-cancelled")
    assert bookings()[0].is_cancelled


def test_two_customers_race_for_one_slot(site, browser, screenshot):
    url = f"{site.url}/venues/riverside-tennis/court?date=2026-03-02&view=day"
    first, second = browser.new_page(locale="en-US"), browser.new_page(locale="en-US")
    for page in (first, second):
        page.goto(url)
        page.get_by_label("Place").select_option(label="Court 1")
        expect(page).to_have_url(re.compile(r"resource=\d+"))
    slot = re.compile(r"Book .* at 10:00")
    first.get_by_role("button", name=slot).click()
    expect(first.get_by_role("heading", name="Checkout")).to_be_visible()
    second.get_by_role("button", name=slot).click()
    expect(second.get_by_role("alert")).to_contain_text("someone else has just taken this time")
    expect(second.get_by_text("Other times that are still free")).to_be_visible()
    second.screenshot(path=str(SCREENSHOTS / "race-loser.png"), full_page=True)
    assert len(bookings()) == 1


def test_hold_expires_when_the_clock_moves(site, clock, page: Page, screenshot, axe_violations):
    page.goto(f"{site.url}/venues/riverside-tennis/court?date=2026-03-02&view=day")
    page.get_by_role("button", name=re.compile(r"Book .* at 11:00")).first.click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    clock.advance(timedelta(minutes=10, seconds=1))
    fill_checkout(page)
    expect(page.get_by_text("Your hold has expired")).to_be_visible()
    accessible(axe_violations)
    screenshot("checkout-expired")
    page.get_by_role("link", name="Choose a time again").click()
    expect(page.get_by_role("button", name=re.compile(r"Book .* at 11:00")).first).to_be_visible()


@pytest.mark.parametrize(
    ("locale", "heading", "weekday"),
    [("fr", "Réserver un créneau", "lundi"), ("de", "Zeitfenster buchen", "Montag")],
)
def test_french_and_german_pages(
    site, page: Page, screenshot, axe_violations, locale, heading, weekday
):
    page.goto(f"{site.url}/?lang={locale}")
    page.get_by_label(re.compile("Langue|Sprache")).select_option(locale)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    page.goto(f"{site.url}/venues/lumiere-spa/swedish-massage?date=2026-03-02&view=day")
    expect(page.locator("html")).to_have_attribute("lang", locale)
    expect(page.get_by_role("heading", level=2).first).to_contain_text(weekday)
    accessible(axe_violations)
    screenshot(f"service-{locale}")


def test_grid_on_a_dst_change_day(site, page: Page, screenshot):
    # New York springs forward on Sunday 8 March 2026: 07:00 is 12:00Z the day before,
    # 11:00Z that day.
    page.goto(f"{site.url}/venues/riverside-tennis/court?date=2026-03-07&view=week")
    saturday = page.locator("section.day").nth(0)
    sunday = page.locator("section.day").nth(1)
    expect(saturday.locator("button.slot").first).to_have_attribute("value", "2026-03-07T12:00:00Z")
    expect(sunday.locator("button.slot").first).to_have_attribute("value", "2026-03-08T11:00:00Z")
    expect(sunday.locator("button.slot").first).to_contain_text("7:00")
    expect(sunday.locator("button.slot").last).to_contain_text("9:30")
    screenshot("service-dst")


def test_books_on_a_phone_with_the_keyboard_only(site, browser, screenshot):
    phone = browser.new_page(
        viewport={"width": 390, "height": 844}, locale="en-US", has_touch=True, is_mobile=True
    )
    phone.goto(f"{site.url}/venues/riverside-tennis/court?date=2026-03-02&view=day")
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("link", name="Skip to content")).to_be_focused()
    phone.keyboard.press("Enter")
    for _ in range(40):  # tab through the controls to the first free time
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.classList.contains('slot')"):
            break
    assert phone.evaluate("document.activeElement.value") == "2026-03-02T12:00:00Z"
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    phone.screenshot(path=str(SCREENSHOTS / "service-phone.png"), full_page=False)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Checkout")).to_be_visible()
    phone.screenshot(path=str(SCREENSHOTS / "checkout-phone.png"), full_page=True)


def test_grid_urls_are_shareable_and_the_back_button_works(site, page: Page):
    page.goto(f"{site.url}/venues/riverside-tennis/court?date=2026-03-02&view=day")
    page.get_by_role("link", name="Later →").click()
    expect(page).to_have_url(re.compile(r"date=2026-03-03"))
    expect(page.get_by_role("heading", level=2).first).to_contain_text("March 3")
    page.go_back()
    expect(page).to_have_url(re.compile(r"date=2026-03-02"))
    expect(page.get_by_role("heading", level=2).first).to_contain_text("March 2")
    shared = page.context.new_page()
    shared.goto(f"{site.url}/venues/riverside-tennis/court?date=2026-03-03&view=day")
    expect(shared.get_by_role("heading", level=2).first).to_contain_text("March 3")
