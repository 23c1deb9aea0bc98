"""Availability: the engine answers; these views only shape its questions and answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from bookingsite import availability as engine
from bookingsite.api import access, present
from bookingsite.api import schemas as s
from bookingsite.api.parsing import invalid
from bookingsite.api.routing import operation
from bookingsite.booking import questions
from bookingsite.clock import utcnow
from bookingsite.models import Service

AVAILABILITY = "Availability"
# A quarter: a partner can cache three months of slots in one call.
MAX_WINDOW = timedelta(days=92)
MAX_DAYS = 62
MINUTE = timedelta(minutes=1)


def _window(start: datetime, end: datetime, *, end_field: str) -> engine.Interval:
    if end <= start:
        raise invalid(end_field, _("The end must come after the start."))
    if end - start > MAX_WINDOW:
        raise invalid(end_field, _("Ask for at most %(n)d days at once.", n=MAX_WINDOW.days))
    return engine.Interval(start, end)


def _zones(service: Service) -> dict[int, str]:
    return {r.id: r.zone for r in service.resources}


def _duration(duration_ms: int | None) -> timedelta | None:
    if duration_ms is not None and duration_ms % 60_000:
        raise invalid("durationMs", _("Give whole minutes."))
    return timedelta(milliseconds=duration_ms) if duration_ms is not None else None


@operation(
    "POST",
    "/services/<int:service_id>/availability/slots",
    summary="Find slots",
    tag=AVAILABILITY,
    search=True,
    body=s.SlotsQuery,
    response=s.SlotsOut,
)
def find_slots(service_id: int, body: s.SlotsQuery) -> present.Wire:
    """The bookable slots lying wholly inside the window, on the service's grid, with
    its buffers, lead time, horizon, blocks and bookings applied. Fixed services search
    the option lasting `durationMs` (default: the shortest); hourly ranges their minimum;
    daily ranges list each whole free day. Local times are in the resource's zone, which
    each slot names in `timezone` (the answer's own `timezone` is the venue's)."""
    service = access.service(service_id)
    window = _window(body.start_time, body.end_time, end_field="endTime")
    question = questions.ask(
        service,
        duration=None if service.is_daily else _duration(body.duration_ms),
        guests=body.guests,
        resource_id=body.resource_id,
        duration_field="durationMs",
    )
    found = questions.slots(question, window, utcnow())
    return present.slots_answer(service.venue.timezone, found, _zones(service))


@operation(
    "POST",
    "/services/<int:service_id>/availability/end-times",
    summary="Possible ends for a start",
    tag=AVAILABILITY,
    search=True,
    body=s.EndTimesQuery,
    response=s.EndTimesOut,
)
def end_times(service_id: int, body: s.EndTimesQuery) -> s.EndTimesOut:
    """Hourly ranges: from the minimum to the maximum duration in steps of the grid
    alignment, cut at the first conflict. Daily ranges: the end of each possible run of
    whole days. Empty when the start itself is not bookable. Each end's `localEndTime` is
    in its resource's zone, named in its `timezone` (the answer's is the venue's)."""
    service = access.service(service_id)
    if service.is_fixed:
        raise invalid("startTime", _("This service has fixed options; see its variants."))
    question = questions.ask(service, guests=body.guests, resource_id=body.resource_id)
    start, now, zones = body.start_time, utcnow(), _zones(service)
    if service.is_hourly:
        options = [(o.end, o.resource_id) for o in questions.end_options(question, start, now)]
    else:
        runs = questions.day_runs_from(question, start, now)
        options = [(run.interval.end, run.resource_id) for run in runs]
    return s.EndTimesOut(
        timezone=service.venue.timezone,
        start_time=start,
        end_times=[
            s.EndTimeOut(
                end_time=end,
                resource_id=rid,
                duration_minutes=(end - start) // MINUTE,
                timezone=zones[rid],
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
    search=True,
    body=s.DaysQuery,
    response=s.DaysOut,
)
def free_days(service_id: int, body: s.DaysQuery) -> s.DaysOut:
    """Daily ranges: each local date whose whole working period is free, with the last
    days a run starting there may end on (min to max days, cut at the first busy day)."""
    service = access.service(service_id)
    if not service.is_daily:
        raise invalid("firstDay", _("This service is not booked by the day."))
    if (body.last_day - body.first_day).days >= MAX_DAYS:
        raise invalid("lastDay", _("Ask for at most %(n)d days at once.", n=MAX_DAYS))
    question = questions.ask(service, resource_id=body.resource_id)
    zone = service.venue.timezone
    days = []
    for slot, runs in questions.free_days(question, body.first_day, body.last_day, utcnow()):
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
    if service.is_fixed and query.variant_id is None:
        asked = [questions.ask(service, variant_id=v.id) for v in service.variants]
    else:
        asked = [questions.ask(service, variant_id=query.variant_id)]
    found = [
        (x.start, x.end, x.resource_id, question.variant.id if question.variant else None)
        for question in asked
        for x in questions.slots(question, window, now)
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
