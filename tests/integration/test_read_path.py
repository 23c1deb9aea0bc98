"""The engine's inputs as read from both databases: a constant number of queries, and
only the rows of the resources and the time asked about."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bookingsite import availability as engine
from bookingsite.booking.inputs import build_request, load_service
from bookingsite.extensions import db
from bookingsite.models import (
    Booking,
    BookingStatus,
    DurationMode,
    Occupancy,
    Resource,
    ResourceKind,
    Service,
)
from tests.factories import make_allocation, make_resource, make_service, make_venue

pytestmark = pytest.mark.usefixtures("backend")

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
# The clock fixture's now is 2026-03-01 00:00Z; the windows start the day after.
NOW = datetime(2026, 3, 1, tzinfo=UTC)
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def book(
    service: Service,
    resource: Resource,
    start: datetime,
    end: datetime,
    status: BookingStatus = BookingStatus.CONFIRMED,
    expires: datetime | None = None,
) -> Booking:
    booking = Booking(
        venue_id=service.venue_id,
        service_id=service.id,
        status=status,
        start_at=start,
        end_at=end,
        hold_expires_at=expires,
        created_at=NOW,
        occupancies=[
            Occupancy(
                resource_id=resource.id,
                start_at=start,
                end_at=end,
                active=status in (BookingStatus.HOLD, BookingStatus.CONFIRMED),
            )
        ],
    )
    db.session.add(booking)
    db.session.commit()
    return booking


@contextmanager
def counted_queries() -> Iterator[list[tuple[str, object]]]:
    """The statements sent to the database meanwhile, with their parameters."""
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args) -> None:
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def resources_named(statements: list[tuple[str, object]], table: str) -> set[int]:
    """The resource ids that the reads of `table` ask for (written into the statement)."""
    named = set()
    for statement, _ in statements:
        if f"FROM {table}" in statement:
            for ids in re.findall(r"resource_id IN \(([\d, ]+)\)", statement):
                named |= {int(i) for i in ids.split(",")}
    return named


def fresh_request(service_id: int, days: int, **kwargs) -> engine.Request:
    """What one web request does: load the service in a new session, then read."""
    db.session.remove()
    service = load_service(service_id)
    return build_request(
        service, window_start=MONDAY, window_end=MONDAY + days * DAY, now=NOW, **kwargs
    )


def busy_of(req: engine.Request) -> dict[int, list[tuple[datetime, datetime]]]:
    return {
        resource.id: sorted((b.interval.start, b.interval.end) for b in resource.busy)
        for resource in (*req.places, *req.staff)
    }


def seeded_service(size: int, *, with_staff: bool) -> int:
    """A service over `size` rooms (and two therapists, at a venue with a travel buffer),
    busy every third day for 100 days, each with a one-off block and a weekly block."""
    venue = make_venue(travel_buffer_minutes=30 if with_staff else 0)
    rooms = [make_resource(venue) for _ in range(size)]
    staff = [
        make_resource(venue, kind=ResourceKind.STAFF, skills=["massage"])
        for _ in range(2 if with_staff else 0)
    ]
    service = make_service(
        rooms + staff,
        buffer_after_minutes=15,
        required_skills=["massage"] if with_staff else [],
    )
    for day in range(-5, 95, 3):  # one booking a day on every resource, as one group
        start = MONDAY + day * DAY + 9 * HOUR
        occupied = [
            Occupancy(resource_id=r.id, start_at=start, end_at=start + HOUR) for r in rooms + staff
        ]
        db.session.add(
            Booking(
                venue_id=venue.id,
                service_id=service.id,
                status=BookingStatus.CONFIRMED,
                start_at=start,
                end_at=start + HOUR,
                created_at=NOW,
                occupancies=occupied,
            )
        )
    for resource in rooms + staff:
        make_allocation(resource, MONDAY + 12 * HOUR, MONDAY + 13 * HOUR, weekdays=None)
        make_allocation(resource, MONDAY + 7 * HOUR, MONDAY + 8 * HOUR, weekdays=[0, 2])
    db.session.commit()
    return service.id


@pytest.mark.parametrize("with_staff", [False, True], ids=["rooms", "rooms-and-staff"])
def test_queries_per_request_do_not_grow_with_days_or_resources(app, with_staff):
    """Counted for a process that has not read the service yet (its set-up is loaded)
    and for one that has (its copy is current): each count constant, the second lower."""

    def counted(service_id: int, days: int) -> tuple[int, engine.Request]:
        with counted_queries() as statements:
            req = fresh_request(service_id, days)
        return len(statements), req

    def cold_and_warm(service_id: int, days: int) -> tuple[tuple[int, int], engine.Request]:
        # What a process keeps of the set-up: the service's graph, and for staff the
        # travel times of its venue.
        app.extensions["service_setups"].clear()
        app.extensions["travel_times"].clear()
        cold, cold_req = counted(service_id, days)
        warm, warm_req = counted(service_id, days)
        assert warm_req == cold_req
        return (cold, warm), warm_req

    counts = {}
    services = {size: seeded_service(size, with_staff=with_staff) for size in (5, 20, 80)}
    for days in (1, 7, 30, 92):
        counts[f"20 resources, {days} days"], req = cold_and_warm(services[20], days)
        assert len(req.places) == 20 and all(len(p.busy) >= days // 3 for p in req.places)
    for size, service_id in services.items():
        counts[f"{size} resources, 30 days"], req = cold_and_warm(service_id, 30)
        assert len(req.places) == size and all(len(p.busy) >= 10 for p in req.places)
        assert len(req.staff) == (2 if with_staff else 0)
    assert len(set(counts.values())) == 1, counts
    (cold, warm), *_ = counts.values()
    assert warm < cold


def test_one_resource_one_day_reads_only_its_own_rows(app):
    venue = make_venue()
    asked, other = make_resource(venue), make_resource(venue)
    service = make_service([asked, other], buffer_before_minutes=10, buffer_after_minutes=20)
    window_start, window_end = MONDAY + 9 * HOUR, MONDAY + 17 * HOUR
    # Each side: a booking ending (or starting) just where the buffer's reach ends, and
    # the next one, just in reach.
    book(service, asked, window_start - 2 * HOUR, window_start - 10 * MINUTE)
    reaching_in_before = book(service, asked, window_start - 10 * MINUTE, window_start - 9 * MINUTE)
    inside = book(service, asked, window_start + HOUR, window_start + 2 * HOUR)
    reaching_in_after = book(service, asked, window_end + 19 * MINUTE, window_end + 20 * MINUTE)
    book(service, asked, window_end + 20 * MINUTE, window_end + 2 * HOUR)
    for day in (-1, 0, 1):  # the other place is busy all around, and never read
        book(service, other, window_start + day * DAY, window_start + day * DAY + HOUR)
    make_allocation(other, window_start, window_end)

    with counted_queries() as statements:
        req = build_request(
            load_service(service.id),
            window_start=window_start,
            window_end=window_end,
            now=NOW,
            resource_id=asked.id,
        )
    assert [place.id for place in req.places] == [asked.id]
    assert req.staff == ()
    assert busy_of(req) == {
        asked.id: [(b.start_at, b.end_at) for b in (reaching_in_before, inside, reaching_in_after)]
    }
    assert resources_named(statements, "occupancies") == {asked.id}
    assert resources_named(statements, "allocations") == {asked.id}


def test_lapsed_holds_and_excluded_bookings_are_not_busy(app):
    resource = make_resource()
    service = make_service([resource])
    confirmed = book(service, resource, MONDAY + 9 * HOUR, MONDAY + 10 * HOUR)
    live = book(
        service, resource, MONDAY + 10 * HOUR, MONDAY + 11 * HOUR, BookingStatus.HOLD, NOW + HOUR
    )
    book(service, resource, MONDAY + 11 * HOUR, MONDAY + 12 * HOUR, BookingStatus.HOLD, NOW)
    moving = book(service, resource, MONDAY + 12 * HOUR, MONDAY + 13 * HOUR)
    book(service, resource, MONDAY + 13 * HOUR, MONDAY + 14 * HOUR, BookingStatus.CANCELLED)

    req = build_request(
        load_service(service.id),
        window_start=MONDAY,
        window_end=MONDAY + DAY,
        now=NOW,
        exclude_booking_ids=frozenset({moving.id}),
    )
    assert busy_of(req)[resource.id] == [(b.start_at, b.end_at) for b in (confirmed, live)]
    assert all(b.interval.start.tzinfo is UTC for b in req.places[0].busy)


def test_staff_are_read_with_the_travel_buffer_and_only_when_the_service_needs_them(app):
    venue = make_venue(travel_buffer_minutes=30)
    elsewhere = make_venue()
    room = make_resource(venue)
    therapist = make_resource(venue, kind=ResourceKind.STAFF, skills=["massage"])
    unqualified = make_resource(venue, kind=ResourceKind.STAFF, skills=["nails"])
    massage = make_service([room, therapist, unqualified], required_skills=["massage"])
    rental = make_service([room, therapist])
    other_site = make_service([make_resource(elsewhere), therapist])
    window_start, window_end = MONDAY + 9 * HOUR, MONDAY + 17 * HOUR
    book(other_site, therapist, window_start - 2 * HOUR, window_start - 30 * MINUTE)
    away = book(other_site, therapist, window_start - 30 * MINUTE, window_start - 29 * MINUTE)

    req = build_request(
        load_service(massage.id), window_start=window_start, window_end=window_end, now=NOW
    )
    assert [s.id for s in req.staff] == [therapist.id]
    assert [(b.interval.start, b.venue_id) for b in req.staff[0].busy] == [
        (away.start_at, elsewhere.id)
    ]

    no_staff_needed = build_request(
        load_service(rental.id), window_start=window_start, window_end=window_end, now=NOW
    )
    assert no_staff_needed.staff == ()


def test_daily_services_read_the_whole_local_days_of_the_window(app):
    venue = make_venue(timezone="Europe/Berlin")
    van = make_resource(venue, timezone="America/New_York")
    service = make_service([van], duration_mode=DurationMode.DAILY, min_days=1, max_days=3)
    # The window is two UTC hours of Monday; the van's Monday (New York) runs 05:00Z-05:00Z.
    window_start, window_end = MONDAY + 12 * HOUR, MONDAY + 14 * HOUR
    early = book(service, van, MONDAY + 5 * HOUR, MONDAY + 6 * HOUR)
    late = book(service, van, MONDAY + 28 * HOUR, MONDAY + 29 * HOUR - MINUTE)
    book(service, van, MONDAY + 4 * HOUR, MONDAY + 5 * HOUR)  # Sunday there
    book(service, van, MONDAY + 29 * HOUR, MONDAY + 30 * HOUR)  # Tuesday there

    req = build_request(
        load_service(service.id), window_start=window_start, window_end=window_end, now=NOW
    )
    assert busy_of(req)[van.id] == [(early.start_at, early.end_at), (late.start_at, late.end_at)]


def test_recurring_blocks_are_read_whenever_they_started_and_one_offs_only_in_range(app):
    resource = make_resource()
    service = make_service([resource])
    make_allocation(resource, MONDAY - 70 * DAY, MONDAY - 70 * DAY + HOUR, weekdays=[0])
    make_allocation(resource, MONDAY - 7 * DAY, MONDAY - 7 * DAY + HOUR, weekdays=None)
    in_range = make_allocation(resource, MONDAY + 2 * HOUR, MONDAY + 3 * HOUR, weekdays=None)

    req = build_request(
        load_service(service.id), window_start=MONDAY, window_end=MONDAY + DAY, now=NOW
    )
    (place,) = req.places
    assert [(b.interval.start, b.kind) for b in place.busy] == [
        (in_range.start_at, engine.BusyKind.ALLOCATION)
    ]
    assert [(b.weekdays, b.first_date) for b in place.recurring_blocks] == [
        (frozenset({0}), (MONDAY - 70 * DAY).date())
    ]
