"""The timeline as the venue's working calendar, in Chromium, on a desktop and on a phone,
for a front-desk person whose browser is in New York looking at a Berlin venue: a booking
taken by phone from a free range, moved by choosing a new start and resource on the
lanes, then cancelled; live holds with the minutes they have left; the week of the
spring-forward Sunday with readable day labels; a phone that opens the day at the current
time; no serious axe finding.

Screenshots: timeline-day-moving.png, timeline-week-dst.png, timeline-phone-now.png."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from bookingsite.accounts import create_manager
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Booking, Channel, Message, MessageKind, Role
from tests.e2e.test_admin import PASSWORD, log_in, path
from tests.e2e.test_visitor_zone import SIZES, fits_the_screen
from tests.factories import make_resource, make_service, make_venue

pytestmark = pytest.mark.e2e

EVERY_DAY = {d: [["08:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Monday 2 March 2026 in Berlin (UTC+1).
MONDAY = datetime(2026, 3, 2, tzinfo=UTC) - timedelta(hours=1)  # local midnight
DESK = "desk@example.com"
SIZES = {**SIZES, "desktop": {"viewport": {"width": 1400, "height": 900}}}


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


def local(day: datetime, hours: float) -> datetime:
    """`hours` after a local midnight (no clock change that day)."""
    return day + timedelta(hours=hours)


@dataclass(frozen=True)
class Club:
    """Ids, which outlive the test's session (the live server writes meanwhile)."""

    venue: int
    court_a: int
    court_b: int
    game: int


def court_club(clock, now: datetime) -> Club:
    """Two courts in Berlin, open 08:00-22:00, an hour's game; two bookings on Monday 2
    March, and a hold at 13:00 placed `now` when that is before it (live for its ten
    minutes); a front-desk person. The clock then says `now`."""
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    venue = make_venue(slug="court-club", name="Court Club", timezone="Europe/Berlin")
    court_a = make_resource(venue, name="Court A", weekly_hours=EVERY_DAY)
    court_b = make_resource(venue, name="Court B", weekly_hours=EVERY_DAY)
    game = make_service(
        [court_a, court_b], slug="game", name="Court, one hour", grid_step_minutes=30
    )

    def hold(hours: float, name: str, court) -> Booking:
        return service.hold(
            HoldRequest(
                service_id=game.id,
                start=local(MONDAY, hours),
                resource_id=court.id,
                customer=Customer(name=name),
            )
        )

    for hours, name, court in ((10, "Amélie Poulain", court_a), (11.5, "Marie Curie", court_b)):
        service.confirm(hold(hours, name, court).id, Customer(name=name, email="g@example.com"))
    clock.set(now)
    if now < local(MONDAY, 13):
        hold(13, "Jean Valjean", court_a)
    create_manager(DESK, PASSWORD, [venue], role=Role.FRONT_DESK)
    return Club(venue.id, court_a.id, court_b.id, game.id)


def lane(page: Page, court: int) -> Locator:
    return page.locator(f'.lane-track[data-resource="{court}"]')


def x_at(page: Page, court: int, hours: float, hours_long: float = 24) -> tuple[float, float]:
    """The page point on `court`'s lane at `hours` after the day's local midnight."""
    lane(page, court).scroll_into_view_if_needed()
    box = lane(page, court).bounding_box()
    return box["x"] + box["width"] * hours / hours_long, box["y"] + box["height"] / 2


def accessible(axe_violations) -> None:
    found = axe_violations()
    assert found == [], [(v["id"], v["nodes"][0]["target"]) for v in found]


