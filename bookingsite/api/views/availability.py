"""Availability: the engine answers; these views only shape its questions and answers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from pydantic import BaseModel

from bookingsite import availability as engine
from bookingsite import availability_changes
from bookingsite.api import access, present
from bookingsite.api import schemas as s
from bookingsite.api.parsing import broken
from bookingsite.api.routing import operation, render
from bookingsite.booking import questions
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.models import Service

AVAILABILITY = "Availability"
# A quarter: a partner can cache three months of slots in one call.
MAX_WINDOW = timedelta(days=92)
MAX_DAYS = 62
MINUTE = timedelta(minutes=1)


def _window(start: datetime, end: datetime, *, end_field: str) -> engine.Interval:
    if end <= start:
        raise broken(end_field, _("The end must come after the start."))
    if end - start > MAX_WINDOW:
        raise broken(end_field, _("Ask for at most %(n)d days at once.", n=MAX_WINDOW.days))
    return engine.Interval(start, end)


def _zones(service: Service) -> dict[int, str]:
    return {r.id: r.zone for r in service.resources}


def _etag(service: Service, body: BaseModel, now: datetime) -> str:
    """What a search's answer depends on: the question (service and body), the venue's
    availability changes and set-up revision (one statement), and `now` floored to the
    service's grid alignment (the lead time and horizon move with it). Equal tags, equal
    answers — but for a lapsed hold not yet marked expired, which keeps the range taken
    in a kept answer (stale on the safe side) until the sweep records it, and for lead
    time crossing a start that is not on the alignment's clock multiples."""
    version = availability_changes.version(db.session, service.venue_id)
    bucket = int(now.timestamp()) // (60 * service.grid_alignment_minutes)
    key = f"{service.id}|{version}|{bucket}|{body.model_dump_json()}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _conditional(service: Service, body: BaseModel, answer: Callable[[datetime], Any]) -> Response:
    """The answer with its ETag; 304 with no body when `If-None-Match` names it. The tag
    is read before the answer, so that it is never newer than what it labels (a change
    in between makes the next request's tag differ)."""
    now = utcnow()
    tag = _etag(service, body, now)
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = render(answer(now), 200)
    response.set_etag(tag)
    return response


def _duration(duration_ms: int | None) -> timedelta | None:
    """Whole minutes: the schema's multipleOf has refused any other length."""
    return timedelta(milliseconds=duration_ms) if duration_ms is not None else None


@operation(
    "POST",
    "/services/<int:service_id>/availability/slots",
    summary="Find slots",
    tag=AVAILABILITY,
    search=True,
    conditional=True,
    body=s.SlotsQuery,
    response=s.SlotsOut,
)
def find_slots(service_id: int, body: s.SlotsQuery) -> Response:
    """The bookable slots lying wholly inside the window, on the service's grid, with
    its buffers, lead time, horizon, blocks and bookings applied. Fixed services search
    the option lasting `durationMs` (default: the shortest); hourly ranges their minimum;
    daily ranges list each whole free day. Local times are in the resource's zone, which
    each slot names in `timezone` (the answer's own `timezone` is the venue's).

    The answer carries an `ETag`: send it back in `If-None-Match` and the answer is
    `304` with no body while the venue's availability, the set-up and the time bucket
    (the grid alignment) are the same. The same holds for end-times and days."""
    service = access.service(service_id)
    window = _window(body.start_time, body.end_time, end_field="endTime")
    question = questions.ask(
        service,
        duration=None if service.is_daily else _duration(body.duration_ms),
        guests=body.guests,
        resource_id=body.resource_id,
        duration_field="durationMs",
    )

    def answer(now: datetime) -> present.Wire:
        found = questions.slots(question, window, now)
        return present.slots_answer(service.venue.timezone, found, _zones(service))

    return _conditional(service, body, answer)


@operation(
    "POST",
    "/services/<int:service_id>/availability/end-times",
    summary="Possible ends for a start",
    tag=AVAILABILITY,
    search=True,
    conditional=True,
    body=s.EndTimesQuery,
    response=s.EndTimesOut,
)
def end_times(service_id: int, body: s.EndTimesQuery) -> Response:
    """Hourly ranges: from the minimum to the maximum duration in steps of the grid
    alignment, cut at the first conflict. Daily ranges: the end of each possible run of
    whole days. Empty when the start itself is not bookable. Each end's `localEndTime` is
    in its resource's zone, named in its `timezone` (the answer's is the venue's)."""
    service = access.service(service_id)
    if service.is_fixed:
        raise broken("startTime", _("This service has fixed options; see its variants."))
    question = questions.ask(service, guests=body.guests, resource_id=body.resource_id)
    return _conditional(service, body, lambda now: _end_times(service, question, body, now))


def _end_times(
    service: Service, question: questions.Question, body: s.EndTimesQuery, now: datetime
) -> s.EndTimesOut:
    start, zones = body.start_time, _zones(service)
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
    conditional=True,
    body=s.DaysQuery,
    response=s.DaysOut,
)
def free_days(service_id: int, body: s.DaysQuery) -> Response:
    """Daily ranges: each local date whose whole working period is free, with the last
    days a run starting there may end on (min to max days, cut at the first busy day)."""
    service = access.service(service_id)
    if not service.is_daily:
        raise broken("firstDay", _("This service is not booked by the day."))
    if (body.last_day - body.first_day).days >= MAX_DAYS:
        raise broken("lastDay", _("Ask for at most %(n)d days at once.", n=MAX_DAYS))
    question = questions.ask(service, resource_id=body.resource_id)
    return _conditional(service, body, lambda now: _free_days(service, question, body, now))


def _free_days(
    service: Service, question: questions.Question, body: s.DaysQuery, now: datetime
) -> s.DaysOut:
    zone = service.venue.timezone
    days = []
    for slot, runs in questions.free_days(question, body.first_day, body.last_day, now):
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
