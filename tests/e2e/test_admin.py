"""A venue manager in a real Chromium: log in, set up, block an hour, cancel a booking; and
screenshots of the timeline on a normal day and on a daylight-saving day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from bookingsite.accounts import create_manager
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import ResourceKind, Service
from tests.factories import make_allocation, make_resource, make_service, make_venue

pytestmark = pytest.mark.e2e

PASSWORD = "a long demo password"
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def path(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def log_in(page: Page, live_server, email: str) -> None:
    page.goto(live_server.url + path(live_server.app, "admin.login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your venues")).to_be_visible()


def offered_starts(
    page: Page, live_server, venue_slug: str, service_slug: str, day: str
) -> set[str]:
    page.goto(
        live_server.url
        + path(
            live_server.app,
            "public.service",
            venue_slug=venue_slug,
            service_slug=service_slug,
            date=day,
        )
    )
    buttons = page.locator('button[name="start"]')
    return {buttons.nth(i).get_attribute("value") for i in range(buttons.count())}


def test_manager_sets_up_blocks_an_hour_and_cancels_a_booking(page: Page, live_server, app):
    venue = make_venue(slug="court-club", name="Court Club", timezone="Europe/Berlin")
    create_manager("boss@example.com", PASSWORD, [venue])
    app_path = lambda endpoint, **v: live_server.url + path(app, endpoint, venue_id=venue.id, **v)  # noqa: E731

    # 1. log in
    log_in(page, live_server, "boss@example.com")
    page.get_by_role("link", name="Court Club").click()

    # 2. create a resource (with its hours) and a service
    page.get_by_role("navigation").get_by_role("link", name="Resources", exact=True).click()
    page.get_by_role("link", name="New resource").click()
    page.get_by_label("Name", exact=True).fill("Court A")
    page.get_by_label("Kind").select_option("court")
    page.get_by_label("Capacity (guests at once)").fill("4")
    page.get_by_label("Open at set hours").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Hours of Court A")).to_be_visible()
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        page.locator(f"#{day}-periods-0-opens").fill("08:00")
        page.locator(f"#{day}-periods-0-closes").fill("20:00")
    page.get_by_role("button", name="Save the hours").click()
    expect(page.get_by_text("The hours of Court A were saved.")).to_be_visible()

    page.goto(app_path("admin.service_new"))
    page.get_by_label("Name", exact=True).fill("Court, one hour")
    page.get_by_label("Address name").fill("court-hour")
    page.locator("#variants-0-name").fill("60 minutes")
    page.locator("#variants-0-duration_minutes").fill("60")
    page.get_by_label("Step between start times (minutes)").fill("60")
    page.get_by_label("Court A").check()
    page.get_by_role("button", name="Save the service").click()
    expect(page.get_by_text("Court, one hour was created.")).to_be_visible()

    before = offered_starts(page, live_server, "court-club", "court-hour", "2026-03-02")
    assert {"2026-03-02T08:00:00Z", "2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"} <= before

    # 3. block 10:00-11:00 local (09:00Z) on Monday 2 March
    page.goto(app_path("admin.resources"))
    page.get_by_role("link", name="Blocks").click()
    page.get_by_label("Date", exact=True).fill("2026-03-02")
    page.get_by_label("From").fill("10:00")
    page.get_by_label("To", exact=True).fill("11:00")
    page.get_by_label("Reason").fill("Net repair")
    page.get_by_role("button", name="Block this time").click()
    expect(page.get_by_role("cell", name="Net repair")).to_be_visible()

    # 4. the customer page no longer offers that hour (its neighbours stay)
    after = offered_starts(page, live_server, "court-club", "court-hour", "2026-03-02")
    assert "2026-03-02T09:00:00Z" not in after
    assert {"2026-03-02T08:00:00Z", "2026-03-02T10:00:00Z"} <= after

    # A customer books 12:00 local; the page stops offering it.
    db.session.rollback()  # end the test thread's snapshot: the server wrote meanwhile
    court = db.session.scalar(db.select(Service).where(Service.slug == "court-hour"))
    booking = service.hold(
        HoldRequest(
            service_id=court.id,
            start=datetime(2026, 3, 2, 11, tzinfo=UTC),
            customer=Customer(name="Serena"),
        )
    )
    service.confirm(booking.id, Customer(name="Serena", email="serena@example.com"))
    assert "2026-03-02T11:00:00Z" not in offered_starts(
        page, live_server, "court-club", "court-hour", "2026-03-02"
    )

    # 5. the manager finds the booking and cancels it
    page.goto(app_path("admin.bookings"))
    page.get_by_label("Customer or reference").fill("serena")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=booking.reference).click()
    page.get_by_label("Note (optional)").fill("Rain")
    page.get_by_role("button", name="Cancel the booking").click()
    expect(page.get_by_text(f"Booking {booking.reference} was cancelled.")).to_be_visible()

    # 6. the slot comes back
    assert "2026-03-02T11:00:00Z" in offered_starts(
        page, live_server, "court-club", "court-hour", "2026-03-02"
    )


def seed_spa(now: datetime):
    """A spa in Paris with rooms and a therapist, and a busy Monday and DST Sunday."""
    venue = make_venue(slug="spa", name="Spa Lumière", timezone="Europe/Paris")
    hours = {day: [["09:00", "20:00"]] for day in EVERY_DAY}
    cabin = make_resource(venue, name="Cabine Iris", capacity=1, weekly_hours=hours)
    duo = make_resource(venue, name="Suite Duo", capacity=2, weekly_hours=hours)
    claire = make_resource(
        venue,
        name="Claire",
        kind=ResourceKind.STAFF,
        skills=["massage"],
        weekly_hours={day: [["10:00", "18:00"]] for day in EVERY_DAY},
    )
    massage = make_service(
        [cabin, duo, claire],
        slug="massage",
        name="Massage",
        buffer_after_minutes=15,
        grid_step_minutes=30,
        required_skills=["massage"],
        durations=(60, 90),
    )
    create_manager("spa@example.com", PASSWORD, [venue])
    for day in (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 29, tzinfo=UTC)):
        # Local 10:00 is 09:00Z in winter and 08:00Z on the DST Sunday (the jump is at 01:00Z).
        offset = 1 if day.month == 3 and day.day < 29 else 2
        local = lambda h, m=0, d=day, o=offset: d + timedelta(hours=h - o, minutes=m)  # noqa: E731
        make_allocation(duo, local(15), local(17), reason="Deep clean")
        make_allocation(claire, local(14, 30), local(15), reason="Lunch")
        for start, name, resource, confirm in (
            (local(10), "Amélie Poulain", cabin, True),
            (local(13), "Jean Valjean", cabin, False),
            (local(11, 30), "Marie Curie", duo, True),
        ):
            b = service.hold(
                HoldRequest(
                    service_id=massage.id,
                    start=start,
                    resource_id=resource.id,
                    customer=Customer(name=name),
                )
            )
            if confirm:
                service.confirm(b.id, Customer(name=name))
    return venue


@pytest.mark.parametrize(
    "day, name", [("2026-03-02", "timeline-normal-day"), ("2026-03-29", "timeline-dst-day")]
)
def test_timeline_screenshots(page: Page, live_server, app, screenshot, day, name):
    venue = seed_spa(datetime(2026, 3, 1, tzinfo=UTC))
    log_in(page, live_server, "spa@example.com")
    page.set_viewport_size({"width": 1400, "height": 800})
    page.goto(live_server.url + path(app, "admin.timeline", venue_id=venue.id, date=day))
    expect(page.locator(".seg-booking").first).to_be_visible()
    for kind in ("booking", "hold", "buffer", "block", "closed"):
        assert page.locator(f".seg-{kind}").count() > 0, kind
    ticks = page.locator(".timeline-axis .tick")
    expect(ticks).to_have_count(23 if day == "2026-03-29" else 24)
    screenshot(name)


def test_timeline_navigates_with_htmx_and_real_urls(page: Page, live_server, app):
    venue = seed_spa(datetime(2026, 3, 1, tzinfo=UTC))
    log_in(page, live_server, "spa@example.com")
    page.goto(live_server.url + path(app, "admin.timeline", venue_id=venue.id, date="2026-03-28"))
    page.evaluate("window.__marker = 'same page'")
    page.get_by_role("link", name="Next day →").click()
    expect(page).to_have_url(re.compile(r"date=2026-03-29"))
    expect(page.get_by_text("The clocks change today: this day has 23 hours.")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page"  # swapped by htmx, not reloaded
    page.go_back()
    expect(page).to_have_url(re.compile(r"date=2026-03-28"))
    page.reload()  # the pushed URL works on its own
    expect(page.locator(".timeline-title")).to_contain_text("28 March 2026")
