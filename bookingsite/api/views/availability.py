"""Availability: the engine answers; these views only shape its questions and answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from bookingsite import availability as engine
from bookingsite.api import access, present
from bookingsite.api import schemas as s
from bookingsite.api.parsing import invalid
from bookingsite.api.routing import operation
from bookingsite.booking.inputs import build_request
from bookingsite.clock import utcnow
from bookingsite.models import Service, ServiceVariant

AVAILABILITY = "Availability"
MAX_WINDOW = timedelta(days=31)
MAX_DAYS = 62
MINUTE = timedelta(minutes=1)


def _window(start: datetime, end: datetime, *, end_field: str) -> engine.Interval:
    if end <= start:
        raise invalid(end_field, _("The end must come after the start."))
    if end - start > MAX_WINDOW:
        raise invalid(end_field, _("Ask for at most %(n)d days at once.", n=MAX_WINDOW.days))
    return engine.Interval(start, end)


def _check_resource(service: Service, resource_id: int | None) -> None:
    if resource_id is not None and resource_id not in {r.id for r in service.places}:
        raise invalid("resourceId", _("This resource does not serve the service."))


def _zones(service: Service) -> dict[int, str]:
    return {r.id: r.zone for r in service.resources}


def _variant_for(service: Service, duration: timedelta | None, guests: int) -> ServiceVariant:
    """The smallest option that lasts `duration` (any, if None) and seats `guests`."""
    fitting = [
        v
        for v in service.variants
        if v.guests >= guests
        and (duration is None or timedelta(minutes=v.duration_minutes) == duration)
    ]
    if not fitting:
        if duration is not None and not any(
            timedelta(minutes=v.duration_minutes) == duration for v in service.variants
        ):
            raise invalid("durationMs", _("No option of this service lasts that long."))
        raise invalid("guests", _("No option of this service takes that many guests."))
    return min(fitting, key=lambda v: (v.duration_minutes, v.guests, v.id))


def _duration_and_guests(
    service: Service, duration_ms: int | None, guests: int
) -> tuple[timedelta, int]:
    """The duration to search for and the guest count the engine checks capacity with
    (a fixed option's own guest count, as the booking service does)."""
    if duration_ms is not None and duration_ms % 60_000:
        raise invalid("durationMs", _("Give whole minutes."))
    duration = timedelta(milliseconds=duration_ms) if duration_ms is not None else None
    if service.is_fixed:
        variant = _variant_for(service, duration, guests)
        return timedelta(minutes=variant.duration_minutes), variant.guests
    if duration is None:
        return timedelta(minutes=service.min_minutes), guests
    minutes = duration // MINUTE
    if not service.min_minutes <= minutes <= service.max_minutes:
        raise invalid(
            "durationMs",
            _(
                "Choose between %(min)d and %(max)d minutes.",
                min=service.min_minutes,
                max=service.max_minutes,
            ),
        )
    return duration, guests


def _local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def _day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)


def _whole_days(service: Service, window: engine.Interval, req: engine.Request) -> list:
    zone = service.venue.timezone
    days = engine.day_slots(
        req, _local_day(window.start, zone) - timedelta(days=1), _local_day(window.end, zone)
    )
    return [d for d in days if window.start <= d.interval.start and d.interval.end <= window.end]


@operation(
    "POST",
    "/services/<int:service_id>/availability/slots",
    summary="Find slots",
    tag=AVAILABILITY,
    body=s.SlotsQuery,
    response=s.SlotsOut,
)
def find_slots(service_id: int, body: s.SlotsQuery) -> s.SlotsOut:
    """The bookable slots lying wholly inside the window, on the service's grid, with
    its buffers, lead time, horizon, blocks and bookings applied. Fixed services search
    the option lasting `durationMs` (default: the shortest); hourly ranges their minimum;
    daily ranges list each whole free day. Local times are in the resource's zone."""
    service = access.service(service_id)
    window = _window(body.start_time, body.end_time, end_field="endTime")
    _check_resource(service, body.resource_id)
    now = utcnow()
    if service.is_daily:
        req = build_request(
            service,
            window_start=window.start,
            window_end=window.end,
            now=now,
            guests=body.guests,
            resource_id=body.resource_id,
        )
        found = [
            (d.interval.start, d.interval.end, d.resource_id)
            for d in _whole_days(service, window, req)
        ]
    else:
        duration, guests = _duration_and_guests(service, body.duration_ms, body.guests)
        req = build_request(
            service,
            window_start=window.start,
            window_end=window.end,
            now=now,
            guests=guests,
            resource_id=body.resource_id,
        )
        found = [(x.start, x.end, x.resource_id) for x in engine.find_slots(req, window, duration)]
    zones = _zones(service)
    return s.SlotsOut(
        timezone=service.venue.timezone,
        slots=[
            s.SlotOut(
                start_time=start,
                end_time=end,
                resource_id=rid,
                local_start_time=present.local(start, zones[rid]),
                local_end_time=present.local(end, zones[rid]),
            )
            for start, end, rid in found
        ],
    )


