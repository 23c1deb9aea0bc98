"""The day and week timeline: one lane per resource, in the venue's local time.

Positions are fractions of *elapsed* time between two local midnights, so a day when the
clocks change is 23 or 25 hours long and its hour marks show the jump (01:00, 03:00)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask import g, request
from flask_babel import gettext as _

from bookingsite.admin import bp
from bookingsite.admin.reports import Span, open_spans
from bookingsite.availability import RecurringBlock, block_instants
from bookingsite.bounds import clamp_day
from bookingsite.clock import local_day_range, utcnow
from bookingsite.extensions import db
from bookingsite.i18n import dates_locale, local_date
from bookingsite.models import (
    Allocation,
    Booking,
    Occupancy,
    Resource,
    ResourceKind,
)
from bookingsite.web import render_page


class SegmentKind(StrEnum):
    CLOSED = "closed"
    BLOCK = "block"
    BUFFER = "buffer"
    HOLD = "hold"
    BOOKING = "booking"


@dataclass(frozen=True)
class Segment:
    kind: SegmentKind
    start: datetime
    end: datetime
    left: float  # percent of the window
    width: float
    label: str = ""
    booking_id: int | None = None


@dataclass(frozen=True)
class Tick:
    left: float
    label: str
    major: bool = False


@dataclass
class Lane:
    resource: Resource
    segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    first: date
    last: date
    start: datetime
    end: datetime

    def position(self, start: datetime, end: datetime) -> tuple[float, float] | None:
        """(left, width) in percent of [start, end) clipped to the window; None outside."""
        lo, hi = max(start, self.start), min(end, self.end)
        if lo >= hi:
            return None
        total = (self.end - self.start).total_seconds()
        left = (lo - self.start).total_seconds() / total * 100
        return round(left, 4), round((hi - lo).total_seconds() / total * 100, 4)


def window_for(day: date, view: str, zone: str) -> Window:
    if view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    else:
        first = last = day
    start, end = local_day_range(first, last, zone)
    return Window(first, last, start, end)


def hour_label(instant: datetime, zone: str) -> str:
    """A compact local hour in the page's language, written as in the venue's country:
    "3 PM" in New York, "15:00" for Berlin (in English as in German)."""
    local = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    locale = dates_locale(zone)
    if "h" in locale.time_formats["short"].pattern:
        skeleton = "h" if local.minute == 0 else "hm"
    else:
        skeleton = "Hm"
    return format_skeleton(skeleton, local, locale=locale)


def ticks_for(window: Window, view: str, zone: str) -> list[Tick]:
    """Hour marks every elapsed hour (day view), or a mark per local day (week view)."""
    ticks = []
    if view == "week":
        day = window.first
        while day <= window.last:
            start, _end = local_day_range(day, day, zone)
            left, _w = window.position(start, start + timedelta(minutes=1))
            ticks.append(Tick(left, local_date(start, zone, "EEE d MMM"), True))
            day += timedelta(days=1)
        return ticks
    instant = window.start
    while instant < window.end:
        left, _w = window.position(instant, instant + timedelta(minutes=1))
        ticks.append(Tick(left, hour_label(instant, zone), True))
        instant += timedelta(hours=1)
    return ticks


def _complement(spans: list[Span], window: Window) -> list[Span]:
    """The window's time outside `spans` (sorted, merged)."""
    gaps, cursor = [], window.start
    for start, end in spans:
        if start > cursor:
            gaps.append((cursor, min(start, window.end)))
        cursor = max(cursor, end)
        if cursor >= window.end:
            break
    if cursor < window.end:
        gaps.append((cursor, window.end))
    return gaps


def recurring_block(allocation: Allocation, zone: str) -> RecurringBlock:
    tz = ZoneInfo(zone)
    start, end = allocation.start_at.astimezone(tz), allocation.end_at.astimezone(tz)
    return RecurringBlock(
        start_time=start.time().replace(tzinfo=None),
        end_time=end.time().replace(tzinfo=None),
        weekdays=frozenset(allocation.weekdays or ()),
        first_date=start.date(),
        until=allocation.repeat_until,
    )


