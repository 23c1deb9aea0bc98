"""Gather the engine's inputs from the database: after the service itself, two lean
queries (occupancies, allocations) whatever the number of days or resources.

They read only the resources asked about, and only the busy time that can reach into the
window: the window widened by the service's buffers, by the travel buffer where staff are
read, and for daily services to the whole local days it touches. A request therefore
answers questions about ranges inside its window, not beyond."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bookingsite import availability as engine
from bookingsite import setup_revision
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    Booking,
    Occupancy,
    Resource,
    Service,
    Venue,
)
from bookingsite.staff import travel_times

# Makes a named tuple from a tuple of its fields in C, without its Python __new__.
_new_tuple = tuple.__new__
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ONE_DAY = timedelta(days=1)
ONE_US = timedelta(microseconds=1)
# The predicate of ix_allocations_recurring, word for word so that both databases use
# that index. The admin form stores "no repeat" as JSON null, which IS NOT NULL keeps.
RECURRING = sa.text("weekdays IS NOT NULL AND CAST(weekdays AS TEXT) <> 'null'")


# Stored periods, [["09:00", "18:00"], ...], as a hashable key for the cache below.
_StoredPeriods = tuple[tuple[str, str], ...]


def _stored(periods: list[list[str]]) -> _StoredPeriods:
    return tuple((opens, closes) for opens, closes in periods)


def _parsed(periods: _StoredPeriods) -> tuple[tuple[time, time], ...]:
    return tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in periods)


@lru_cache(maxsize=1024)
def _hours_from(
    zone: str,
    weekly: tuple[_StoredPeriods, ...] | None,
    exceptions: tuple[tuple[str, _StoredPeriods], ...],
) -> engine.WorkingHours:
    """Parsed and validated once per distinct content: every question reads the hours
    of every resource it asks about, and most resources share a handful of them."""
    return engine.WorkingHours(
        zone=zone,
        weekly=None if weekly is None else tuple(map(_parsed, weekly)),
        exceptions={date.fromisoformat(day): _parsed(periods) for day, periods in exceptions},
    )


def working_hours(resource: Resource, venue: Venue | None = None) -> engine.WorkingHours:
    """The resource's hours at its own venue, or a staff member's shift at `venue`, in
    that venue's zone (closed there without one)."""
    weekly_hours, exceptions, zone = resource.weekly_hours, resource.hour_exceptions, resource.zone
    if venue is not None and venue.id != resource.venue_id:
        shift = resource.shift_at(venue.id)
        weekly_hours = shift.weekly_hours if shift is not None else {}
        exceptions = shift.hour_exceptions if shift is not None else {}
        zone = venue.timezone
    weekly = None
    if weekly_hours is not None:
        weekly = tuple(_stored(weekly_hours.get(k, [])) for k in WEEKDAY_KEYS)
    dated = tuple((day, _stored(periods)) for day, periods in (exceptions or {}).items())
    return _hours_from(zone, weekly, dated)


def policy_for(service: Service) -> engine.Policy:
    return engine.Policy(
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        grid=engine.Grid(
            alignment_minutes=service.grid_alignment_minutes,
            step_minutes=service.grid_step_minutes,
            anchor=service.start_alignment,
        ),
        lead_time=timedelta(minutes=service.lead_time_minutes),
        horizon=timedelta(days=service.horizon_days),
        required_skills=frozenset(service.required_skills or ()),
        travel_buffer=timedelta(minutes=service.venue.travel_buffer_minutes),
        # Only staff keep travel time, and only services that need skills read staff.
        travel_buffers=travel_times(service.venue_id) if service.required_skills else {},
        venue_id=service.venue_id,
    )


def load_service(service_id: int) -> Service | None:
    """The service with everything a question about it reads: its venue, options and
    resources. No statement at all when the request has loaded the service already (the
    API's access check and the booking service ask for the same one); otherwise one read
    of the set-up revision, and the graph is copied into the session from this process's
    copy while the database says that copy is current (bookingsite/setup_revision.py)."""
    session = db.session()
    present = session.identity_map.get(identity_key(Service, service_id))
    if present is not None:
        return present
    return setup_revision.kept_object(
        session,
        current_app.extensions["service_setups"],
        service_id,
        lambda: _load_service(service_id),
    )


