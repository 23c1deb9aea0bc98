"""The day and week timeline: one lane per resource, in the venue's local time, and the
venue's working calendar: what a manager does on it.

Positions are fractions of *elapsed* time between two local midnights, so a day when the
clocks change is 23 or 25 hours long and its hour marks show the jump (01:00, 03:00).

Actions, each a real form first (htmx swaps #timeline; without JavaScript the same URLs
answer whole pages): a free range of a resource opens a panel to take a booking by phone
(booking.service.book_by_phone) or to block it; a booking opens a panel to move it (the
booking page's move, with its override and reason) or to cancel it. A panel's URL says
what it was opened on (resource, from, to), so a link, a click or a drag all end in the
same GET. Every action is the front desk's."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date, format_skeleton
from flask import Response, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from bookingsite import errors
from bookingsite.admin import bp
from bookingsite.admin.bookings import (
    MoveConflict,
    alternative_chosen,
    conflict_on,
    kept_service_name,
    move_form_for,
    move_zone,
    recurring_block,
    shown_status,
    try_cancel,
    try_move,
    venue_booking,
)
from bookingsite.admin.forms import CancelForm, MoveForm, PhoneBookingForm, TimelineBlockForm
from bookingsite.admin.hours import NonexistentTime, to_utc
from bookingsite.admin.reports import Span, open_spans
from bookingsite.availability import block_instants
from bookingsite.booking import questions
from bookingsite.booking import service as booking_service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.booking.terms import cancel_terms
from bookingsite.bounds import clamp_day
from bookingsite.clock import format_instant, local_day_range, parse_instant, utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.i18n import (
    dates_locale,
    duration_text,
    local_date,
    local_datetime,
    local_time,
)
from bookingsite.models import (
    Allocation,
    Booking,
    Occupancy,
    Resource,
    ResourceKind,
    Service,
    Venue,
)
from bookingsite.staff import travel_times, visiting_staff
from bookingsite.web import render_page, see_other

ONE_DAY = timedelta(days=1)
# A week's day shows a booking by its first name, cut to this many characters.
SHORT_NAME = 12


class SegmentKind(StrEnum):
    CLOSED = "closed"
    BLOCK = "block"
    BUFFER = "buffer"
    TRAVEL = "travel"  # a shared staff member on the way to or from another venue
    ELSEWHERE = "elsewhere"  # ...and booked there (the other venue's, not shown here)
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
    expires_at: datetime | None = None  # a live hold's


@dataclass(frozen=True)
class Gap:
    """Free time on a lane (day view): a range a manager may select."""

    start: datetime
    end: datetime
    left: float
    width: float


@dataclass(frozen=True)
class DaySummary:
    """A lane's local day in the week view: its bookings and holds, to be counted and
    named in a label that fits."""

    day: date
    left: float
    width: float
    taken: list[Segment]

    @property
    def holds(self) -> int:
        return sum(1 for s in self.taken if s.kind == SegmentKind.HOLD)


@dataclass(frozen=True)
class Tick:
    left: float
    label: str
    major: bool = False


@dataclass
class Lane:
    resource: Resource
    segments: list[Segment] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    days: list[DaySummary] = field(default_factory=list)


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


def build_lanes(
    resources: list[Resource], window: Window, now: datetime, venue: Venue
) -> list[Lane]:
    """Everything that takes time on each resource in the window, as positioned segments.
    A staff member shared with other venues shows its time booked there (not whose) and
    the travel time kept free around it. A constant number of queries whatever the
    number of resources."""
    lanes = {r.id: Lane(r) for r in resources}
    ids = list(lanes)
    travel = travel_times(venue.id) if any(r.is_staff for r in resources) else {}
    reach = max(travel.values(), default=timedelta(0))

    def add(
        rid: int,
        kind: SegmentKind,
        start: datetime,
        end: datetime,
        label: str = "",
        booking_id: int | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        place = window.position(start, end)
        if place is not None:
            lanes[rid].segments.append(
                Segment(kind, start, end, *place, label, booking_id, expires_at)
            )

    day_before, day_after = window.first - timedelta(days=1), window.last + timedelta(days=1)
    for resource in resources:
        working = open_spans(resource, day_before, day_after, venue=venue)
        for start, end in _complement(working, window):
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
            Occupancy.start_at < window.end + reach,
            Occupancy.end_at > window.start - reach,
            Booking.is_active_at(now),
        )
    )
    for occupancy, booking in occupied:
        rid = occupancy.resource_id
        if booking.venue_id != venue.id:
            elsewhere = _("At %(venue)s", venue=db.session.get(Venue, booking.venue_id).name)
            gap = travel.get(booking.venue_id, timedelta(0))
            add(rid, SegmentKind.ELSEWHERE, occupancy.start_at, occupancy.end_at, elsewhere)
            if gap:
                add(
                    rid,
                    SegmentKind.TRAVEL,
                    occupancy.start_at - gap,
                    occupancy.start_at,
                    _("travel"),
                )
                add(rid, SegmentKind.TRAVEL, occupancy.end_at, occupancy.end_at + gap, _("travel"))
            continue
        if occupancy.start_at < booking.start_at:
            add(rid, SegmentKind.BUFFER, occupancy.start_at, booking.start_at, _("buffer"))
        if booking.end_at < occupancy.end_at:
            add(rid, SegmentKind.BUFFER, booking.end_at, occupancy.end_at, _("buffer"))
        kind = SegmentKind.HOLD if booking.is_hold else SegmentKind.BOOKING
        who = booking.customer_name or booking.reference
        expires = booking.hold_expires_at if booking.is_hold else None
        add(rid, kind, booking.start_at, booking.end_at, who, booking.id, expires)

    order = list(SegmentKind)
    for lane in lanes.values():
        lane.segments.sort(key=lambda s: (order.index(s.kind), s.start))
    return list(lanes.values())


def add_gaps(lanes: list[Lane], window: Window, venue: Venue) -> None:
    """Each lane's free ranges: the window's time that nothing takes (closed time, blocks,
    buffers, holds and bookings all count as taken). What a manager selects to book. A
    visiting staff member's own venue books and blocks it: it has none here."""
    for lane in lanes:
        if lane.resource.venue_id != venue.id:
            continue
        taken = sorted((s.start, s.end) for s in lane.segments)
        for start, end in _complement(taken, window):
            place = window.position(start, end)
            if place is not None:
                lane.gaps.append(Gap(start, end, *place))


