"""The question layer: the one door to the availability engine for every audience.

An audience's question — a service, an option or a length, a party size, one resource or
any, a window or a run of days — is settled once, by `ask`: which option, which length,
which party the capacity check sees. Each answer then loads exactly its inputs
(booking/inputs.py) and asks the engine. The customer grid, the API's availability
endpoints and the booking service's re-check all come through here, so a slot one of
them offers is a slot the others offer and a hold accepts.

Questions that make no sense (an option of another service, a length outside the
policy) are refused with VALIDATION_ERROR on the field that says so; whether a time is
free is only ever the engine's answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from bookingsite import availability as engine
from bookingsite import errors
from bookingsite.booking.inputs import build_request
from bookingsite.clock import local_date, local_day_range
from bookingsite.errors import DomainError
from bookingsite.models import Service, ServiceVariant

MINUTE = timedelta(minutes=1)
ONE_DAY = timedelta(days=1)
# How many days `next_free_day` asks the engine about at once, for daily ranges.
MONTH_CHUNK = timedelta(days=30)


def invalid(field: str, message: str) -> DomainError:
    return DomainError(errors.VALIDATION_ERROR, fields={field: message})


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# The question -------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """An availability question with its option, length and party settled."""

    service: Service
    variant: ServiceVariant | None
    # The length searched: a fixed option's, or an hourly range's asked (default: its
    # minimum, whose grid hourly starts sit on). None for daily ranges (counted in days).
    duration: timedelta | None
    # The party the capacity check sees: at least the chosen option's own guest count.
    guests: int
    resource_id: int | None
    # Bookings left out of the busy time: those being moved do not stand in their own way.
    excluding: frozenset[int] = frozenset()

    @property
    def zone(self) -> str:
        return self.service.venue.timezone

    @property
    def staff_count(self) -> int:
        """How many staff members serve together: the option's (a duo: two), else one."""
        return self.variant.staff_count if self.variant is not None else 1

    @property
    def grid_duration(self) -> timedelta | None:
        """Hourly starts sit on the grid of the minimum duration, whatever the end."""
        return timedelta(minutes=self.service.min_minutes) if self.service.is_hourly else None

    def request(
        self,
        window_start: datetime,
        window_end: datetime,
        now: datetime,
        *,
        exclude_booking_ids: frozenset[int] = frozenset(),
    ) -> engine.Request:
        return build_request(
            self.service,
            window_start=window_start,
            window_end=window_end,
            now=now,
            guests=self.guests,
            resource_id=self.resource_id,
            staff_count=self.staff_count,
            exclude_booking_ids=exclude_booking_ids | self.excluding,
        )


def ask(
    service: Service,
    *,
    variant_id: int | None = None,
    duration: timedelta | None = None,
    guests: int = 1,
    resource_id: int | None = None,
    duration_field: str = "endTime",
    excluding: frozenset[int] = frozenset(),
) -> Question:
    """Settle a question: the option (fixed services), the length (hourly ranges) and
    the party. `duration_field` names the field a wrong length is reported on;
    `excluding` the bookings to leave out (a customer choosing a new time for them)."""
    if resource_id is not None and resource_id not in {r.id for r in service.places}:
        raise invalid("resourceId", _("This resource does not serve the service."))
    variant = None
    if service.is_fixed:
        variant = choose_option(service, variant_id, duration, guests, duration_field)
        duration = timedelta(minutes=variant.duration_minutes)
        # A duo option is for two even if one was asked for; capacity judges more.
        guests = max(guests, variant.guests)
    elif variant_id is not None:
        raise invalid("variantId", _("This service has no options."))
    elif service.is_hourly:
        duration = _hourly_length(service, duration, duration_field)
    else:
        duration = None
    return Question(service, variant, duration, guests, resource_id, excluding)


def choose_option(
    service: Service,
    variant_id: int | None,
    duration: timedelta | None,
    guests: int,
    duration_field: str = "endTime",
) -> ServiceVariant:
    """The chosen option; else, among the options of that length (the shortest if none
    was asked), the one whose party size fits the party best — a duo for two, a single
    for one, the largest below it for more (the resource's capacity then decides)."""
    if variant_id is not None:
        variant = next((v for v in service.variants if v.id == variant_id), None)
        if variant is None:
            raise invalid("variantId", _("This option does not belong to the service."))
        return variant
    if duration is None and service.variants:
        duration = timedelta(minutes=min(v.duration_minutes for v in service.variants))
    candidates = [v for v in service.variants if timedelta(minutes=v.duration_minutes) == duration]
    if not candidates:
        raise invalid(duration_field, _("No option of this service has that duration."))
    return min(candidates, key=lambda v: (v.guests > guests, abs(v.guests - guests), v.id))