def _load_service(service_id: int) -> Service | None:
    """A resource's venue is the service's: it is set on each resource as loaded, so
    that reading a resource's zone costs no lookup (a question reads it for every
    resource).

    PostgreSQL joins it all in one statement. SQLite would build the whole link table's
    join before picking this service's rows, so there the resources come by the link
    table's index in a second statement. Staff shifts at other venues come in one more.
    (All of it once per set-up revision: load_service keeps the graph.)"""
    resources = (
        joinedload(Service.resources)
        if db.session.get_bind().dialect.name == "postgresql"
        else selectinload(Service.resources)
    ).selectinload(Resource.shifts)
    service = db.session.get(
        Service,
        service_id,
        options=(joinedload(Service.venue), joinedload(Service.variants), resources),
    )
    if service is not None:
        for resource in service.resources:
            if resource.venue_id == service.venue_id and "venue" in sa.inspect(resource).unloaded:
                set_committed_value(resource, "venue", service.venue)
    return service


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # fold=0: a midnight inside a spring-forward gap is the instant of the jump.
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _whole_days(start: datetime, end: datetime, zones: Iterable[str]) -> tuple[datetime, datetime]:
    """[start, end) stretched to local midnights in every zone: a daily service judges
    each local date's working time as a whole."""
    firsts, lasts = [start], [end]  # the window itself, if there is no zone to widen it
    for name in zones:
        zone = ZoneInfo(name)
        firsts.append(_local_midnight(start.astimezone(zone).date(), zone))
        lasts.append(_local_midnight((end - ONE_US).astimezone(zone).date() + ONE_DAY, zone))
    return min(firsts), max(lasts)


class _Instants:
    """How a query reads instant columns so that each value becomes an aware UTC datetime
    in one call to C, with no zone conversion: a request reads thousands of them.

    PostgreSQL sends timestamptz in the session's zone, and loading it with a zone costs
    several times a plain one: ask for seconds since the epoch instead (a float8 holds
    every microsecond up to the 2240s). SQLite stores naive UTC text: ask for it with its
    offset appended, which `fromisoformat` reads five times faster than it sets a zone
    with `replace`."""

    def __init__(self, dialect: str) -> None:
        self.epoch = dialect == "postgresql"
        self.value: Callable[[Any], datetime] = (
            partial(datetime.fromtimestamp, tz=UTC) if self.epoch else datetime.fromisoformat
        )

    def column(self, column: sa.ColumnElement[datetime]) -> sa.ColumnElement:
        if self.epoch:
            return sa.func.date_part("epoch", column, type_=sa.Float)
        return sa.type_coerce(column, sa.String).concat(sa.literal_column("'+00:00'"))

    def bookings(self, rows: Sequence[sa.Row], into: dict[int, list[engine.Busy]]) -> None:
        """Adds each row of `_occupancies` to its resource's busy time: thousands of rows,
        each made a Busy without its Python __new__. Rows carry the venue only when
        travel is read."""
        value, kind, busy = self.value, engine.BusyKind.BOOKING, engine.Busy
        if rows and len(rows[0]) == 4:
            for rid, start, end, venue_id in rows:
                into[rid].append(_new_tuple(busy, (value(start), value(end), kind, venue_id)))
        else:
            for rid, start, end in rows:
                into[rid].append(_new_tuple(busy, (value(start), value(end), kind, None)))


def _among(column: sa.ColumnElement[int], name: str) -> sa.ColumnElement[bool]:
    """`column IN (ids)` with the ids (parameter `name`) written into the statement:
    hundreds of bound parameters cost more to render and send than the query costs to
    run, and a short statement stays in the driver's cache."""
    return column.in_(sa.bindparam(name, expanding=True, literal_execute=True))


# Two statements, each with the columns of its own rows: a read of thousands of rows costs
# per column, and one UNION ALL of both shapes took a quarter longer on SQLite than this.
# Each is built once per shape with every value a parameter (`ids`, `staff_ids` with
# `travel`, `excluded` with `excluding`, `read_from`, `read_to`, `now`): a hold would
# otherwise spend more on building a statement than on running it.


@lru_cache(maxsize=16)
def _occupancies(dialect: str, *, travel: bool, excluding: bool) -> sa.Select:
    """Active occupancies in range, less lapsed holds not yet marked expired: (resource
    id, start, end), and with `travel` the booking's venue for staff rows. No join: the
    lapsed holds are a short list from their partial index, and the venue is looked up
    by primary key for staff rows alone."""
    instants = _Instants(dialect)
    lapsed_holds = sa.select(Booking.id).where(Booking.hold_has_lapsed(sa.bindparam("now")))
    columns = [
        Occupancy.resource_id,
        instants.column(Occupancy.start_at),
        instants.column(Occupancy.end_at),
    ]
    if travel:
        venue_of_booking = sa.select(Booking.venue_id).where(Booking.id == Occupancy.booking_id)
        columns.append(
            sa.case(
                (_among(Occupancy.resource_id, "staff_ids"), venue_of_booking.scalar_subquery())
            )
        )
    query = sa.select(*columns).where(
        Occupancy.active,
        _among(Occupancy.resource_id, "ids"),
        Occupancy.end_at > sa.bindparam("read_from"),
        Occupancy.start_at < sa.bindparam("read_to"),
        Occupancy.booking_id.not_in(lapsed_holds),
    )
    if excluding:
        query = query.where(Occupancy.booking_id.not_in(sa.bindparam("excluded", expanding=True)))
    return query