def add_days(lanes: list[Lane], window: Window, zone: str) -> None:
    """Week view: per lane and local day, the bookings and holds that start that day."""
    starts = {}
    day = window.first
    while day <= window.last:
        starts[day] = local_day_range(day, day, zone)
        day += timedelta(days=1)
    for lane in lanes:
        for day, (start, end) in starts.items():
            left, width = window.position(start, end)
            taken = [
                s
                for s in lane.segments
                if s.kind in (SegmentKind.BOOKING, SegmentKind.HOLD) and start <= s.start < end
            ]
            lane.days.append(DaySummary(day, left, width, taken))


def minutes_left(expires_at: datetime, now: datetime) -> int:
    """A live hold's whole minutes left, rounded up (a hold with 20 s left has 1)."""
    return max(1, math.ceil((expires_at - now) / timedelta(minutes=1)))


def hold_left_text(expires_at: datetime | None, now: datetime) -> str:
    """ "Hold — 7 min left", from the injected clock's now."""
    if expires_at is None:
        return _("Hold")
    left = minutes_left(expires_at, now)
    return ngettext("Hold — %(num)d min left", "Hold — %(num)d min left", left)


def hold_text(segment: Segment, now: datetime) -> str:
    return hold_left_text(segment.expires_at, now)


def hold_short(segment: Segment, now: datetime) -> str:
    """A live hold's minutes left as its narrow bar shows them ("7 min"); the title and
    the accessible name say "Hold — 7 min left"."""
    if segment.expires_at is None:
        return ""
    left = minutes_left(segment.expires_at, now)
    return ngettext("%(num)d min", "%(num)d min", left)


@dataclass(frozen=True)
class MoveTarget:
    """Where the move form would put the booking: drawn on its lane as it is chosen."""

    resource_id: int
    start: datetime
    left: float
    width: float


