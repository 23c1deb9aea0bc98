"""The customer's time picker: one grid for the service page (a new booking) and for the
manage link's reschedule page (a new time for a confirmed booking). Both ask the question
layer; they differ only in the question (a move keeps the booking's option and party and
leaves its own rows out) and in where the links and the chosen time go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from urllib.parse import quote, unquote, urlencode
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_skeleton, get_day_names
from babel.dates import format_time as babel_format_time
from flask import Response, current_app, make_response, render_template, request, session, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from bookingsite import availability as engine
from bookingsite import availability_changes
from bookingsite.booking import questions
from bookingsite.booking.reasons import reason_text
from bookingsite.booking.service import days_counted
from bookingsite.bounds import browsable
from bookingsite.clock import format_instant, local_date, local_day_start
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.i18n import duration_text, time_elsewhere
from bookingsite.models import Booking, Service
from bookingsite.public.forms import GridQueryForm, instant_or_none
from bookingsite.public.money import money

WEEK_DAYS = 7
VISITOR_ZONE_COOKIE = "visitor_tz"
MONTH, VIEWS = "month", ("month", "week", "day")
# What a request renders: the whole panel, or one part a click fetches alone.
PANEL, DAY = "panel", "day"
# Query fields whose wrong value is dropped rather than replaced by a default.
NO_DEFAULT = ("date", "month", "start_day", "end_day")


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
            field.data = field.default if field.name not in NO_DEFAULT else None
    return query


def grid_context(
    service: Service,
    query: GridQueryForm,
    now: datetime,
    *,
    move: Move | None = None,
    part: str = PANEL,
) -> dict:
    """What the booking panel shows. With `move`, the grid is the reschedule picker:
    it opens at the booking's date, offers its option and party on any free place, and
    sends the chosen time to the reschedule form instead of a hold.

    The month view (the default) has two parts that a click fetches alone: `part` MONTH
    (the month's day states; for daily rentals, with the chosen range) and DAY (one day's
    start times). Only the asked part is computed; PANEL computes both."""
    zone = service.venue.timezone
    today = now.astimezone(ZoneInfo(zone)).date()
    view = query.view.data if query.view.data in VIEWS else MONTH
    chosen_day = query.date.data
    if chosen_day is not None and not browsable(chosen_day, today):
        query.date.errors = [_("Choose a date closer to today.")]
        chosen_day = None
    start = instant_or_none(query.start.data) if service.is_hourly else None
    start_day = query.start_day.data if service.is_daily else None
    if start_day and not browsable(start_day, today):
        query.start_day.errors = [_("Choose a date closer to today.")]
        start_day = None
    end_day = query.end_day.data if start_day else None

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
            "guests": guests if guests != 1 else None,
            "resource": resource_id,
        }
        page, target = "public.service", "public.hold"
        path = {"venue_slug": service.venue.slug, "service_slug": service.slug}
    else:
        question = move.question(service)
        guests, resource_id, state = move.booking.guests, None, {}
        page = target = "public.reschedule"
        path = {"token": move.booking.manage_token}

    if chosen_day is None:
        if move is not None:
            chosen_day = local_date(move.start, zone)
        elif view == MONTH and not service.is_daily and part != MONTH:
            # Open at the first day with a free time, so times show at once.
            chosen_day = questions.next_free_day(question, today, now) or today
        else:
            chosen_day = today

    links = Links(page, path)
    context = {
        "service": service,
        "venue": service.venue,
        "zone": zone,
        "visitor_zone": visitor_zone(zone),
        "query": query,
        "view": view,
        "today": today,
        "first_day": chosen_day,
        "variant": question.variant,
        "guests": guests,
        "resource_id": resource_id,
        "start": start,
        "start_day": start_day,
        "move": move,
        "page_url": links.page,
        "post_url": url_for(target, **path),
        "summary": choice_summary(service, question, move),
    }
    if view != MONTH:
        return context | _list_context(
            service, question, query, now, move, state, links, chosen_day, view, start, start_day
        )

    if not service.is_daily or query.date.data is not None:
        state |= {"date": chosen_day.isoformat()}
    anchor = start_day or chosen_day
    shown = _month_of(query.month.data) or anchor.replace(day=1)
    if not browsable(shown, today):
        shown = today.replace(day=1)
    if shown != anchor.replace(day=1):
        state["month"] = shown.strftime("%Y-%m")
    context |= {"state": state, "grid_url": links.grid_url(state), "month_first": shown}
    ends: list[engine.EndOption] = []
    end_days: list[engine.DayEnd] = []
    if service.is_daily:
        if start_day:
            state |= {"start_day": start_day.isoformat()}
            end_days = questions.day_runs(question, start_day, now)
            context |= _range_context(service, question, now, start_day, end_day, end_days)
            if context["end_option"] is not None:
                state["end_day"] = context["end_option"].last_day.isoformat()
            context["returns"] = _returns(service, links, state, start_day, end_days)
        context["calendar"] = calendar_of(
            service, question, now, shown, today, links, state, chosen_day, context
        )
    else:
        if part != DAY:
            context["calendar"] = calendar_of(
                service, question, now, shown, today, links, state, chosen_day, context
            )
        if part != MONTH:
            if start:
                ends = questions.end_options(question, start, now)
            context |= _day_context(
                service, question, now, chosen_day, today, links, state, move, start
            )
            context["ends"] = ends
    context["state"] = state
    if move is not None:
        context |= _move_choice(move, service, start, ends, start_day, end_days)
    return context


def picker_part_response(part: str, context: dict) -> Response:
    """One part of the picker for htmx, and the page's own URL for the address bar (the
    fragment's URL is not a page to share). Its forms carry no CSRF field: htmx sends the
    token in a header (hx-headers on <body>), so the part is the same for every visitor
    with the same language and zone, and may be kept (FragmentCache)."""
    if part == DAY:
        template = "public/_day.html"
    elif context["service"].is_daily:
        template = "public/_range.html"
    else:
        template = "public/_month.html"
    response = make_response(render_template(template, fragment=True, **context))
    response.vary.add("HX-Request")
    query = request.query_string.decode()
    response.headers["HX-Push-Url"] = context["page_url"] + ("?" + query if query else "")
    return response


class FragmentCache:
    """The picker's parts as last rendered, per process, for as long as they are true.

    On a busy morning many visitors fetch the same month or day within seconds; each of
    those requests would read every booking of the month again. A part is kept under
    everything that shapes it — its URL with the query string, the visitor's language
    inputs (Accept-Language, the chosen language) and time-zone cookie — with the
    venue's availability version (bookingsite/availability_changes.py: the set-up
    revision and the feed's position, one statement) and the time bucket its answers
    depend on (the lead time moves with the clock; a bucket is the service's grid
    alignment, as for the API's ETag). It is answered again while both are the same, so
    a booking, a block or an hours change made by any process is seen at once. Only
    htmx requests are answered from it, and only 200s are kept. PICKER_FRAGMENT_CACHE
    false turns it off."""

    MAX_ENTRIES = 512

    def __init__(self) -> None:
        # key -> (venue id, grid alignment, state, body, page URL)
        self._entries: dict[tuple, tuple[int, int, tuple, bytes, str]] = {}

    @staticmethod
    def for_app() -> FragmentCache | None:
        if not current_app.config["PICKER_FRAGMENT_CACHE"]:
            return None
        return current_app.extensions.setdefault("picker_fragments", FragmentCache())

    @staticmethod
    def _key() -> tuple:
        return (
            request.path,
            request.query_string,
            request.headers.get("Accept-Language", ""),
            session.get("lang"),
            request.cookies.get(VISITOR_ZONE_COOKIE, ""),
        )

    @staticmethod
    def state(venue_id: int, alignment_minutes: int, now: datetime) -> tuple:
        """What the part's answers depend on besides the question. A change to the
        service itself (its slug, its alignment) raises the set-up revision within."""
        bucket = int(now.timestamp()) // (60 * alignment_minutes)
        return (availability_changes.version(db.session, venue_id), bucket)

    def get(self, now: datetime) -> Response | None:
        """The kept part, if it is still true: one statement, no service loaded."""
        kept = self._entries.get(self._key())
        if kept is None:
            return None
        venue_id, alignment, state, body, push_url = kept
        if self.state(venue_id, alignment, now) != state:
            return None
        response = make_response(body)
        response.vary.add("HX-Request")
        response.headers["HX-Push-Url"] = push_url
        return response

    def put(self, service: Service, state: tuple, response: Response) -> Response:
        if response.status_code == 200:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()
            self._entries[self._key()] = (
                service.venue_id,
                service.grid_alignment_minutes,
                state,
                response.get_data(),
                response.headers["HX-Push-Url"],
            )
        return response


def _month_of(text: str | None) -> date | None:
    try:
        return date.fromisoformat(f"{text}-01") if text else None
    except ValueError:
        return None


class Links:
    """The picker's URLs: the page (a real link, the one pushed to history) and the
    fragment a click fetches, built from the state once per request rather than by
    `url_for` for every day and time."""

    def __init__(self, page: str, path: dict) -> None:
        self.page = url_for(page, **path)
        self.days = url_for(page + "_days", **path)
        self.times = url_for(page + "_times", **path)

    @staticmethod
    def query(state: dict) -> str:
        return urlencode([(k, v) for k, v in state.items() if v not in (None, "")])

    def grid_url(self, state: dict):
        def build(**changes: str) -> str:
            return self.page + "?" + self.query(state | changes)

        return build


@dataclass(frozen=True)
class DayCell:
    """One day of the month calendar: a real link to the picker's part for that day (a
    whole page without htmx, the part alone with it), and what the day looks like."""

    day: date
    number: int
    weekday: str
    label: str  # the full date, for screen readers
    href: str
    kind: str  # free, off (nothing free), past
    note: str  # why nothing is free, or how much is
    chosen: bool = False
    marks: str = ""  # daily ranges: start, in, end, can-end


@dataclass(frozen=True)
class Calendar:
    title: str
    weekdays: tuple[str, ...]
    leading: int  # blank cells before the first day
    cells: tuple[DayCell, ...]
    prev_href: str | None
    next_href: str | None
    prev_name: str
    next_name: str
    next_free: date | None  # when the month has nothing free: the first free day after
    next_free_href: str | None


def calendar_of(
    service: Service,
    question: questions.Question,
    now: datetime,
    month_first: date,
    today: date,
    links: Links,
    state: dict,
    chosen_day: date,
    context: dict,
) -> Calendar:
    """The month of `month_first` with each day's state, and its links."""
    locale = get_locale()
    last = (month_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    states = questions.day_states(question, month_first, last, now)
    first_weekday = locale.first_week_day
    day_names = get_day_names("abbreviated", locale=locale)
    weekdays = tuple(day_names[(first_weekday + i) % 7] for i in range(7))
    base = {k: v for k, v in state.items() if k not in ("date", "month", "start_day", "end_day")}
    daily = service.is_daily
    start_day = context.get("start_day")
    end_option = context.get("end_option")
    run_ends = {r.last_day for r in context.get("end_days", ())}
    reasons: dict[engine.Reason, str] = {}
    move = context.get("move")
    current_day = local_date(move.start, service.venue.timezone) if move else None
    current_word = _("your current first day") if daily else _("your current day")
    free_word = _("free")
    past_word = _("past")
    cells = []
    for s in states:
        day = s.day
        iso = day.isoformat()
        if daily:
            if start_day and day in run_ends and day >= start_day:
                change = base | {"start_day": start_day.isoformat(), "end_day": iso}
                if start_day.replace(day=1) != month_first:
                    change["month"] = month_first.strftime("%Y-%m")
            else:
                change = base | {"start_day": iso}
            href = f"{links.days}?{links.query(change)}"
        else:
            href = f"{links.times}?{links.query(base | {'date': iso})}"
        if s.past:
            kind, note = "past", past_word
        elif s.is_free:
            kind = "free"
            note = free_word if daily else ngettext("%(num)d time", "%(num)d times", s.free)
        else:
            kind = "off"
            if s.reason not in reasons:
                reasons[s.reason] = reason_text(s.reason) if s.reason else _("Nothing free")
            note = reasons[s.reason]
        marks = ""
        if day == current_day:
            marks, note = "current", f"{note} · {current_word}"
        elif daily and start_day:
            last_chosen = end_option.last_day if end_option else None
            if day == start_day:
                marks = "start"
            elif last_chosen and start_day < day < last_chosen:
                marks = "in"
            elif day == last_chosen:
                marks = "end"
            elif day in run_ends:
                marks = "can-end"
        cells.append(
            DayCell(
                day=day,
                number=day.day,
                weekday=weekdays[(day.weekday() - first_weekday) % 7],
                label=format_date(day, "full"),
                href=href,
                kind=kind,
                note=note,
                chosen=(day == start_day) if daily else (day == chosen_day),
                marks=marks,
            )
        )
    prev_month = (month_first - timedelta(days=1)).replace(day=1)
    next_month = last + timedelta(days=1)

    anchor = start_day or chosen_day

    def month_link(first: date) -> str | None:
        """Months before this one, or too far ahead to browse, have no link."""
        if first < today.replace(day=1) or not browsable(first, today):
            return None
        month = None if first == anchor.replace(day=1) else first.strftime("%Y-%m")
        return f"{links.days}?{links.query(state | {'month': month})}"

    next_free = next_free_href = None
    if not any(s.is_free for s in states):
        next_free = questions.next_free_day(question, max(last + timedelta(days=1), today), now)
        if next_free is not None:
            key = "start_day" if daily else "date"
            next_free_href = f"{links.page}?{links.query(base | {key: next_free.isoformat()})}"
    return Calendar(
        title=format_skeleton("yMMMM", month_first, locale=locale),
        weekdays=weekdays,
        leading=(month_first.weekday() - first_weekday) % 7,
        cells=tuple(cells),
        prev_href=month_link(prev_month),
        next_href=month_link(next_month),
        prev_name=format_skeleton("MMMM", prev_month, locale=locale),
        next_name=format_skeleton("MMMM", next_month, locale=locale),
        next_free=next_free,
        next_free_href=next_free_href,
    )


# Parts of the day a list of start times is grouped by, by the venue's wall clock: the
# hour each one ends before.
PARTS_OF_DAY = ((12, _l("Morning")), (17, _l("Afternoon")), (24, _l("Evening")))


@dataclass(frozen=True)
class TimeChoice:
    """One start time, as the list shows it."""

    value: str  # the instant, as the form posts it
    label: str  # the venue's time
    yours: str  # the visitor's time, when their zone differs ("" otherwise)
    spoken: str  # the accessible name of a button that books at once
    href: str  # hourly: the link that asks for the end
    chosen: bool = False
    current: bool = False  # a move: the booking's own start


@dataclass(frozen=True)
class PartOfDay:
    name: str
    times: tuple[TimeChoice, ...]


def _day_context(
    service: Service,
    question: questions.Question,
    now: datetime,
    day: date,
    today: date,
    links: Links,
    state: dict,
    move: Move | None,
    start: datetime | None,
) -> dict:
    """One day's start times grouped by part of day, or why there are none and the next
    day with a free time."""
    zone = service.venue.timezone
    tz = ZoneInfo(zone)
    found = questions.day_slots_on(question, day, now) if day >= today else []
    yours_zone = visitor_zone(zone)
    labels: dict[tuple[int, int], str] = {}
    locale = get_locale()

    def wall(local: datetime) -> str:
        key = (local.hour, local.minute)
        if key not in labels:
            labels[key] = babel_format_time(local.time(), "short", locale=locale)
        return labels[key]

    day_label = format_date(day, "long")
    hourly = service.is_hourly
    current_start = move.start if move else None
    groups: dict[int, list[TimeChoice]] = {limit: [] for limit, _name in PARTS_OF_DAY}
    base = links.query(state)
    for slot in found:
        local = slot.start.astimezone(tz)
        label = wall(local)
        value = format_instant(slot.start)
        yours = ""
        if yours_zone:
            yours = _("%(time)s your time", time=time_elsewhere(slot.start, yours_zone, day))
        spoken = label + ", " + yours if yours else label
        if move is not None:
            spoken = _("Move to %(date)s at %(time)s", date=day_label, time=spoken)
        else:
            spoken = _("Book %(date)s at %(time)s", date=day_label, time=spoken)
        href = f"{links.times}?{base}&start={quote(value)}" if hourly else ""
        limit = next(limit for limit, _name in PARTS_OF_DAY if local.hour < limit)
        groups[limit].append(
            TimeChoice(
                value=value,
                label=label,
                yours=yours,
                spoken=spoken,
                href=href,
                chosen=slot.start == start,
                current=slot.start == current_start,
            )
        )
    parts = tuple(PartOfDay(str(name), tuple(groups[limit])) for limit, name in PARTS_OF_DAY)
    context: dict = {
        "day": day,
        "day_parts": tuple(p for p in parts if p.times),
        "day_free": len(found),
        "day_reason": None,
        "day_next": None,
        "day_next_href": None,
    }
    if not found:
        if day < today:
            context["day_reason"] = _("past")
        else:
            context["day_reason"] = reason_text(questions.day_reason_on(question, day, now))
        nxt = questions.next_free_day(question, max(day, today) + timedelta(days=1), now)
        if nxt is not None:
            query = links.query(state | {"date": nxt.isoformat(), "month": None})
            context |= {"day_next": nxt, "day_next_href": f"{links.page}?{query}"}
    return context


def _range_context(
    service: Service,
    question: questions.Question,
    now: datetime,
    start_day: date,
    end_day: date | None,
    end_days: list[engine.DayEnd],
) -> dict:
    """A daily rental's chosen pick-up day, its possible return days, and the chosen run."""
    end_option = next((r for r in end_days if r.last_day == end_day), None) if end_day else None
    context: dict = {"end_days": end_days, "end_option": end_option, "start_reason": None}
    if end_option is not None:
        days = (end_option.last_day - start_day).days + 1
        price = service.range_price_cents(days=days)
        context["run_days"] = days
        context["run_price"] = money(price, service.venue.currency) if price is not None else ""
    if not end_days:
        context["start_reason"] = reason_text(questions.day_reason_on(question, start_day, now))
    return context


@dataclass(frozen=True)
class ReturnChoice:
    """A rental's possible return day, with its run's length and price."""

    last_day: date
    days: int
    back: datetime  # when it comes back
    price: str
    href: str
    chosen: bool


def _returns(
    service: Service, links: Links, state: dict, start_day: date, end_days: list[engine.DayEnd]
) -> list[ReturnChoice]:
    chosen = state.get("end_day")
    base = {k: v for k, v in state.items() if k != "month"}
    currency = service.venue.currency
    choices = []
    for option in end_days:
        days = (option.last_day - start_day).days + 1
        price = service.range_price_cents(days=days)
        href = f"{links.days}?{links.query(base | {'end_day': option.last_day.isoformat()})}"
        choices.append(
            ReturnChoice(
                last_day=option.last_day,
                days=days,
                back=option.parts[-1].end,
                price=money(price, currency) if price is not None else "",
                href=href,
                chosen=option.last_day.isoformat() == chosen,
            )
        )
    return choices


@dataclass(frozen=True)
class ChoiceSummary:
    """What is being booked, always in view: the option (or the range's rule), its length
    and its price."""

    name: str
    length: str
    price: str


def choice_summary(
    service: Service, question: questions.Question, move: Move | None
) -> ChoiceSummary:
    currency = service.venue.currency
    if move is not None:
        booking = move.booking
        name = booking.option_name or booking.service_name or service.name
        if service.is_daily:
            length = ngettext("%(num)d day", "%(num)d days", move.days)
        else:
            length = duration_text(int(move.length.total_seconds() // 60))
        return ChoiceSummary(name, length, "")
    if service.is_fixed and question.variant is not None:
        variant = question.variant
        price = money(variant.price_cents, currency) if variant.price_cents is not None else ""
        return ChoiceSummary(
            variant.name or service.name, duration_text(variant.duration_minutes), price
        )
    unit = service.unit_price_cents
    if service.is_hourly:
        length = _(
            "%(min)s to %(max)s",
            min=duration_text(service.min_minutes),
            max=duration_text(service.max_minutes),
        )
        price = _("%(price)s per hour", price=money(unit, currency)) if unit is not None else ""
        return ChoiceSummary(service.name, length, price)
    length = _(
        "%(min)s to %(max)s",
        min=ngettext("%(num)d day", "%(num)d days", service.min_days),
        max=ngettext("%(num)d day", "%(num)d days", service.max_days),
    )
    price = _("%(price)s per day", price=money(unit, currency)) if unit is not None else ""
    return ChoiceSummary(service.name, length, price)


def _list_context(
    service: Service,
    question: questions.Question,
    query: GridQueryForm,
    now: datetime,
    move: Move | None,
    state: dict,
    links: Links,
    first_day: date,
    view: str,
    start: datetime | None,
    start_day: date | None,
) -> dict:
    """The optional week and day views: columns of days, each with its start times."""
    zone = service.venue.timezone
    days = 1 if view == "day" else WEEK_DAYS
    state = state | {"date": first_day.isoformat(), "view": view}
    grid = questions.grid(question, first_day, days, now)
    ends = questions.end_options(question, start, now) if start else []
    end_days = questions.day_runs(question, start_day, now) if start_day else []
    step = timedelta(days=days)
    next_available_day = (
        grid.next_available.start.astimezone(ZoneInfo(zone)).date().isoformat()
        if grid.next_available
        else None
    )
    context = {
        "state": state,
        "grid_url": links.grid_url(state),
        "next_available_day": next_available_day,
        "grid_start": local_day_start(first_day, zone),
        "grid": grid,
        "prev_day": first_day - step,
        "next_day": first_day + step,
        "ends": ends,
        "end_days": end_days,
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
