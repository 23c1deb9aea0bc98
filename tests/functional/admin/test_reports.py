"""The reports page: bookings, cancellations and revenue by day or week, by service and
by channel, checked against bookings made here (revenue from each booking's kept price,
never today's), days in the venue's zone across a clock change, who may open it, and
bad input answered on the form. On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from bookingsite.accounts import create_manager
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingStatus, Channel, Role, Service
from tests.factories import make_organisation, make_resource, make_service, make_venue
from tests.functional.admin.conftest import MONDAY_10, PASSWORD, World, log_in, url

pytestmark = pytest.mark.usefixtures("backend")

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
EVERY_DAY_8_TO_20 = {
    day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def page(response) -> str:
    return response.get_data(as_text=True)


class _Page(HTMLParser):
    """The text of each table's rows (by the table's id), and the totals (dt → dd), with
    every run of white space (Babel's thin and no-break spaces too) read as one space."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.totals: dict[str, str] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._term: str | None = None
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self._table = attributes["id"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("th", "td") and self._table:
            self._cell = []
        elif tag in ("dt", "dd"):
            self._in, self._cell = tag, []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag in ("th", "td") and self._table and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag in ("dt", "dd") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if tag == "dt":
                self._term = text
            elif self._term is not None:
                self.totals[self._term] = text
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read(response) -> _Page:
    parsed = _Page()
    parsed.feed(page(response))
    return parsed


def reports_url(world: World, **args) -> str:
    return url("admin.reports", venue_id=world.venue.id, **args)


def book(svc: Service, start: datetime, *, channel=Channel.WEB, confirm=True) -> Booking:
    customer = Customer(name="Grace Hopper", email="grace@example.com", phone="+49 30 1234567")
    held = service.hold(
        HoldRequest(service_id=svc.id, start=start, customer=customer, channel=channel)
    )
    return service.confirm(held.id, customer) if confirm else held


@dataclass
class Week:
    hour: Service
    massage: Service
    cancelled: Booking


@pytest.fixture
def week(app, clock, world: World) -> Week:
    """The week of Monday 2 March 2026 in Berlin, from the frozen clock's 1 March:

    Mon 2  Ada 10:00 (the world's, web, unpriced), hour 12:00 (web, 35)
    Tue 3  massage 10:00 (admin, 60); hour 14:00 (partner, 35) cancelled
    Wed 4  massage 12:00 (web, 60, whose price is then raised to 99); hour 10:00 a live
           hold; Thu 5 a hold let go and a hold expired; Mon 9 hour (outside the week)."""
    hour = world.service
    hour.variants[0].price_cents = 3500
    spa = make_resource(world.venue, name="alpha spa", weekly_hours=EVERY_DAY_8_TO_20)
    massage = make_service([spa], slug="alpha-massage", name="alpha massage")
    massage.variants[0].price_cents = 6000
    db.session.commit()

    expired = book(hour, MONDAY_10 + 3 * DAY + 4 * HOUR, confirm=False)
    clock.advance(timedelta(hours=1))  # past every hold's TTL
    assert service.sweep_lapsed_holds() == 1
    assert db.session.get(Booking, expired.id).status == BookingStatus.EXPIRED

    book(hour, MONDAY_10 + 2 * HOUR)
    book(massage, MONDAY_10 + DAY, channel=Channel.ADMIN)
    cancelled = book(hour, MONDAY_10 + DAY + 4 * HOUR, channel=Channel.PARTNER)
    service.cancel(cancelled.id, note="Partner's customer changed plans")
    book(massage, MONDAY_10 + 2 * DAY + 2 * HOUR)
    book(hour, MONDAY_10 + 2 * DAY, confirm=False)  # a live hold
    let_go = book(hour, MONDAY_10 + 3 * DAY, confirm=False)
    service.cancel(let_go.id)  # a hold let go: never a booking, so no cancellation
    book(hour, MONDAY_10 + 7 * DAY)

    # The price is edited after the bookings: the report keeps to their kept prices.
    massage.variants[0].price_cents = 9900
    db.session.commit()
    return Week(hour, massage, cancelled)


def test_figures_by_day_service_and_channel(admin, world, week):
    response = admin.get(reports_url(world, date_from="2026-03-02", date_to="2026-03-08"))
    assert response.status_code == 200
    shown = read(response)
    assert shown.totals == {
        "Bookings": "4",
        "Cancellations": "1",
        "Revenue": "€155.00",
        "Utilisation": shown.totals["Utilisation"],
    }
    assert shown.tables["counts-table"] == [
        ["Day", "Bookings", "Cancellations"],
        ["Mon, 2 Mar", "2", "0"],
        ["Tue, 3 Mar", "1", "1"],
        ["Wed, 4 Mar", "1", "0"],
        ["Thu, 5 Mar", "0", "0"],
        ["Fri, 6 Mar", "0", "0"],
        ["Sat, 7 Mar", "0", "0"],
        ["Sun, 8 Mar", "0", "0"],
        ["Total", "4", "1"],
    ]
    assert shown.tables["revenue-table"][1:4] == [
        ["Mon, 2 Mar", "€35.00"],
        ["Tue, 3 Mar", "€60.00"],
        ["Wed, 4 Mar", "€60.00"],  # the kept price, not the 99 it costs now
    ]
    assert shown.tables["revenue-table"][-1] == ["Total", "€155.00"]
    assert shown.tables["services-table"] == [
        ["Service", "Bookings", "Cancellations", "Revenue"],
        ["alpha hour", "2", "1", "€35.00"],
        ["alpha massage", "2", "0", "€120.00"],
    ]
    assert shown.tables["channels-table"] == [
        ["Channel", "Bookings", "Cancellations", "Revenue"],
        ["Website", "3", "0", "€95.00"],
        ["Staff (admin)", "1", "0", "€60.00"],
        ["Partners (API)", "0", "1", "€0.00"],
    ]
    assert "€99.00" not in page(response)


def test_figures_by_week(admin, world, week):
    response = admin.get(
        reports_url(world, date_from="2026-03-02", date_to="2026-03-15", by="week")
    )
    shown = read(response)
    assert shown.tables["counts-table"] == [
        ["Week", "Bookings", "Cancellations"],
        ["2 – 8 Mar", "4", "1"],  # Babel's thin spaces, read as spaces here
        ["9 – 15 Mar", "1", "0"],
        ["Total", "5", "1"],
    ]
    assert shown.tables["revenue-table"][1:] == [
        ["2 – 8 Mar", "€155.00"],
        ["9 – 15 Mar", "€35.00"],
        ["Total", "€190.00"],
    ]
    assert "Bookings and cancellations by week" in page(response)


@pytest.mark.parametrize(
    ("date_to", "heading"),
    [
        ("2026-04-01", "Bookings and cancellations by day"),  # 31 days: a bar a day
        ("2026-04-02", "Bookings and cancellations by week"),  # 32 days: a bar a week
    ],
)
def test_automatic_grouping_is_by_day_up_to_a_month(admin, world, week, date_to, heading):
    html = page(admin.get(reports_url(world, date_from="2026-03-02", date_to=date_to)))
    assert heading in html


def test_every_chart_is_an_image_with_a_name_and_a_table(admin, world, week):
    html = page(admin.get(reports_url(world, date_from="2026-03-02", date_to="2026-03-08")))
    charts = re.findall(r'<svg class="chart"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(charts) == 2
    for ids in charts:
        title, desc = ids.split()
        assert f'<title id="{title}">' in html and f'<desc id="{desc}">' in html
    assert 'role="img"' in html
    assert html.count('<details class="report-table">') == len(charts)
    assert "bookings: 4, cancellations: 1" in html  # the counts chart's description
    assert "Most bookings: Mon, 2 Mar, with 2." in html
    # The bars in the tables are pictures of the figures beside them.
    assert html.count('<svg class="hbar"') == html.count('aria-hidden="true" focusable')
    # What counts is said on the page.
    assert "Holds and expired holds count as neither." in html


def test_the_reports_page_reads_a_fixed_number_of_statements(admin, world, week):
    def statements_for_the_page() -> int:
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = admin.get(reports_url(world, date_from="2026-03-02", date_to="2026-03-15"))
            assert response.status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    before = statements_for_the_page()
    for n in range(6):
        book(week.massage, MONDAY_10 + (8 + n) * DAY)
    assert statements_for_the_page() == before


def test_an_empty_range_says_so(admin, world):
    html = page(admin.get(reports_url(world, date_from="2026-04-06", date_to="2026-04-12")))
    assert "No bookings or cancellations in this range." in html
    assert '<svg class="chart"' not in html
    assert 'id="utilisation-table"' in html


# A clock change ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "day", "week_row"),
    [
        # Monday 30 March 2026, 00:30 in Berlin (CEST, since Sunday's 02:00) = 22:30Z on
        # the 29th, the day before in UTC.
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), "Mon, 30 Mar", "30 Mar – 5 Apr"),
        # Monday 26 October 2026, 00:30 in Berlin (CET again since Sunday's 03:00).
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "Mon, 26 Oct", "26 Oct – 1 Nov"),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_booking_just_after_midnight_after_a_clock_change_counts_on_its_local_day(
    admin, world, start, day, week_row
):
    around_the_clock = make_resource(world.venue, name="alpha desk", weekly_hours=None)
    desk = make_service(
        [around_the_clock], slug="alpha-desk", name="alpha desk", grid_step_minutes=30
    )
    desk.variants[0].price_cents = 1200
    db.session.commit()
    book(desk, start)
    local = start + timedelta(hours=2 if start.month == 3 else 1)
    first, last = local.date() - 7 * DAY, local.date() + 6 * DAY  # the weeks either side

    shown = read(
        admin.get(reports_url(world, date_from=first.isoformat(), date_to=last.isoformat()))
    )
    days = {row[0]: row[1:] for row in shown.tables["counts-table"][1:-1]}
    assert days[day] == ["1", "0"]
    assert sum(int(counts[0]) for counts in days.values()) == 1
    assert [r for r in shown.tables["revenue-table"] if r[1] != "€0.00"] == [
        ["Day", "Revenue"],
        [day, "€12.00"],
        ["Total", "€12.00"],
    ]

    by_week = read(
        admin.get(
            reports_url(world, date_from=first.isoformat(), date_to=last.isoformat(), by="week")
        )
    )
    weeks = {row[0]: row[1:] for row in by_week.tables["counts-table"][1:-1]}
    assert len(weeks) == 2 and weeks[week_row] == ["1", "0"]


# Who may open it ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.OWNER, 200), (Role.MANAGER, 200), (Role.FRONT_DESK, 403)],
    ids=["owner", "manager", "front-desk"],
)
def test_owners_and_managers_see_the_reports_front_desk_does_not(client, world, role, status):
    email = f"{role.value}@reports.example"
    create_manager(email, PASSWORD, [world.venue], role=role)
    log_in(client, email)
    assert client.get(reports_url(world)).status_code == status