def move_target(booking: Booking, form: MoveForm, window: Window) -> MoveTarget | None:
    """The move form's new place, when its date, time and resource say one."""
    if not (form.day.data and form.at.data and isinstance(form.resource.data, int)):
        return None
    try:
        start = to_utc(form.day.data, form.at.data, move_zone(booking))
    except (NonexistentTime, OverflowError, ValueError):
        return None
    here = {o.resource_id for o in booking.occupancies}
    if start == booking.start_at and form.resource.data in here:
        return None  # where it is: nothing to show
    place = window.position(start, start + (booking.end_at - booking.start_at))
    return MoveTarget(form.resource.data, start, *place) if place else None


def day_text(summary: DaySummary, resource: Resource, zone: str, now: datetime) -> str:
    """A week's day of a lane in full, for its title and accessible name: the counts,
    then each booking and hold with its local times and customer."""
    counts = [ngettext("%(num)d booking", "%(num)d bookings", len(summary.taken) - summary.holds)]
    if summary.holds:
        counts.append(ngettext("%(num)d hold", "%(num)d holds", summary.holds))
    items = []
    for segment in summary.taken:
        span = f"{local_time(segment.start, zone)}–{local_time(segment.end, zone)}"
        if segment.kind == SegmentKind.HOLD:
            items.append(
                _(
                    "%(time)s %(name)s (%(hold)s)",
                    time=span,
                    name=segment.label,
                    hold=hold_text(segment, now),
                )
            )
        else:
            items.append(_("%(time)s %(name)s", time=span, name=segment.label))
    return _(
        "%(day)s, %(resource)s: %(counts)s. %(items)s",
        day=format_date(summary.day, "EEE d MMM", locale=dates_locale(zone)),
        resource=resource.name,
        counts=", ".join(counts),
        items="; ".join(items),
    )


def short_name(segment: Segment) -> str:
    """A booking's name as a week's narrow day shows it: the first word, at most twelve
    characters (the whole name is in the title and the accessible name)."""
    word = (segment.label.split() or [""])[0]
    return word if len(word) <= SHORT_NAME else word[: SHORT_NAME - 1] + "…"


def _parse_day(text: str | None, today: date) -> date:
    """The day to show: today when the date is missing or malformed, the nearest one the
    site supports when it is too far away (as a date picker would)."""
    try:
        return clamp_day(date.fromisoformat(text)) if text else today
    except ValueError:
        return today


def _view() -> str:
    return "week" if request.args.get("view") == "week" else "day"


def _venue_lanes() -> list[Resource]:
    """The venue's resources, places first, then staff visiting from other venues."""
    own = db.session.scalars(
        sa.select(Resource)
        .where(Resource.venue_id == g.venue.id, Resource.active)
        .order_by(Resource.kind == ResourceKind.STAFF, Resource.name)
    )
    return [*own, *visiting_staff(g.venue)]


def _scroll_to(lanes: list[Lane], now_left: float | None, chosen: float | None) -> float:
    """Where a narrow screen opens the day: what an action is about (`chosen`), else the
    current time when it is on it, else the first booking or opening time (not
    midnight)."""
    if chosen is not None:
        return chosen
    if now_left is not None:
        return now_left
    lefts = [
        s.left
        for lane in lanes
        for s in lane.segments
        if s.kind in (SegmentKind.BOOKING, SegmentKind.HOLD, SegmentKind.BLOCK)
    ]
    lefts += [gap.left for lane in lanes for gap in lane.gaps if gap.left > 0]
    return min(lefts, default=0)


