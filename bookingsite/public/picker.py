"""The customer's time picker: one grid for the service page (a new booking) and for the
manage link's reschedule page (a new time for a confirmed booking). Both ask the question
layer; they differ only in the question (a move keeps the booking's option and party and
leaves its own rows out) and in where the links and the chosen time go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from urllib.parse import unquote
from zoneinfo import ZoneInfo, available_timezones

from flask import request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from bookingsite import availability as engine
from bookingsite.booking import questions
from bookingsite.booking.service import days_counted
from bookingsite.bounds import browsable
from bookingsite.clock import local_date, local_day_start
from bookingsite.errors import DomainError
from bookingsite.models import Booking, Service
from bookingsite.public.forms import GridQueryForm, instant_or_none

WEEK_DAYS = 7
VISITOR_ZONE_COOKIE = "visitor_tz"


@dataclass(frozen=True)
class Move:
    """A confirmed booking (with its linked days) whose customer picks a new time: the
    same service, option and party, its length (hourly) or number of days (daily) kept."""

    group: tuple[Booking, ...]

    @classmethod
    def of(cls, group: Sequence[Booking]) -> Move:
        return cls(tuple(group))

    @property
    def booking(self) -> Booking:
        """The first of the group: the one the booking service moves."""
        return self.group[0]

    @property
    def start(self) -> datetime:
        return self.group[0].start_at

    @property
    def end(self) -> datetime:
        return self.group[-1].end_at

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def days(self) -> int:
        """Days of a rental, counted as its price counts them (a 23-hour day is a day)."""
        return sum(days_counted(b.end_at - b.start_at) for b in self.group)

    def question(self, service: Service) -> questions.Question:
        return questions.ask(
            service,
            variant_id=self.booking.variant_id,
            guests=self.booking.guests,
            excluding=frozenset(b.id for b in self.group),
        )

    def run_of(self, runs: Sequence[engine.DayEnd], first_day: date) -> engine.DayEnd | None:
        """Among the runs starting on `first_day`, the one as many days long as this."""
        return next((r for r in runs if (r.last_day - first_day).days + 1 == self.days), None)

    def end_for(self, service: Service, start: datetime, now: datetime) -> datetime | None:
        """The end that goes with a new start: none for a fixed option (its own length),
        the same length for an hourly booking, and for a rental the end of the run of as
        many whole free days from `start` (None when there is no such run)."""
        if service.is_fixed:
            return None
        if service.is_hourly:
            return start + self.length
        runs = questions.day_runs_from(self.question(service), start, now)
        run = self.run_of(runs, local_date(start, service.venue.timezone))
        return run.parts[-1].end if run else None


def picker_error(error: DomainError | None) -> tuple[int, dict]:
    """A refused time, as the picker shows it above the grid: the status, the message
    (a field's own words say more than the catalogue's summary) and, when the time was
    just taken, the next free ones."""
    if error is None:
        return 422, {"hold_error": _("Please choose a time from the grid."), "alternatives": []}
    message = " ".join(map(str, error.fields.values())) if error.fields else error.message
    alternatives = [instant_or_none(a) for a in error.extra.get("alternatives", [])]
    return error.status, {"hold_error": message, "alternatives": [a for a in alternatives if a]}


def known_zone(text: str) -> str | None:
    """An IANA zone name from a cookie the visitor's browser wrote (URL-encoded, as
    `encodeURIComponent` writes it, or plain), or None for anything else: only names in
    the zone database count, so no path or odd string ever reaches ZoneInfo."""
    zone = unquote(text or "").strip()
    return zone if zone in available_zones() else None


@cache
def available_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def visitor_zone(venue_zone: str) -> str | None:
    """The visitor's own zone (set by a small script), when it differs from the venue's."""
    zone = known_zone(request.cookies.get(VISITOR_ZONE_COOKIE, ""))
    return zone if zone and zone != venue_zone else None


def asks_guests(service: Service) -> bool:
    """Whether a party size can change anything: not where every place holds one."""
    return any(place.capacity > 1 for place in service.places)


def grid_query(service: Service, source) -> GridQueryForm:
    query = GridQueryForm(formdata=source)
    query.variant.choices = [SelectChoice(v.id, v.name) for v in service.variants]
    query.resource.choices = [SelectChoice(0, _("Any available"))] + [
        SelectChoice(r.id, r.name) for r in service.places
    ]
    query.validate()
    # Fields that failed validation are ignored (and their messages shown).
    for field in query:
        if field.errors:
            field.data = field.default if field.name not in ("date", "start_day") else None
    return query


def grid_context(
    service: Service, query: GridQueryForm, now: datetime, *, move: Move | None = None
) -> dict:
    """What the booking panel shows. With `move`, the grid is the reschedule picker:
    it opens at the booking's date, offers its option and party on any free place, and
    sends the chosen time to the reschedule form instead of a hold."""
    zone = service.venue.timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    first_day = query.date.data or (local_date(move.start, zone) if move else today)
    if not browsable(first_day, today):
        query.date.errors = [_("Choose a date closer to today.")]
        first_day = today
    view = query.view.data if query.view.data in ("day", "week") else "week"
    days = 1 if view == "day" else WEEK_DAYS
    start = instant_or_none(query.start.data) if service.is_hourly else None
    start_day = query.start_day.data if service.is_daily else None
    if start_day and not browsable(start_day, today):
        query.start_day.errors = [_("Choose a date closer to today.")]
        start_day = None

    if move is None:
        # The form offers only this service's options and places; anything else in a
        # shared or edited URL falls back to the first option and any place.
        variant_ids = [v.id for v in service.variants]
        variant_id = query.variant.data if query.variant.data in variant_ids else None
        if service.is_fixed and variant_id is None and variant_ids:
            variant_id = variant_ids[0]
        guests = query.guests.data or 1
        resource_id = query.resource.data or None
        if resource_id not in {r.id for r in service.places}:
            resource_id = None
        question = questions.ask(
            service, variant_id=variant_id, guests=guests, resource_id=resource_id
        )
        state = {
            "variant": question.variant.id if question.variant else None,
            "guests": guests,
            "resource": resource_id,
        }
        page, target = "public.service", "public.hold"
        path = {"venue_slug": service.venue.slug, "service_slug": service.slug}
    else:
        question = move.question(service)
        guests, resource_id, state = move.booking.guests, None, {}
        page = target = "public.reschedule"
        path = {"token": move.booking.manage_token}
    state |= {"date": first_day.isoformat(), "view": view}

    grid = questions.grid(question, first_day, days, now)
    ends = questions.end_options(question, start, now) if start else []
    end_days = questions.day_runs(question, start_day, now) if start_day else []
    step = timedelta(days=days)

    def grid_url(**changes: str) -> str:
        params = {k: v for k, v in (state | changes).items() if v not in (None, "")}
        return url_for(page, **path, **params)

    next_available_day = (
        grid.next_available.start.astimezone(ZoneInfo(zone)).date().isoformat()
        if grid.next_available
        else None
    )
    context = {
        "state": state,
        "grid_url": grid_url,
        "page_url": url_for(page, **path),
        "post_url": url_for(target, **path),
        "next_available_day": next_available_day,
        "grid_start": local_day_start(first_day, zone),
        "service": service,
        "venue": service.venue,
        "zone": zone,
        "visitor_zone": visitor_zone(zone),
        "query": query,
        "grid": grid,
        "view": view,
        "first_day": first_day,
        "today": today,
        "prev_day": first_day - step,
        "next_day": first_day + step,
        "variant": question.variant,
        "guests": guests,
        "resource_id": resource_id,
        "start": start,
        "ends": ends,
        "start_day": start_day,
        "end_days": end_days,
        "move": move,
    }
    if move is not None:
        context |= _move_choice(move, service, start, ends, start_day, end_days)
    return context


def _move_choice(
    move: Move,
    service: Service,
    start: datetime | None,
    ends: list[engine.EndOption],
    start_day: date | None,
    end_days: list[engine.DayEnd],
) -> dict:
    """The one new range a chosen start (hourly) or first day (daily) gives the moved
    booking — its own length, its own number of days — or None when it does not fit."""
    zone = service.venue.timezone
    current_day = local_date(move.start, zone)
    new_range: engine.Interval | None = None
    new_last_day: date | None = None
    if start is not None and any(o.end == start + move.length for o in ends):
        new_range = engine.Interval(start, start + move.length)
    elif start_day is not None and (run := move.run_of(end_days, start_day)):
        new_range = engine.Interval(run.parts[0].start, run.parts[-1].end)
        new_last_day = run.last_day
    return {
        "current_start": move.start,
        "current_day": current_day if service.is_daily else None,
        "new_range": new_range,
        "new_last_day": new_last_day,
        "is_current": new_range is not None
        and (new_range.start, new_range.end) == (move.start, move.end),
    }