def test_a_phone_booking_is_taken_moved_and_cancelled_on_the_timeline(
    page: Page, live_server, app, clock, size, screenshot, axe_violations
):
    club = court_club(clock, local(MONDAY, 8.25))  # 08:15 Berlin
    at = lambda endpoint, **v: live_server.url + path(app, endpoint, venue_id=club.venue, **v)  # noqa: E731
    log_in(page, live_server, DESK)
    page.goto(at("admin.timeline", date="2026-03-02"))
    hold = page.locator("li.seg-hold")
    expect(hold.locator(".hold-left")).to_have_text("10 min")
    expect(hold).to_have_attribute("title", re.compile(r"^Hold — 10 min left · Jean Valjean"))
    expect(hold.get_by_role("link")).to_have_accessible_name(
        re.compile(r"^Hold — 10 min left, 13:00–14:00: 10 min Jean Valjean")
    )
    accessible(axe_violations)

    # 1. A free range on Court B becomes the panel: dragged across 15:00-16:00 with a
    #    mouse, or on a phone the free range's link, reached and followed by keyboard.
    if size == "desktop":
        x0, y = x_at(page, club.court_b, 15.05)
        x1, _y = x_at(page, club.court_b, 15.95)
        page.mouse.move(x0, y)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, y, steps=4)
        page.mouse.move(x1, y, steps=4)
        page.mouse.up()
    else:
        gap = page.get_by_role("link", name=re.compile(r"^Court B is free 12:30–22:00"))
        gap.focus()
        page.keyboard.press("Enter")
    panel = page.locator("#timeline-panel")
    expect(panel.get_by_role("heading", name="Free time on Court B")).to_be_focused()
    if size == "desktop":  # the drag's range, in Berlin time whatever the browser's zone
        expect(panel.get_by_label("Start", exact=True)).to_have_value("15:00")
        expect(panel.get_by_label("End", exact=True)).to_have_value("16:00")
    else:
        expect(panel.get_by_label("Start", exact=True)).to_have_value("12:30")
        panel.get_by_label("Start", exact=True).fill("15:00")
    expect(panel.get_by_label("Resource").first).to_have_value(str(club.court_b))
    accessible(axe_violations)
    fits_the_screen(page)

    # 2. The customer's details; the booking service's rules; the confirmation.
    panel.get_by_label("Name", exact=True).fill("Grace Hopper")
    panel.get_by_label("E-mail", exact=True).fill("grace@example.com")
    panel.get_by_label("Phone", exact=True).fill("+49 30 1234567")
    panel.get_by_role("button", name="Book and send the confirmation").click()
    expect(
        page.get_by_text(re.compile(r"for Grace Hopper on 02/03/2026, 15:00 is confirmed"))
    ).to_be_visible()
    db.session.remove()  # a fresh look at what the live server wrote
    booking = db.session.scalar(sa.select(Booking).where(Booking.channel == Channel.ADMIN))
    assert booking.start_at == local(MONDAY, 15) and booking.customer_email == "grace@example.com"
    segment = page.locator(".seg-booking", has_text="Grace Hopper")
    expect(segment).to_be_visible()

    # 3. Move it: the booking opens its panel; a click on Court A at 17:00 fills in the
    #    new start and resource (a phone types them).
    segment.get_by_role("link").click()
    panel = page.locator("#timeline-panel")
    expect(panel.get_by_role("heading", name=f"Booking {booking.reference}")).to_be_focused()
    if size == "desktop":
        page.mouse.click(*x_at(page, club.court_a, 17.1))
        expect(panel.get_by_label("New start time")).to_have_value("17:00")
        expect(panel.get_by_label("Resource")).to_have_value(str(club.court_a))
        expect(page.locator(".seg-moving")).to_be_visible()
        screenshot("timeline-day-moving")
    else:
        panel.get_by_label("New start time").fill("17:00")
        panel.get_by_label("Resource").select_option(str(club.court_a))
    accessible(axe_violations)
    panel.get_by_role("button", name="Move the booking").click()
    expect(
        page.get_by_text(f"Booking {booking.reference} was moved to 02/03/2026, 17:00.")
    ).to_be_visible()
    moved = page.locator(
        f'.lane-track[data-resource="{club.court_a}"] .seg-booking', has_text="Grace"
    )
    expect(moved).to_be_visible()

    # The booking's page tells the history: from → to, who, when.
    page.goto(at("admin.booking_detail", booking_id=booking.id))
    history = page.locator(".events")
    expect(history).to_contain_text("Booked by phone")
    expect(history).to_contain_text(
        "from 02/03/2026, 15:00–16:00 on Court B → to 02/03/2026, 17:00–18:00 on Court A"
    )
    expect(history).to_contain_text(DESK)
    if size == "desktop":
        screenshot("timeline-booking-history")
    expect(
        page.get_by_text("Local time in Central European Time · Berlin.", exact=True)
    ).to_be_visible()

    # 4. Cancel it from the timeline.
    page.goto(at("admin.timeline", date="2026-03-02"))
    page.locator(".seg-booking", has_text="Grace Hopper").get_by_role("link").click()
    panel = page.locator("#timeline-panel")
    panel.get_by_label("Note (optional)").fill("Rain")
    panel.get_by_role("button", name="Cancel the booking").click()
    expect(page.get_by_text(f"Booking {booking.reference} was cancelled.")).to_be_visible()
    expect(page.locator(".seg-booking", has_text="Grace Hopper")).to_have_count(0)

    db.session.remove()
    kinds = db.session.scalars(
        sa.select(Message.kind)
        .where(Message.booking_id == booking.id, Message.recipient == "grace@example.com")
        .order_by(Message.id)
    ).all()
    assert kinds == [
        MessageKind.BOOKING_CONFIRMED,
        MessageKind.BOOKING_MOVED,
        MessageKind.BOOKING_CANCELLED,
    ]