def timeline_page(
    day: date | None = None,
    view: str | None = None,
    *,
    status: int = 200,
    scroll_at: datetime | None = None,
    **panel: Any,
) -> Response:
    """The timeline page (or, for htmx, its #timeline region) of `day` in `view`, with
    the `panel` an action opened on it (about the instant `scroll_at`)."""
    venue = g.venue
    zone = venue.timezone
    now = utcnow()
    today = now.astimezone(ZoneInfo(zone)).date()
    view = view or _view()
    day = day or _parse_day(request.args.get("date"), today)
    window = window_for(day, view, zone)
    resources = _venue_lanes()
    step = timedelta(days=7 if view == "week" else 1)
    now_position = window.position(now, now + timedelta(minutes=1))
    now_left = now_position[0] if now_position else None
    chosen_position = scroll_at and window.position(scroll_at, scroll_at + timedelta(minutes=1))
    chosen_left = chosen_position[0] if chosen_position else None
    lanes = build_lanes(resources, window, now, venue)
    form, moving = panel.get("move_form"), panel.get("booking")
    target = (
        move_target(moving, form, window) if form and moving and panel.get("is_active") else None
    )
    if view == "week":
        add_days(lanes, window, zone)
    else:
        add_gaps(lanes, window, venue)
    return render_page(
        "admin/timeline.html",
        "admin/_timeline.html",
        status=status,
        venue=venue,
        view=view,
        day=day,
        window=window,
        today=today,
        now=now,
        ticks=ticks_for(window, view, zone),
        lanes=lanes,
        previous_day=day - step,
        next_day=day + step,
        now_left=now_left,
        scroll_left=_scroll_to(lanes, now_left, chosen_left) if view == "day" else None,
        hours_long=(window.end - window.start) / timedelta(hours=1),
        format_instant=format_instant,
        hold_text=hold_text,
        hold_left_text=hold_left_text,
        hold_short=hold_short,
        short_name=short_name,
        day_text=day_text,
        move_target=target,
        panel=panel.pop("panel", None),
        **panel,
    )


@bp.get("/venues/<int:venue_id>/timeline")
def timeline():
    return timeline_page()


# Actions: a booking taken by phone, a block --------------------------------------------


def _instant_arg(name: str) -> datetime | None:
    """An instant from the query string (`from`, `to`); None when absent or malformed."""
    try:
        return parse_instant(request.args.get(name, ""))
    except ValueError:
        return None


def _resource_arg(resources: list[Resource]) -> Resource | None:
    wanted = request.args.get("resource", type=int)
    return next((r for r in resources if r.id == wanted), None)


def _offered_services() -> list[Service]:
    return [
        s
        for s in db.session.scalars(
            sa.select(Service)
            .where(Service.venue_id == g.venue.id, Service.active)
            .options(selectinload(Service.variants), selectinload(Service.resources))
            .order_by(Service.name, Service.id)
        )
        if s.offered and s.places
    ]


def offer_choices(services: list[Service]) -> list[tuple[str, str]]:
    """What a phone booking may be for: each option of a fixed service ("<service>:<option
    id>"), each service booked by the hour or by the day ("<service>")."""
    choices = []
    for service in services:
        if service.is_fixed:
            for variant in service.variants:
                option = variant.name or duration_text(variant.duration_minutes)
                label = _("%(service)s — %(option)s", service=service.name, option=option)
                choices.append((f"{service.id}:{variant.id}", label))
        elif service.is_hourly:
            choices.append((str(service.id), _("%(service)s, by the hour", service=service.name)))
        else:
            choices.append((str(service.id), _("%(service)s, by the day", service=service.name)))
    return choices


def _chosen_offer(value: str, services: list[Service]) -> tuple[Service, int | None]:
    """The service and option of a valid choice of `offer_choices`."""
    service_id, _sep, variant_id = value.partition(":")
    service = next(s for s in services if s.id == int(service_id))
    return service, int(variant_id) if variant_id else None


def _places(resources: list[Resource]) -> list[Resource]:
    return [r for r in resources if not r.is_staff]


# Two forms on one panel: their fields are named apart ("phone-day", "block-start_date").
def _phone_form(resources: list[Resource], services: list[Service], **kwargs: Any):
    return PhoneBookingForm(
        prefix="phone", resources=_places(resources), offers=offer_choices(services), **kwargs
    )


def _block_form(resources: list[Resource], **kwargs: Any) -> TimelineBlockForm:
    return TimelineBlockForm(prefix="block", resources=resources, zone=g.venue.timezone, **kwargs)