@operation(
    "POST",
    "/services/<int:service_id>/availability/end-times",
    summary="Possible ends for a start",
    tag=AVAILABILITY,
    body=s.EndTimesQuery,
    response=s.EndTimesOut,
)
def end_times(service_id: int, body: s.EndTimesQuery) -> s.EndTimesOut:
    """Hourly ranges: from the minimum to the maximum duration in steps of the grid
    alignment, cut at the first conflict. Daily ranges: the end of each possible run of
    whole days. Empty when the start itself is not bookable."""
    service = access.service(service_id)
    _check_resource(service, body.resource_id)
    if service.is_fixed:
        raise invalid("startTime", _("This service has fixed options; see its variants."))
    start, now, zones = body.start_time, utcnow(), _zones(service)
    if service.is_hourly:
        longest = timedelta(minutes=service.max_minutes)
        req = build_request(
            service,
            window_start=start,
            window_end=start + longest,
            now=now,
            guests=body.guests,
            resource_id=body.resource_id,
        )
        options = [
            (o.end, o.resource_id)
            for o in engine.end_times(req, start, timedelta(minutes=service.min_minutes), longest)
        ]
    else:
        longest = timedelta(days=service.max_days + 1)
        req = build_request(
            service,
            window_start=start,
            window_end=start + longest,
            now=now,
            guests=body.guests,
            resource_id=body.resource_id,
        )
        day = _local_day(start, service.venue.timezone)
        starts = [d for d in engine.day_slots(req, day, day) if d.interval.start == start]
        runs = engine.end_days(req, day, service.min_days, service.max_days) if starts else []
        options = [(run.interval.end, run.resource_id) for run in runs]
    return s.EndTimesOut(
        timezone=service.venue.timezone,
        start_time=start,
        end_times=[
            s.EndTimeOut(
                end_time=end,
                resource_id=rid,
                duration_minutes=(end - start) // MINUTE,
                local_end_time=present.local(end, zones[rid]),
            )
            for end, rid in options
        ],
    )


@operation(
    "POST",
    "/services/<int:service_id>/availability/days",
    summary="Free days and their possible runs",
    tag=AVAILABILITY,
    body=s.DaysQuery,
    response=s.DaysOut,
)
def free_days(service_id: int, body: s.DaysQuery) -> s.DaysOut:
    """Daily ranges: each local date whose whole working period is free, with the last
    days a run starting there may end on (min to max days, cut at the first busy day)."""
    service = access.service(service_id)
    _check_resource(service, body.resource_id)
    if not service.is_daily:
        raise invalid("firstDay", _("This service is not booked by the day."))
    if (body.last_day - body.first_day).days >= MAX_DAYS:
        raise invalid("lastDay", _("Ask for at most %(n)d days at once.", n=MAX_DAYS))
    zone = service.venue.timezone
    req = build_request(
        service,
        window_start=_day_start(body.first_day, zone) - timedelta(days=1),
        window_end=_day_start(body.last_day + timedelta(days=service.max_days + 1), zone),
        now=utcnow(),
        resource_id=body.resource_id,
    )
    days = []
    for slot in engine.day_slots(req, body.first_day, body.last_day):
        runs = engine.end_days(req, slot.day, service.min_days, service.max_days)
        days.append(
            s.DayOut(
                day=slot.day,
                start_time=slot.interval.start,
                end_time=slot.interval.end,
                resource_id=slot.resource_id,
                end_days=[
                    s.DayEndOut(
                        last_day=run.last_day,
                        end_time=run.interval.end,
                        days=(run.last_day - slot.day).days + 1,
                        resource_id=run.resource_id,
                    )
                    for run in runs
                ],
            )
        )
    return s.DaysOut(timezone=zone, days=days)


@operation(
    "GET",
    "/availability",
    summary="Slot objects for a service",
    tag=AVAILABILITY,
    query=s.AvailabilityQuery,
    response=s.AvailabilityOut,
)
def availability(query: s.AvailabilityQuery) -> s.AvailabilityOut:
    """Every slot between `from` and `to`, per variant for fixed services (or only
    `variantId`), for the minimum duration of hourly ranges, per whole day for daily."""
    service = access.service(query.service_id)
    window = _window(query.from_, query.to, end_field="to")
    now = utcnow()
    found: list[tuple[datetime, datetime, int, int | None]] = []
    if service.is_fixed:
        variants = service.variants
        if query.variant_id is not None:
            variants = [v for v in variants if v.id == query.variant_id]
            if not variants:
                raise invalid("variantId", _("This option does not belong to the service."))
        for variant in variants:
            req = build_request(
                service,
                window_start=window.start,
                window_end=window.end,
                now=now,
                guests=variant.guests,
            )
            duration = timedelta(minutes=variant.duration_minutes)
            found += [
                (x.start, x.end, x.resource_id, variant.id)
                for x in engine.find_slots(req, window, duration)
            ]
    else:
        if query.variant_id is not None:
            raise invalid("variantId", _("This service has no options."))
        req = build_request(service, window_start=window.start, window_end=window.end, now=now)
        if service.is_hourly:
            duration = timedelta(minutes=service.min_minutes)
            found = [
                (x.start, x.end, x.resource_id, None)
                for x in engine.find_slots(req, window, duration)
            ]
        else:
            found = [
                (d.interval.start, d.interval.end, d.resource_id, None)
                for d in _whole_days(service, window, req)
            ]
    found.sort(key=lambda f: (f[0], f[3] or 0))
    return s.AvailabilityOut(
        slots=[
            s.AvailableSlot(
                start_time=start,
                end_time=end,
                venue_id=service.venue_id,
                service_id=service.id,
                variant_id=variant_id,
                resource_id=rid,
                duration_minutes=(end - start) // MINUTE,
            )
            for start, end, rid, variant_id in found
        ]
    )
