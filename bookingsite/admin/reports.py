"""Utilisation per resource: confirmed booked time inside working hours ÷ working hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from bookingsite import availability as engine
from bookingsite.booking.inputs import working_hours
from bookingsite.clock import local_day_range
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingStatus, Occupancy, Resource

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Utilisation:
    resource: Resource
    booked: timedelta
    open: timedelta

    @property
    def ratio(self) -> float | None:
        return self.booked / self.open if self.open else None

    @property
    def booked_hours(self) -> float:
        return self.booked / timedelta(hours=1)

    @property
    def open_hours(self) -> float:
        return self.open / timedelta(hours=1)


def merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    """Both lists sorted and without overlaps inside each."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def total(spans: list[Span]) -> timedelta:
    return sum((end - start for start, end in spans), timedelta())


def open_spans(resource: Resource, first: date, last: date) -> list[Span]:
    """The resource's working time on the local dates first..last (its own zone)."""
    return engine.open_spans(engine.working_periods(working_hours(resource), first, last))


def utilisation(
    resources: list[Resource], first: date, last: date, *, now: datetime
) -> list[Utilisation]:
    """Confirmed bookings only (a hold may still lapse); their time outside working hours
    (a manager's override) does not count, so the figure never passes 100 %."""
    ids = [r.id for r in resources]
    window_start, window_end = (
        local_day_range(first, last, resources[0].zone) if resources else (now, now)
    )
    booked: dict[int, list[Span]] = {rid: [] for rid in ids}
    rows = db.session.execute(
        sa.select(Occupancy.resource_id, Booking.start_at, Booking.end_at)
        .join(Booking, Booking.id == Occupancy.booking_id)
        .where(
            Occupancy.resource_id.in_(ids),
            Booking.status == BookingStatus.CONFIRMED,
            Booking.start_at < window_end + timedelta(days=1),
            Booking.end_at > window_start - timedelta(days=1),
        )
    )
    for rid, start, end in rows:
        booked[rid].append((start, end))
    result = []
    for resource in resources:
        opened = open_spans(resource, first, last)
        result.append(
            Utilisation(
                resource, total(intersect(merge(booked[resource.id]), opened)), total(opened)
            )
        )
    return result