def _prefilled_forms(
    resources: list[Resource],
    services: list[Service],
    resource: Resource | None,
    start: datetime | None,
    end: datetime | None,
    day: date,
) -> tuple[PhoneBookingForm, TimelineBlockForm]:
    """The panel's two forms, as the selection says: the resource, and its range in the
    resource's own wall-clock time."""
    phone = _phone_form(resources, services, formdata=None)
    block = _block_form(resources, formdata=None)
    places = _places(resources)
    place = resource if resource is not None and not resource.is_staff else None
    if place is None and places:
        place = places[0]
    phone.resource.data = place.id if place else None
    served = [s for s in services if place is not None and place in s.places]
    choices = offer_choices(served or services)
    phone.offer.data = choices[0][0] if choices else None
    phone.locale.data = g.venue.default_locale
    phone.guests.data = 1
    block.resource.data = resource.id if resource is not None else None
    zone = ZoneInfo((resource or place).zone if (resource or place) else g.venue.timezone)
    phone.day.data = phone.last_day.data = block.start_date.data = day
    if start is not None:
        local = start.astimezone(zone)
        phone.day.data = phone.last_day.data = block.start_date.data = local.date()
        phone.at.data = block.start_time.data = local.time().replace(tzinfo=None)
    if end is not None:
        local = end.astimezone(zone)
        phone.until.data = block.end_time.data = local.time().replace(tzinfo=None)
        if local.date() != block.start_date.data:
            block.end_date.data = local.date()
            phone.last_day.data = local.date() if local.time() else local.date() - ONE_DAY
    return phone, block


def _new_panel(
    phone: PhoneBookingForm,
    block: TimelineBlockForm,
    resources: list[Resource],
    *,
    status: int = 200,
    day: date | None = None,
    conflict: MoveConflict | None = None,
    scroll_at: datetime | None = None,
) -> Response:
    chosen = next((r for r in resources if r.id == block.resource.data), None)
    chosen = chosen or next((r for r in resources if r.id == phone.resource.data), None)
    return timeline_page(
        day,
        status=status,
        scroll_at=scroll_at,
        panel="new",
        phone_form=phone,
        block_form=block,
        chosen=chosen,
        conflict=conflict,
    )


@bp.get("/venues/<int:venue_id>/timeline/new")
def timeline_new():
    """The panel for a free range: take a booking by phone, or block the time. The range
    comes from the link, the click or the drag that opened it (`resource`, `from`,
    `to`); what is missing or malformed is left for the manager to fill in."""
    resources = _venue_lanes()
    start, end = _instant_arg("from"), _instant_arg("to")
    if start is not None and end is not None and end <= start:
        end = None
    today = utcnow().astimezone(ZoneInfo(g.venue.timezone)).date()
    day = _parse_day(request.args.get("date"), today)
    if start is not None and _view() == "day":
        day = clamp_day(start.astimezone(ZoneInfo(g.venue.timezone)).date())
    phone, block = _prefilled_forms(
        resources, _offered_services(), _resource_arg(resources), start, end, day
    )
    return _new_panel(phone, block, resources, day=day, scroll_at=start)


PHONE_FIELDS = {
    "startTime": "at",
    "endTime": "until",
    "resourceId": "resource",
    "variantId": "offer",
    "guests": "guests",
}


def _range(
    form: PhoneBookingForm, service: Service, place: Resource, now: datetime
) -> tuple[datetime, datetime | None] | None:
    """The booking's range from the form's wall-clock fields, in the place's zone: the
    option's length (fixed), until the end time (by the hour; an end at or before the
    start is the next day's), or the run of days from the date to the last day (by the
    day, as the question layer offers them). None, with the field's message, when the
    fields cannot say."""
    zone = place.zone
    try:
        start = to_utc(form.day.data, form.at.data, zone)
    except NonexistentTime:
        form.at.errors.append(_("This time does not exist that day: the clocks go forward."))
        return None
    if service.is_fixed:
        return start, None
    if service.is_hourly:
        if form.until.data is None:
            form.until.errors.append(_("Give the end time."))
            return None
        end_day = form.day.data if form.until.data > form.at.data else form.day.data + ONE_DAY
        try:
            return start, to_utc(end_day, form.until.data, zone)
        except NonexistentTime:
            form.until.errors.append(_("This time does not exist that day: the clocks go forward."))
            return None
    last = form.last_day.data or form.day.data
    question = questions.ask(service, resource_id=place.id, guests=form.guests.data)
    runs = questions.day_runs(question, form.day.data, now)
    run = next((r for r in runs if r.last_day == last), None)
    if run is None:
        form.last_day.errors.append(
            _("These days are not free in a row on %(resource)s.", resource=place.name)
        )
        return None
    return run.parts[0].start, run.parts[-1].end