def test_a_taken_time_names_what_is_in_the_way(
    page: Page, live_server, app, clock, size, axe_violations
):
    club = court_club(clock, local(MONDAY, 8.25))
    log_in(page, live_server, DESK)
    page.goto(
        live_server.url
        + path(
            app,
            "admin.timeline_new",
            venue_id=club.venue,
            date="2026-03-02",
            resource=club.court_a,
            **{"from": "2026-03-02T09:30:00Z", "to": "2026-03-02T10:30:00Z"},
        )
    )
    panel = page.locator("#timeline-panel")
    panel.get_by_label("Name", exact=True).fill("Ada")
    panel.get_by_label("E-mail", exact=True).fill("ada@example.com")
    panel.get_by_role("button", name="Book and send the confirmation").click()
    expect(panel.get_by_text("This time is taken on Court A by:")).to_be_visible()
    expect(panel.get_by_text("Amélie Poulain")).to_be_visible()
    accessible(axe_violations)
    alternative = panel.locator("button.alternative").first
    expect(alternative).to_contain_text("Book at 02/03/2026, 11:")
    alternative.click()
    expect(
        page.get_by_text(re.compile(r"for Ada on 02/03/2026, 11:\d\d is confirmed"))
    ).to_be_visible()


def test_the_week_of_the_clocks_change_stays_readable(
    page: Page, live_server, app, clock, size, screenshot, axe_violations
):
    if size == "phone":
        pytest.skip("the week is a desktop picture; the phone test is the day's")
    club = court_club(clock, datetime(2026, 3, 22, 12, tzinfo=UTC))
    names = ["Zoë Wanamaker", "Bartholomew Featherstonehaugh", "Li Na", "Konstantinopel Maier"]
    for day in range(23, 30):
        midnight = datetime(2026, 3, day, tzinfo=UTC) - timedelta(hours=1)
        for n, hours in enumerate((9, 12, 16)[: 1 + day % 3]):
            booking = service.hold(
                HoldRequest(
                    service_id=club.game,
                    start=midnight + timedelta(hours=hours),
                    resource_id=club.court_a if n % 2 == 0 else club.court_b,
                    customer=Customer(name=names[(day + n) % len(names)]),
                )
            )
            service.confirm(booking.id, Customer(name=names[(day + n) % len(names)]))
    # Sunday 29 March: the clocks go forward at 02:00, so 10:00 local is 08:00Z.
    sunday = datetime(2026, 3, 29, 8, tzinfo=UTC)
    booking = service.hold(
        HoldRequest(
            service_id=club.game,
            start=sunday,
            resource_id=club.court_b,
            customer=Customer(name="Sunday Player"),
        )
    )
    service.confirm(booking.id, Customer(name="Sunday Player"))
    log_in(page, live_server, DESK)
    page.goto(
        live_server.url
        + path(app, "admin.timeline", venue_id=club.venue, date="2026-03-29", view="week")
    )
    expect(page.locator(".timeline-axis .tick")).to_have_count(7)
    cells = page.locator(".day-cell a")
    expect(cells.first).to_be_visible()
    assert cells.count() >= 8
    for i in range(cells.count()):
        cell = cells.nth(i)
        # Never cut: the label's content fits its box, and it says a count and a name.
        fits = cell.evaluate("a => a.scrollWidth <= a.clientWidth + 1")
        assert fits, cell.inner_text()
        assert re.fullmatch(r"\d+", cell.locator(".day-count").inner_text())
        assert re.fullmatch(r"\S+", cell.locator(".day-name").inner_text())
    # Full details on hover (the title) and focus (the accessible name, which begins with
    # the visible label).
    sunday_cell = page.get_by_role(
        "link", name=re.compile(r"^2 Sunday — Sun 29 Mar, Court B: 2 bookings\. 10:00–11:00 ")
    )
    expect(sunday_cell).to_have_count(1)
    assert sunday_cell.get_attribute("title").startswith(
        "Sun 29 Mar, Court B: 2 bookings. 10:00–11:00 Sunday Player; "
    )
    sunday_cell.focus()
    expect(sunday_cell).to_be_focused()
    accessible(axe_violations)
    screenshot("timeline-week-dst")
    sunday_cell.press("Enter")
    expect(page.get_by_text("The clocks change today: this day has 23 hours.")).to_be_visible()