def _hourly_length(service: Service, duration: timedelta | None, field: str) -> timedelta:
    if duration is None:
        return timedelta(minutes=service.min_minutes)
    minutes = duration / MINUTE
    if not service.min_minutes <= minutes <= service.max_minutes:
        raise invalid(
            field,
            _(
                "Choose between %(min)d and %(max)d minutes.",
                min=service.min_minutes,
                max=service.max_minutes,
            ),
        )
    if minutes % service.grid_alignment_minutes:
        raise invalid(
            field,
            _("The length must be a multiple of %(n)d minutes.", n=service.grid_alignment_minutes),
        )
    return duration


# Answers ------------------------------------------------------------------------------


def slots(question: Question, window: engine.Interval, now: datetime) -> list[engine.Slot]:
    """Bookable slots lying wholly inside `window`, sorted by start: one per start for
    fixed and hourly services, one per whole free day for daily ones."""
    req = question.request(window.start, window.end, now)
    if question.duration is not None:
        return engine.find_slots(req, window, question.duration)
    first, last = local_date(window.start, question.zone), local_date(window.end, question.zone)
    return [
        engine.Slot(
            d.interval.start,
            d.interval.end,
            d.resource_id,
            d.staff_id,
            more_staff_ids=d.more_staff_ids,
        )
        for d in engine.day_slots(req, first - timedelta(days=1), last)
        if window.start <= d.interval.start and d.interval.end <= window.end
    ]


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


def grid(question: Question, first_day: date, days: int, now: datetime) -> SlotGrid:
    """The customer's grid: under each local date (venue zone) the slots that start on
    it, or why there are none; the next free slot after the grid when it is empty."""
    zone, duration = question.zone, question.duration
    last_day = first_day + timedelta(days=days - 1)
    window_start, window_end = local_day_range(first_day, last_day, zone)
    # Slots that start on the last day may end after its midnight.
    reach = duration or timedelta(days=1)
    req = question.request(window_start, window_end + reach, now)
    columns = []
    if duration is None:
        by_day: dict[date, list] = {d: [] for d in days_between(first_day, last_day)}
        for day_slot in engine.day_slots(req, first_day, last_day):
            by_day.setdefault(day_slot.day, []).append(day_slot)
        for day, offered in by_day.items():
            reason = None if offered else engine.day_reason(req, day, None)
            columns.append(GridDay(day, day_slots=tuple(offered), reason=reason))
    else:
        found = engine.find_slots(req, engine.Interval(window_start, window_end + reach), duration)
        by_day = {d: [] for d in days_between(first_day, last_day)}
        tz = ZoneInfo(zone)
        for slot in found:
            day = slot.start.astimezone(tz).date()
            if day in by_day:
                by_day[day].append(slot)
        for day, offered in by_day.items():
            reason = None if offered else engine.day_reason(req, day, duration)
            columns.append(GridDay(day, slots=tuple(offered), reason=reason))

    next_slot = None
    if duration is not None and all(c.is_empty for c in columns):
        next_slot = next_available(question, window_end, now)
    return SlotGrid(tuple(columns), next_slot, duration)


def next_available(question: Question, after: datetime, now: datetime) -> engine.Slot | None:
    """The first bookable slot from `after` up to the horizon (fixed and hourly)."""
    horizon_end = now + timedelta(days=question.service.horizon_days)
    if question.duration is None or after >= horizon_end:
        return None
    # A start up to the horizon may end a duration (and its buffers) after it.
    req = question.request(after, horizon_end + question.duration, now)
    return engine.next_available(req, after, question.duration)


def end_options(question: Question, start: datetime, now: datetime) -> list[engine.EndOption]:
    """Hourly ranges: the possible ends for a start, from the minimum to the maximum
    length, cut at the first conflict; empty when the start is not bookable."""
    service = question.service
    longest = timedelta(minutes=service.max_minutes)
    req = question.request(start, start + longest, now)
    return engine.end_times(req, start, timedelta(minutes=service.min_minutes), longest)


def day_runs(question: Question, start_day: date, now: datetime) -> list[engine.DayEnd]:
    """Daily ranges: the runs of whole free days that may start on `start_day`."""
    service = question.service
    req = question.request(*_days_window(question, start_day, start_day), now)
    return engine.end_days(req, start_day, service.min_days, service.max_days)