@bp.post("/venues/<int:venue_id>/timeline/book")
def timeline_book():
    """A booking taken by phone, through the booking service: the same rules as any, or
    an override with its reason; the customer gets the usual confirmation."""
    resources = _venue_lanes()
    services = _offered_services()
    form = _phone_form(resources, services)
    block = _block_form(resources, formdata=None)
    block.resource.data = (
        form.resource.data if form.resource.data in {r.id for r in resources} else None
    )
    valid = form.validate_on_submit()
    place = next((r for r in _places(resources) if r.id == form.resource.data), None)
    zone = place.zone if place is not None else g.venue.timezone
    if not (alternative_chosen(form, zone) and valid) or place is None:
        return _new_panel(form, block, resources, status=422, day=form.day.data)
    service, variant_id = _chosen_offer(form.offer.data, services)
    now = utcnow()
    conflict = None
    start = end = None
    try:
        chosen_range = _range(form, service, place, now)
        if chosen_range is None:
            return _new_panel(form, block, resources, status=422, day=form.day.data)
        start, end = chosen_range
        booking = booking_service.book_by_phone(
            HoldRequest(
                service_id=service.id,
                start=start,
                end=end,
                variant_id=variant_id,
                resource_id=place.id,
                guests=form.guests.data,
                customer=Customer(
                    name=form.name.data,
                    email=form.email.data,
                    phone=form.phone.data or "",
                    notes=(form.notes.data or "").strip(),
                ),
                locale=form.locale.data,
            ),
            manager_id=current_user.id,
            override_reason=form.override_reason.data if form.override.data else None,
        )
    except DomainError as error:
        db.session.rollback()
        if start is not None and error.kind in (errors.SLOT_TAKEN, errors.SLOT_UNAVAILABLE):
            place = db.session.get(Resource, place.id)
            length = (end or start + _length(service, variant_id)) - start
            conflict = conflict_on(
                place,
                start - timedelta(minutes=service.buffer_before_minutes),
                start + length + timedelta(minutes=service.buffer_after_minutes),
                error,
                zone=zone,
            )
        if conflict is not None and error.kind == errors.SLOT_TAKEN:
            form.at.errors.append(_("This time is taken on %(resource)s.", resource=place.name))
        elif error.fields:
            for name, message in error.fields.items():
                getattr(form, PHONE_FIELDS.get(name, "at")).errors.append(message)
        else:
            form.form_errors.append(error.message)
        form.offer_override = error.kind == errors.SLOT_UNAVAILABLE
        return _new_panel(
            form, block, _venue_lanes(), status=error.status, day=form.day.data, conflict=conflict
        )
    venue_zone = g.venue.timezone
    flash(
        _(
            "Booking %(reference)s for %(name)s on %(when)s is confirmed; the customer gets the confirmation by e-mail.",
            reference=booking.reference,
            name=form.name.data,
            when=local_datetime(booking.start_at, venue_zone, "short"),
        ),
        "success",
    )
    day = booking.start_at.astimezone(ZoneInfo(venue_zone)).date()
    return see_other(url_for("admin.timeline", date=day.isoformat(), view=_view()))


def _length(service: Service, variant_id: int | None) -> timedelta:
    """A fixed option's length (for naming what is in the way of a refused booking)."""
    variant = next((v for v in service.variants if v.id == variant_id), None)
    return timedelta(minutes=variant.duration_minutes if variant else 60)


@bp.post("/venues/<int:venue_id>/timeline/block")
def timeline_block():
    """A block over a range of a resource, by the blocks page's rules (its form)."""
    resources = _venue_lanes()
    services = _offered_services()
    block = _block_form(resources)
    resource = next((r for r in resources if r.id == block.resource.data), None)
    if resource is not None:
        block.zone = resource.zone
    phone, _unused = _prefilled_forms(resources, services, resource, None, None, _today())
    if not block.validate_on_submit() or resource is None:
        phone.day.data = phone.last_day.data = block.start_date.data or phone.day.data
        phone.at.data, phone.until.data = block.start_time.data, block.end_time.data
        return _new_panel(phone, block, resources, status=422, day=block.start_date.data)
    db.session.add(
        Allocation(
            resource_id=resource.id,
            start_at=block.start_at,
            end_at=block.end_at,
            reason=block.reason.data.strip(),
        )
    )
    db.session.commit()
    flash(_("The block was saved."), "success")
    day = block.start_at.astimezone(ZoneInfo(g.venue.timezone)).date()
    return see_other(url_for("admin.timeline", date=day.isoformat(), view=_view()))