def test_another_organisations_venue_is_not_found(admin, world):
    elsewhere = make_venue(organisation=make_organisation("Another group"))
    response = admin.get(url("admin.reports", venue_id=elsewhere.id))
    assert response.status_code == 404


# Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"date_from": "2026-03-09", "date_to": "2026-03-02"},
            "The end of the range comes before its start.",
        ),
        ({"date_from": "garbage", "date_to": "2026-03-02"}, "Not a valid date value."),
        ({"date_from": "2026-02-30", "date_to": "2026-03-02"}, "Not a valid date value."),
        ({"date_from": "2026-03-02", "date_to": "2026-03-02T10:00"}, "Not a valid date value."),
        ({"date_from": "2026-03-02", "date_to": "9" * 300}, "Not a valid date value."),
        ({"date_from": "2026-03-02"}, "This field is required."),
        ({"date_from": "2025-01-01", "date_to": "2026-06-30"}, "Choose at most a year."),
        (
            {"date_from": "2026-01-01", "date_to": "2026-06-30", "by": "day"},
            "Show a range longer than 92 days by week.",
        ),
        (
            {"date_from": "2026-03-02", "date_to": "2026-03-08", "by": "month"},
            "Not a valid choice.",
        ),
    ],
    ids=[
        "reversed",
        "garbage",
        "no-such-day",
        "a-time",
        "too-long",
        "half-a-range",
        "over-a-year",
        "days-over-a-quarter",
        "unknown-grouping",
    ],
)
def test_bad_input_is_answered_on_the_form(admin, world, args, message):
    response = admin.get(reports_url(world, **args))
    assert response.status_code == 422
    assert re.search(r'class="field-error">[^<]*' + re.escape(message), page(response))
    assert '<svg class="chart"' not in page(response)