def build_lanes(resources: list[Resource], window: Window, now: datetime, zone: str) -> list[Lane]:
    """Everything that takes time on each resource in the window, as positioned segments.
    A constant number of queries whatever the number of resources."""
    lanes = {r.id: Lane(r) for r in resources}
    ids = list(lanes)

    def add(
        rid: int,
        kind: SegmentKind,
        start: datetime,
        end: datetime,
        label: str = "",
        booking_id: int | None = None,
    ) -> None:
        place = window.position(start, end)
        if place is not None:
            lanes[rid].segments.append(Segment(kind, start, end, *place, label, booking_id))

    day_before, day_after = window.first - timedelta(days=1), window.last + timedelta(days=1)
    for resource in resources:
        for start, end in _complement(open_spans(resource, day_before, day_after), window):
            add(resource.id, SegmentKind.CLOSED, start, end, _("closed"))

    allocations = db.session.scalars(
        sa.select(Allocation).where(
            Allocation.resource_id.in_(ids),
            sa.or_(
                Allocation.weekdays.is_not(None),
                sa.and_(Allocation.start_at < window.end, Allocation.end_at > window.start),
            ),
        )
    )
    for allocation in allocations:
        rid = allocation.resource_id
        label = allocation.reason or _("blocked")
        if allocation.is_recurring:
            resource_zone = lanes[rid].resource.zone
            block = recurring_block(allocation, resource_zone)
            for start, end in block_instants(
                block, ZoneInfo(resource_zone), day_before, window.last
            ):
                add(rid, SegmentKind.BLOCK, start, end, label)
        else:
            add(rid, SegmentKind.BLOCK, allocation.start_at, allocation.end_at, label)

    occupied = db.session.execute(
        sa.select(Occupancy, Booking)
        .join(Booking, Booking.id == Occupancy.booking_id)
        .where(
            Occupancy.resource_id.in_(ids),
            Occupancy.start_at < window.end,
            Occupancy.end_at > window.start,
            Booking.is_active_at(now),
        )
    )
    for occupancy, booking in occupied:
        rid = occupancy.resource_id
        if occupancy.start_at < booking.start_at:
            add(rid, SegmentKind.BUFFER, occupancy.start_at, booking.start_at, _("buffer"))
        if booking.end_at < occupancy.end_at:
            add(rid, SegmentKind.BUFFER, booking.end_at, occupancy.end_at, _("buffer"))
        kind = SegmentKind.HOLD if booking.is_hold else SegmentKind.BOOKING
        who = booking.customer_name or booking.reference
        add(rid, kind, booking.start_at, booking.end_at, who, booking.id)

    order = list(SegmentKind)
    for lane in lanes.values():
        lane.segments.sort(key=lambda s: (order.index(s.kind), s.start))
    return list(lanes.values())


def _parse_day(text: str | None, today: date) -> date:
    """The day to show: today when the date is missing or malformed, the nearest one the
    site supports when it is too far away (as a date picker would)."""
    try:
        return clamp_day(date.fromisoformat(text)) if text else today
    except ValueError:
        return today


@bp.get("/venues/<int:venue_id>/timeline")
def timeline():
    venue = g.venue
    zone = venue.timezone
    now = utcnow()
    today = now.astimezone(ZoneInfo(zone)).date()
    view = "week" if request.args.get("view") == "week" else "day"
    day = _parse_day(request.args.get("date"), today)
    window = window_for(day, view, zone)
    resources = list(
        db.session.scalars(
            sa.select(Resource)
            .where(Resource.venue_id == venue.id, Resource.active)
            .order_by(Resource.kind == ResourceKind.STAFF, Resource.name)
        )
    )
    step = timedelta(days=7 if view == "week" else 1)
    now_position = window.position(now, now + timedelta(minutes=1))
    return render_page(
        "admin/timeline.html",
        "admin/_timeline.html",
        venue=venue,
        view=view,
        day=day,
        window=window,
        today=today,
        ticks=ticks_for(window, view, zone),
        lanes=build_lanes(resources, window, now, zone),
        previous_day=day - step,
        next_day=day + step,
        now_left=now_position[0] if now_position else None,
        hours_long=(window.end - window.start) / timedelta(hours=1),
    )