@lru_cache(maxsize=4)
def _allocations(dialect: str) -> sa.Select:
    """Blocks in range and every recurring block: (resource id, start, end, weekdays
    and last date as text)."""
    instants = _Instants(dialect)
    return sa.select(
        Allocation.resource_id,
        instants.column(Allocation.start_at),
        instants.column(Allocation.end_at),
        sa.cast(Allocation.weekdays, sa.Text),
        sa.cast(Allocation.repeat_until, sa.Text),
    ).where(
        # Each branch names the resources, so that each can use its own index.
        sa.or_(
            sa.and_(
                _among(Allocation.resource_id, "ids"),
                Allocation.end_at > sa.bindparam("read_from"),
                Allocation.start_at < sa.bindparam("read_to"),
            ),
            sa.and_(_among(Allocation.resource_id, "ids"), RECURRING),
        )
    )


def _recurring_block(
    start: datetime, end: datetime, weekdays: list[int], until: date | None, zone: ZoneInfo
) -> engine.RecurringBlock:
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    return engine.RecurringBlock(
        start_time=local_start.time().replace(tzinfo=None),
        end_time=local_end.time().replace(tzinfo=None),
        weekdays=frozenset(weekdays),
        first_date=local_start.date(),
        until=until,
    )


def build_request(
    service: Service,
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    guests: int = 1,
    resource_id: int | None = None,
    staff_count: int = 1,
    exclude_booking_ids: frozenset[int] = frozenset(),
) -> engine.Request:
    """The engine's view of `service` for questions about ranges inside
    [window_start, window_end): the place `resource_id` (or every place) and the staff
    qualified for the service, if it needs any (`staff_count` of them together). Expired
    holds are ignored here even before any write has marked them expired."""
    policy = policy_for(service)
    active = [r for r in service.resources if r.active]
    places = [r for r in active if not r.is_staff and resource_id in (None, r.id)]
    required = policy.required_skills
    staff = [r for r in active if r.is_staff and required and required <= set(r.skills or ())]
    resources = places + staff

    read_from, read_to = window_start, window_end
    if service.is_daily:
        read_from, read_to = _whole_days(read_from, read_to, {r.zone for r in resources})
    reach_before, reach_after = policy.buffer_before, policy.buffer_after
    if staff:
        reach_before += policy.longest_travel
        reach_after += policy.longest_travel
    read_from, read_to = read_from - reach_before, read_to + reach_after

    ids = [r.id for r in resources]
    busy: dict[int, list[engine.Busy]] = {rid: [] for rid in ids}
    recurring: dict[int, list[engine.RecurringBlock]] = {rid: [] for rid in ids}
    if ids:
        connection = db.session.connection()
        dialect = connection.dialect.name
        instants = _Instants(dialect)
        instant = instants.value
        staff_ids = [r.id for r in staff] if policy.longest_travel else []
        occupancies = _occupancies(
            dialect, travel=bool(staff_ids), excluding=bool(exclude_booking_ids)
        )
        values = {"ids": ids, "read_from": read_from, "read_to": read_to, "now": now}
        if staff_ids:
            values["staff_ids"] = staff_ids
        if exclude_booking_ids:
            values["excluded"] = list(exclude_booking_ids)
        instants.bookings(connection.execute(occupancies, values).all(), into=busy)
        blocks = connection.execute(_allocations(dialect), values).all()
        by_id = {r.id: r for r in resources}
        for rid, start, end, weekdays_text, until_text in blocks:
            start, end = instant(start), instant(end)
            weekdays = json.loads(weekdays_text) if weekdays_text else None
            if weekdays:
                until = date.fromisoformat(until_text) if until_text else None
                zone = ZoneInfo(by_id[rid].zone)
                recurring[rid].append(_recurring_block(start, end, weekdays, until, zone))
            else:
                busy[rid].append(engine.Busy(start, end, engine.BusyKind.ALLOCATION))

    def to_engine(resource: Resource) -> engine.Resource:
        return engine.Resource(
            id=resource.id,
            hours=working_hours(resource, service.venue),
            capacity=resource.capacity,
            skills=frozenset(resource.skills or ()),
            venue_id=resource.venue_id,
            busy=tuple(busy[resource.id]),
            recurring_blocks=tuple(recurring[resource.id]),
        )

    return engine.Request(
        places=tuple(map(to_engine, places)),
        staff=tuple(map(to_engine, staff)),
        policy=policy,
        now=now,
        guests=guests,
        resource_id=resource_id,
        staff_count=staff_count,
    )
