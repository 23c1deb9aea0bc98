"""The slot grid's view model: gather inputs, ask the engine, group by local date.

No rule of availability lives here: every yes, no and why comes from the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookingsite import availability as engine
from bookingsite.booking.inputs import build_request
from bookingsite.models import Service, ServiceVariant


@dataclass(frozen=True)
class GridDay:
    day: date
    slots: tuple[engine.Slot, ...] = ()
    day_slots: tuple[engine.DaySlot, ...] = ()
    reason: engine.Reason | None = None  # why nothing is offered, when nothing is

    @property
    def is_empty(self) -> bool:
        return not self.slots and not self.day_slots


@dataclass(frozen=True)
class SlotGrid:
    days: tuple[GridDay, ...]
    next_available: engine.Slot | None
    duration: timedelta | None

    @property
    def is_empty(self) -> bool:
        return all(d.is_empty for d in self.days)


def local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def duration_of(service: Service, variant: ServiceVariant | None) -> timedelta | None:
    if service.is_fixed and variant is not None:
        return timedelta(minutes=variant.duration_minutes)
    if service.is_hourly:
        return timedelta(minutes=service.min_minutes)
    return None


def build_grid(
    service: Service,
    *,
    variant: ServiceVariant | None,
    first_day: date,
    days: int,
    guests: int,
    resource_id: int | None,
    now: datetime,
) -> SlotGrid:
    zone = service.venue.timezone
    last_day = first_day + timedelta(days=days - 1)
    window_start = local_midnight(first_day, zone)
    window_end = local_midnight(last_day + timedelta(days=1), zone)
    guests = max(guests, variant.guests if variant else 1)
    duration = duration_of(service, variant)
    # Slots that start on the last day may end after its midnight.
    reach = duration or timedelta(days=1)
    req = build_request(
        service,
        window_start=window_start,
        window_end=window_end + reach,
        now=now,
        guests=guests,
        resource_id=resource_id,
    )
    columns = []
    if service.is_daily:
        by_day = {d: [] for d in _days(first_day, last_day)}
        for day_slot in engine.day_slots(req, first_day, last_day):
            by_day.setdefault(day_slot.day, []).append(day_slot)
        for day, offered in by_day.items():
            reason = None if offered else engine.day_reason(req, day, None)
            columns.append(GridDay(day, day_slots=tuple(offered), reason=reason))
    else:
        found = engine.find_slots(req, engine.Interval(window_start, window_end + reach), duration)
        by_day = {d: [] for d in _days(first_day, last_day)}
        tz = ZoneInfo(zone)
        for slot in found:
            local_day = slot.start.astimezone(tz).date()
            if local_day in by_day:
                by_day[local_day].append(slot)
        for day, offered in by_day.items():
            reason = None if offered else engine.day_reason(req, day, duration)
            columns.append(GridDay(day, slots=tuple(offered), reason=reason))

    next_slot = None
    if duration is not None and all(c.is_empty for c in columns):
        horizon_end = now + timedelta(days=service.horizon_days)
        if window_end < horizon_end:
            ahead = build_request(
                service,
                window_start=window_end,
                window_end=horizon_end,
                now=now,
                guests=guests,
                resource_id=resource_id,
            )
            next_slot = engine.next_available(ahead, window_end, duration)
    return SlotGrid(tuple(columns), next_slot, duration)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def end_choices(
    service: Service, *, start: datetime, guests: int, resource_id: int | None, now: datetime
) -> list[engine.EndOption]:
    req = build_request(
        service,
        window_start=start,
        window_end=start + timedelta(minutes=service.max_minutes),
        now=now,
        guests=guests,
        resource_id=resource_id,
    )
    return engine.end_times(
        req, start, timedelta(minutes=service.min_minutes), timedelta(minutes=service.max_minutes)
    )


def end_day_choices(
    service: Service, *, start_day: date, guests: int, resource_id: int | None, now: datetime
) -> list[engine.DayEnd]:
    zone = service.venue.timezone
    req = build_request(
        service,
        window_start=local_midnight(start_day, zone),
        window_end=local_midnight(start_day + timedelta(days=service.max_days + 1), zone),
        now=now,
        guests=guests,
        resource_id=resource_id,
    )
    return engine.end_days(req, start_day, service.min_days, service.max_days)