def day_runs_from(question: Question, start: datetime, now: datetime) -> list[engine.DayEnd]:
    """Daily ranges: the runs starting at the instant `start`, which must be the opening
    of a free day; empty otherwise."""
    service = question.service
    day = local_date(start, question.zone)
    req = question.request(*_days_window(question, day, day), now)
    if not any(d.interval.start == start for d in engine.day_slots(req, day, day)):
        return []
    return engine.end_days(req, day, service.min_days, service.max_days)


def free_days(
    question: Question, first_day: date, last_day: date, now: datetime
) -> list[tuple[engine.DaySlot, list[engine.DayEnd]]]:
    """Daily ranges: each free local day with the runs that may start on it."""
    service = question.service
    req = question.request(*_days_window(question, first_day, last_day), now)
    return [
        (slot, engine.end_days(req, slot.day, service.min_days, service.max_days))
        for slot in engine.day_slots(req, first_day, last_day)
    ]


def _days_window(question: Question, first: date, last: date) -> tuple[datetime, datetime]:
    """From the day before `first` (a resource in another zone may start its day
    earlier) to the end of the longest run that may start on `last`."""
    zone, longest = question.zone, question.service.max_days
    return local_day_range(first - timedelta(days=1), last + timedelta(days=longest), zone)


# The customer's month ---------------------------------------------------------------


@dataclass(frozen=True)
class DayState:
    """One local date of a month calendar: how many starts are free on it (fixed and
    hourly: slots starting that day; daily: 1 when the whole day is free), or why none."""

    day: date
    free: int = 0
    reason: engine.Reason | None = None  # None when free, or when the day is past
    past: bool = False

    @property
    def is_free(self) -> bool:
        return self.free > 0


def day_states(
    question: Question, first_day: date, last_day: date, now: datetime
) -> list[DayState]:
    """Each local date from `first_day` to `last_day` (venue zone): free or why not. Days
    before today (venue zone) are past, without asking the engine."""
    zone = question.zone
    today = local_date(now, zone)
    past = [DayState(d, past=True) for d in days_between(first_day, min(last_day, today - ONE_DAY))]
    first = max(first_day, today)
    if first > last_day:
        return past
    window_start, window_end = local_day_range(first, last_day, zone)
    duration = question.duration
    counts: dict[date, int] = dict.fromkeys(days_between(first, last_day), 0)
    if duration is None:
        req = question.request(*_days_window(question, first, last_day), now)
        for day_slot in engine.day_slots(req, first, last_day):
            if day_slot.day in counts:
                counts[day_slot.day] = 1
    else:
        req = question.request(window_start, window_end + duration, now)
        tz = ZoneInfo(zone)
        window = engine.Interval(window_start, window_end + duration)
        for slot in engine.find_slots(req, window, duration):
            day = slot.start.astimezone(tz).date()
            if day in counts:
                counts[day] += 1
    return past + [
        DayState(day, free=n) if n else DayState(day, reason=engine.day_reason(req, day, duration))
        for day, n in counts.items()
    ]


def day_slots_on(question: Question, day: date, now: datetime) -> list[engine.Slot]:
    """Fixed and hourly: the slots that start on one local date (venue zone), by start."""
    duration = question.duration
    if duration is None:
        return []
    window_start, window_end = local_day_range(day, day, question.zone)
    req = question.request(window_start, window_end + duration, now)
    found = engine.find_slots(req, engine.Interval(window_start, window_end + duration), duration)
    return [s for s in found if s.start < window_end]


def day_reason_on(question: Question, day: date, now: datetime) -> engine.Reason:
    """Why one local date offers nothing (the engine's commonest reason)."""
    window_start, window_end = local_day_range(day, day, question.zone)
    if question.duration is None:
        req = question.request(*_days_window(question, day, day), now)
    else:
        req = question.request(window_start, window_end + question.duration, now)
    return engine.day_reason(req, day, question.duration)


def next_free_day(question: Question, after: date, now: datetime) -> date | None:
    """The first local date from `after` on which something is free, up to the horizon:
    the first start's date (fixed and hourly), or the first whole free day (daily)."""
    zone = question.zone
    start = max(local_day_range(after, after, zone)[0], now)
    if question.duration is not None:
        slot = next_available(question, start, now)
        return local_date(slot.start, zone) if slot else None
    last = local_date(now + timedelta(days=question.service.horizon_days), zone)
    first = max(after, local_date(now, zone))
    while first <= last:
        chunk_end = min(first + MONTH_CHUNK, last)
        req = question.request(*_days_window(question, first, chunk_end), now)
        found = engine.day_slots(req, first, chunk_end)
        if found:
            return found[0].day
        first = chunk_end + ONE_DAY
    return None