def _today() -> date:
    return utcnow().astimezone(ZoneInfo(g.venue.timezone)).date()


# Actions on a booking: move, cancel ----------------------------------------------------


def _booking_panel(
    booking: Booking,
    *,
    move_form: MoveForm | None = None,
    cancel_form: CancelForm | None = None,
    status: int = 200,
    conflict: MoveConflict | None = None,
    day: date | None = None,
    scroll_at: datetime | None = None,
) -> Response:
    now = utcnow()
    cancel_form = cancel_form or CancelForm(formdata=None)
    needs_reason = booking.is_confirmed and not booking.may_cancel(now)
    if needs_reason:
        cancel_form.note.label.text = _("Reason (required)")
    if day is None:
        today = _today()
        day = _parse_day(request.args.get("date"), today) if request.args.get("date") else None
        day = day or booking.start_at.astimezone(ZoneInfo(g.venue.timezone)).date()
    return timeline_page(
        day,
        status=status,
        scroll_at=scroll_at or booking.start_at,
        panel="booking",
        booking=booking,
        is_active=booking.is_active_at(now),
        move_form=move_form or move_form_for(booking, formdata=None),
        cancel_form=cancel_form,
        cancel_needs_reason=needs_reason,
        cancel_terms=cancel_terms(booking.cancel_cutoff_hours),
        conflict=conflict,
        shown_status=shown_status,
        kept_service_name=kept_service_name(booking),
    )


@bp.get("/venues/<int:venue_id>/timeline/bookings/<int:booking_id>")
def timeline_booking(booking_id: int):
    """A booking's panel: move it (to the resource and start it was clicked to, when the
    URL says: `resource`, `from`) or cancel it."""
    booking = venue_booking(booking_id)
    form = move_form_for(booking, formdata=None)
    resource = _resource_arg(_venue_lanes())
    if resource is not None and resource.id in {choice.value for choice in form.resource.choices}:
        form.resource.data = resource.id
    start = _instant_arg("from")
    day = None
    if start is not None:
        local = start.astimezone(ZoneInfo(move_zone(booking)))
        form.day.data, form.at.data = local.date(), local.time().replace(tzinfo=None)
        if _view() == "day":
            day = clamp_day(start.astimezone(ZoneInfo(g.venue.timezone)).date())
    return _booking_panel(booking, move_form=form, day=day, scroll_at=start)


@bp.post("/venues/<int:venue_id>/timeline/bookings/<int:booking_id>/move")
def timeline_move(booking_id: int):
    booking = venue_booking(booking_id)
    form = move_form_for(booking)
    reference = booking.reference
    outcome = try_move(booking, form)
    if not outcome.done:
        return _booking_panel(
            venue_booking(booking_id),
            move_form=form,
            status=outcome.status,
            conflict=outcome.conflict,
            day=form.day.data if form.day.data and not form.day.errors else None,
        )
    zone = g.venue.timezone
    flash(
        _(
            "Booking %(reference)s was moved to %(when)s.",
            reference=reference,
            when=local_datetime(outcome.start, zone, "short"),
        ),
        "success",
    )
    day = outcome.start.astimezone(ZoneInfo(zone)).date()
    return see_other(url_for("admin.timeline", date=day.isoformat(), view=_view()))


@bp.post("/venues/<int:venue_id>/timeline/bookings/<int:booking_id>/cancel")
def timeline_cancel(booking_id: int):
    booking = venue_booking(booking_id)
    form = CancelForm()
    reference = booking.reference
    day = booking.start_at.astimezone(ZoneInfo(g.venue.timezone)).date()
    status = try_cancel(booking, form)
    if status is not None:
        return _booking_panel(venue_booking(booking_id), cancel_form=form, status=status)
    flash(_("Booking %(reference)s was cancelled.", reference=reference), "success")
    return see_other(url_for("admin.timeline", date=day.isoformat(), view=_view()))
