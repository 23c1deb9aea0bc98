"""Gather the engine's inputs from the database: a constant number of queries whatever
the number of days or resources (services, resources, occupancies, allocations)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from bookingsite import availability as engine
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    Booking,
    Occupancy,
    Resource,
    Service,
)

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Busy time that starts before a window can still reach into it (buffers, travel, days).
READ_MARGIN = timedelta(days=2)


def parse_periods(periods: list[list[str]]) -> tuple[tuple[time, time], ...]:
    return tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in periods)


def working_hours(resource: Resource) -> engine.WorkingHours:
    weekly = None
    if resource.weekly_hours is not None:
        weekly = tuple(parse_periods(resource.weekly_hours.get(k, [])) for k in WEEKDAY_KEYS)
    exceptions = {
        date.fromisoformat(day): parse_periods(periods)
        for day, periods in (resource.hour_exceptions or {}).items()
    }
    return engine.WorkingHours(zone=resource.zone, weekly=weekly, exceptions=exceptions)


def policy_for(service: Service) -> engine.Policy:
    return engine.Policy(
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        grid=engine.Grid(
            alignment_minutes=service.grid_alignment_minutes,
            step_minutes=service.grid_step_minutes,
        ),
        lead_time=timedelta(minutes=service.lead_time_minutes),
        horizon=timedelta(days=service.horizon_days),
        required_skills=frozenset(service.required_skills or ()),
        travel_buffer=timedelta(minutes=service.venue.travel_buffer_minutes),
        venue_id=service.venue_id,
    )


def load_service(service_id: int) -> Service | None:
    return db.session.scalar(
        sa.select(Service)
        .where(Service.id == service_id)
        .options(
            selectinload(Service.resources).selectinload(Resource.venue),
            selectinload(Service.variants),
            selectinload(Service.venue),
        )
    )


def _recurring_block(allocation: Allocation, zone: str) -> engine.RecurringBlock:
    local_start = allocation.start_at.astimezone(ZoneInfo(zone))
    local_end = allocation.end_at.astimezone(ZoneInfo(zone))
    return engine.RecurringBlock(
        start_time=local_start.time().replace(tzinfo=None),
        end_time=local_end.time().replace(tzinfo=None),
        weekdays=frozenset(allocation.weekdays or ()),
        first_date=local_start.date(),
        until=allocation.repeat_until,
    )


def build_request(
    service: Service,
    *,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    guests: int = 1,
    resource_id: int | None = None,
    exclude_booking_ids: frozenset[int] = frozenset(),
) -> engine.Request:
    """The engine's view of `service` between two instants. Expired holds are ignored
    here even before any write has marked them expired."""
    resources = [r for r in service.resources if r.active]
    ids = [r.id for r in resources]
    read_from, read_to = window_start - READ_MARGIN, window_end + READ_MARGIN

    busy: dict[int, list[engine.Busy]] = {rid: [] for rid in ids}
    recurring: dict[int, list[engine.RecurringBlock]] = {rid: [] for rid in ids}
    if ids:
        # A Core query: thousands of plain rows, no ORM identity work needed.
        occupied = db.session.connection().execute(
            sa.select(Occupancy.resource_id, Occupancy.start_at, Occupancy.end_at, Booking.venue_id)
            .join(Booking, Booking.id == Occupancy.booking_id)
            .where(
                Occupancy.resource_id.in_(ids),
                Occupancy.active,
                Occupancy.start_at < read_to,
                Occupancy.end_at > read_from,
                Booking.id.not_in(exclude_booking_ids) if exclude_booking_ids else sa.true(),
                Booking.is_active_at(now),
            )
        )
        for rid, start, end, venue_id in occupied:
            busy[rid].append(
                engine.Busy(engine.Interval(start, end), engine.BusyKind.BOOKING, venue_id)
            )
        allocations = db.session.scalars(
            sa.select(Allocation).where(
                Allocation.resource_id.in_(ids),
                sa.or_(
                    Allocation.weekdays.is_not(None),
                    sa.and_(Allocation.start_at < read_to, Allocation.end_at > read_from),
                ),
            )
        )
        zones = {r.id: r.zone for r in resources}
        for allocation in allocations:
            rid = allocation.resource_id
            if allocation.is_recurring:
                recurring[rid].append(_recurring_block(allocation, zones[rid]))
            else:
                interval = engine.Interval(allocation.start_at, allocation.end_at)
                busy[rid].append(engine.Busy(interval, engine.BusyKind.ALLOCATION))

    def to_engine(resource: Resource) -> engine.Resource:
        return engine.Resource(
            id=resource.id,
            hours=working_hours(resource),
            capacity=resource.capacity,
            skills=frozenset(resource.skills or ()),
            venue_id=resource.venue_id,
            busy=tuple(busy[resource.id]),
            recurring_blocks=tuple(recurring[resource.id]),
        )

    return engine.Request(
        places=tuple(to_engine(r) for r in resources if not r.is_staff),
        staff=tuple(to_engine(r) for r in resources if r.is_staff),
        policy=policy_for(service),
        now=now,
        guests=guests,
        resource_id=resource_id,
    )