def test_a_phone_opens_the_day_at_the_current_time(
    page: Page, live_server, app, clock, size, screenshot, axe_violations
):
    club = court_club(clock, local(MONDAY, 12.9))  # 12:54 Berlin
    log_in(page, live_server, DESK)
    page.goto(live_server.url + path(app, "admin.timeline", venue_id=club.venue))
    now_line = page.locator(".now-line").first
    expect(now_line).to_be_attached()
    timeline = page.locator(".timeline")
    box, line = timeline.bounding_box(), now_line.bounding_box()
    assert box["x"] <= line["x"] <= box["x"] + box["width"], (box, line)
    if size == "phone":
        assert timeline.evaluate("t => t.scrollLeft") > 0
        # The lane names stay in view beside the current time.
        name = page.locator(".timeline-row:not(.timeline-axis) .lane-name").first
        assert name.bounding_box()["x"] >= box["x"] - 1
        expect(page.locator(".hold-left")).to_be_in_viewport()
        screenshot("timeline-phone-now")
    fits_the_screen(page)
    accessible(axe_violations)


def test_without_javascript_every_action_is_a_plain_form(browser, live_server, app, clock):
    """No script at all: the free range is a link to the panel, the forms post, the
    answers are whole pages."""
    context = browser.new_context(
        java_script_enabled=False,
        timezone_id="America/New_York",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    try:
        club = court_club(clock, local(MONDAY, 8.25))
        log_in(page, live_server, DESK)
        page.goto(
            live_server.url + path(app, "admin.timeline", venue_id=club.venue, date="2026-03-02")
        )
        page.get_by_role("link", name=re.compile(r"^Court B is free 12:30–22:00")).click()
        panel = page.locator("#timeline-panel")
        expect(panel.get_by_label("Start", exact=True)).to_have_value("12:30")
        panel.get_by_label("Name", exact=True).fill("Grace Hopper")
        panel.get_by_label("E-mail", exact=True).fill("not an address")
        panel.get_by_role("button", name="Book and send the confirmation").click()
        expect(page.get_by_text("Invalid email address.")).to_be_visible()
        page.locator("#timeline-panel").get_by_label("E-mail", exact=True).fill("g@example.com")
        page.get_by_role("button", name="Book and send the confirmation").click()
        expect(page.get_by_text(re.compile(r"on 02/03/2026, 12:30 is confirmed"))).to_be_visible()
        page.locator(".seg-booking", has_text="Grace Hopper").get_by_role("link").click()
        panel = page.locator("#timeline-panel")
        panel.get_by_label("New start time").fill("17:00")
        panel.get_by_label("Resource").select_option(str(club.court_a))
        panel.get_by_role("button", name="Move the booking").click()
        expect(page.get_by_text(re.compile(r"was moved to 02/03/2026, 17:00\."))).to_be_visible()
    finally:
        context.close()
