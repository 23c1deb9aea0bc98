"""Reports: what a venue sold and how full it was, over a range of its local dates.

What counts, and where (the page says the same to its readers):

- A **booking** is a confirmed booking. It counts on the venue-local date it starts, and
  its **revenue** is the price it keeps (`Booking.price_cents` in `Booking.currency`, as
  agreed when it was made): a later edit of the service's prices changes no report.
- A **cancellation** is a booking that was confirmed and then cancelled (a hold let go
  was never a booking). It counts on the local date it would have started, with no
  revenue.
- Holds — live, lapsed or let go — and expired holds count as neither.
- A rental kept as linked daily bookings counts once, on its first day in the range;
  each day's kept price counts on that day.
- Services are grouped by service and shown under today's names (a renamed service
  stays one line); channels are the one a booking came in by: web, admin or partner.

The figures are pure functions of plain values (`Sale` rows, the buckets, the venue's
zone), and so are the charts' geometry; the page gathers the rows in one lean query
(bounded by the range form's year), calls them, and renders server-side SVG with a
table behind every chart. Utilisation per resource is as it was: confirmed time inside
working hours over working hours."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_interval, format_skeleton
from babel.numbers import format_compact_currency
from flask import g, render_template, request
from flask_babel import format_currency, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from bookingsite import availability as engine
from bookingsite.admin import bp
from bookingsite.admin.forms import RangeForm
from bookingsite.booking.inputs import working_hours
from bookingsite.clock import local_day_range, utcnow
from bookingsite.extensions import db
from bookingsite.i18n import dates_locale, zone_name
from bookingsite.models import (
    Booking,
    BookingStatus,
    Channel,
    Occupancy,
    Resource,
    Service,
    Venue,
)

Span = tuple[datetime, datetime]

# Figures ------------------------------------------------------------------------------


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"


# "Automatic" shows days up to about a month, then weeks; days are refused past a
# quarter (92 bars are still readable on a desktop, more are not).
AUTO_DAYS_UP_TO = 31
MAX_DAYS_BY_DAY = 92


def default_period(first: date, last: date) -> Period:
    return Period.DAY if (last - first).days < AUTO_DAYS_UP_TO else Period.WEEK


@dataclass(frozen=True)
class Bucket:
    """Local dates first..last, both included: a day, or a week cut at the range's ends."""

    first: date
    last: date


def buckets(first: date, last: date, period: Period, week_start: int = 0) -> tuple[Bucket, ...]:
    """The range's days, or its weeks beginning on `week_start` (0 Monday … 6 Sunday);
    the first and last week may be partial."""
    out: list[Bucket] = []
    start = first
    while start <= last:
        if period is Period.DAY:
            end = start
        else:
            end = start + timedelta(days=(week_start - start.weekday() - 1) % 7)
        end = min(end, last)
        out.append(Bucket(start, end))
        start = end + timedelta(days=1)
    return tuple(out)


class Outcome(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Sale:
    """The columns of one booking row that the figures read."""

    start_at: datetime
    status: BookingStatus
    was_confirmed: bool
    channel: Channel
    service_id: int
    price_cents: int | None
    currency: str
    group_id: str | None = None

    @property
    def outcome(self) -> Outcome | None:
        if self.status == BookingStatus.CONFIRMED:
            return Outcome.BOOKED
        if self.status == BookingStatus.CANCELLED and self.was_confirmed:
            return Outcome.CANCELLED
        return None  # a hold (live, lapsed or let go), or an expired one


@dataclass(frozen=True)
class Amount:
    currency: str
    cents: int

    @property
    def major(self) -> Decimal:
        """In major units (the minor unit is a hundredth, as everywhere on the site)."""
        return Decimal(self.cents).scaleb(-2)


@dataclass(frozen=True)
class Figures:
    bookings: int = 0
    cancellations: int = 0
    revenue: tuple[Amount, ...] = ()  # one per currency, by currency code

    def cents_in(self, currency: str) -> int:
        return sum(a.cents for a in self.revenue if a.currency == currency)

    @property
    def is_empty(self) -> bool:
        return not (self.bookings or self.cancellations or self.revenue)


@dataclass
class _Tally:
    bookings: int = 0
    cancellations: int = 0
    revenue: dict[str, int] = field(default_factory=dict)

    def add(self, sale: Sale, outcome: Outcome, counted: bool) -> None:
        if outcome is Outcome.BOOKED:
            self.bookings += counted
            if sale.price_cents is not None:
                self.revenue[sale.currency] = self.revenue.get(sale.currency, 0) + sale.price_cents
        else:
            self.cancellations += counted

    def figures(self) -> Figures:
        revenue = tuple(Amount(c, cents) for c, cents in sorted(self.revenue.items()))
        return Figures(self.bookings, self.cancellations, revenue)


@dataclass(frozen=True)
class BucketFigures:
    bucket: Bucket
    figures: Figures


@dataclass(frozen=True)
class ServiceFigures:
    service_id: int
    figures: Figures


@dataclass(frozen=True)
class ChannelFigures:
    channel: Channel
    figures: Figures


@dataclass(frozen=True)
class Summary:
    by_bucket: tuple[BucketFigures, ...]
    by_service: tuple[ServiceFigures, ...]  # most bookings first
    by_channel: tuple[ChannelFigures, ...]  # every channel, in the enum's order
    total: Figures

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(a.currency for a in self.total.revenue)


def summarise(sales: Iterable[Sale], spans: Sequence[Bucket], zone: str) -> Summary:
    """One pass over the rows, in any order. A row whose local start date lies outside
    the buckets is left out; of a linked group (group_id), the earliest row counts the
    booking or cancellation, and every row adds its own kept price."""
    tz = ZoneInfo(zone)
    index: dict[date, int] = {}
    for i, bucket in enumerate(spans):
        day = bucket.first
        while day <= bucket.last:
            index[day] = i
            day += timedelta(days=1)
    by_bucket = [_Tally() for _ in spans]
    by_service: dict[int, _Tally] = {}
    by_channel = {channel: _Tally() for channel in Channel}
    total = _Tally()
    counted_groups: set[tuple[str, Outcome]] = set()
    for sale in sorted(sales, key=lambda s: s.start_at):  # a group's earliest row first
        i = index.get(sale.start_at.astimezone(tz).date())
        outcome = sale.outcome
        if i is None or outcome is None:  # outside the range, or neither
            continue
        counted = True
        if sale.group_id is not None:
            counted = (sale.group_id, outcome) not in counted_groups
            counted_groups.add((sale.group_id, outcome))
        for tally in (
            by_bucket[i],
            by_service.setdefault(sale.service_id, _Tally()),
            by_channel[sale.channel],
            total,
        ):
            tally.add(sale, outcome, counted)
    services = sorted(
        (ServiceFigures(sid, t.figures()) for sid, t in by_service.items()),
        key=lambda s: (-s.figures.bookings, -s.figures.cancellations, s.service_id),
    )
    return Summary(
        by_bucket=tuple(
            BucketFigures(b, t.figures()) for b, t in zip(spans, by_bucket, strict=True)
        ),
        by_service=tuple(services),
        by_channel=tuple(ChannelFigures(c, t.figures()) for c, t in by_channel.items()),
        total=total.figures(),
    )


def chart_currency(summary: Summary, venue_currency: str) -> str:
    """The currency the revenue chart draws: the venue's, unless none of the revenue is in
    it (its currency was changed since): then the largest one's."""
    amounts = summary.total.revenue
    if not amounts or any(a.currency == venue_currency for a in amounts):
        return venue_currency
    return max(amounts, key=lambda a: (a.cents, a.currency)).currency


# Utilisation ----------------------------------------------------------------------------


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


def open_spans(
    resource: Resource, first: date, last: date, *, venue: Venue | None = None
) -> list[Span]:
    """The resource's working time on the local dates first..last (its own zone), or a
    visiting staff member's shifts at `venue`."""
    hours = working_hours(resource, venue)
    return engine.open_spans(engine.working_periods(hours, first, last))


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


def overall_ratio(rows: Sequence[Utilisation]) -> float | None:
    opened = sum((r.open for r in rows), timedelta())
    return sum((r.booked for r in rows), timedelta()) / opened if opened else None


# Charts: geometry only; the template draws it ---------------------------------------------

PLOT_TOP = 12  # room for half the top value label, centred on its gridline
PLOT_HEIGHT = 160
AXIS_HEIGHT = 26  # the x labels under the baseline
MOST_X_LABELS = 6  # what fits across a 390 px phone at 12 px


def nice_ticks(maximum: float, *, whole: bool, most: int = 4) -> tuple[float, ...]:
    """0 and up to `most` even steps of 1, 2, 2.5 or 5 × 10ⁿ, the last at or above
    `maximum`; whole steps only for counts."""
    if maximum <= 0:
        return (0, 1)
    raw = maximum / most
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1, math.ceil(step))
    steps = math.ceil(maximum / step - 1e-9)
    return tuple(i * step for i in range(steps + 1))


@dataclass(frozen=True)
class Segment:
    series: str  # a CSS class
    value: float
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    x: float  # percent of the chart's width, as is `width`
    width: float
    segments: tuple[Segment, ...]
    title: str
    label: str | None = None
    label_x: float = 0.0
    label_anchor: str = "middle"


@dataclass(frozen=True)
class GridLine:
    y: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    """Columns across the full width (x in percent, so that the text keeps its size on
    every screen), stacked segments, gridlines with their labels, in pixels down."""

    columns: tuple[Column, ...]
    gridlines: tuple[GridLine, ...]
    baseline: float
    height: float


def column_chart(
    stacks: Sequence[Sequence[tuple[str, float]]],
    titles: Sequence[str],
    labels: Sequence[str | None],
    tick_text: Callable[[float], str],
    *,
    whole: bool,
) -> ColumnChart:
    """A column per bucket; `stacks[i]` is its (series, value) segments, bottom up."""
    n = len(stacks)
    ticks = nice_ticks(max((sum(v for _, v in s) for s in stacks), default=0), whole=whole)
    top = ticks[-1]
    baseline = PLOT_TOP + PLOT_HEIGHT
    slot = 100 / n if n else 100
    width = slot * (0.7 if n > 1 else 0.4)
    columns = []
    for i, (stack, title, label) in enumerate(zip(stacks, titles, labels, strict=True)):
        segments, level = [], 0.0
        for series, value in stack:
            if value <= 0:
                continue
            y_low = baseline - PLOT_HEIGHT * level / top
            level += value
            y_high = baseline - PLOT_HEIGHT * level / top
            segments.append(Segment(series, value, round(y_high, 2), round(y_low - y_high, 2)))
        centre = slot * (i + 0.5)
        # The outer labels are anchored inside the chart, so that none is cut at its edge.
        anchor, label_x = "middle", centre
        if centre < 8:
            anchor, label_x = "start", slot * i + (slot - width) / 2
        elif centre > 92:
            anchor, label_x = "end", slot * i + (slot + width) / 2
        columns.append(
            Column(
                x=round(slot * i + (slot - width) / 2, 3),
                width=round(width, 3),
                segments=tuple(segments),
                title=title,
                label=label,
                label_x=round(label_x, 3),
                label_anchor=anchor,
            )
        )
    gridlines = tuple(
        GridLine(round(baseline - PLOT_HEIGHT * t / top, 2), tick_text(t)) for t in ticks
    )
    return ColumnChart(tuple(columns), gridlines, baseline, baseline + AXIS_HEIGHT)


def labelled(spans: Sequence[Bucket], period: Period, week_start: int) -> set[int]:
    """Which columns carry a date under them: all of a week's days; else the days that
    begin a week (or every week), thinned to what fits on a phone."""
    if len(spans) <= 7:
        return set(range(len(spans)))
    if period is Period.DAY:
        candidates = [i for i, b in enumerate(spans) if b.first.weekday() == week_start]
    else:
        candidates = list(range(len(spans)))
    step = math.ceil(len(candidates) / MOST_X_LABELS)
    return set(candidates[::step])


@dataclass(frozen=True)
class BarShare:
    """A row's bar in a table, in percent of the largest row's."""

    series: str
    x: float
    width: float


def bar_shares(
    stacks: Sequence[Sequence[tuple[str, float]]], largest: float | None = None
) -> list[tuple[BarShare, ...]]:
    """Each row's segments as a share of `largest` (by default the largest row's sum)."""
    if largest is None:
        largest = max((sum(v for _, v in s) for s in stacks), default=0)
    out = []
    for stack in stacks:
        shares, x = [], 0.0
        for series, value in stack:
            if value > 0 and largest > 0:
                width = 100 * value / largest
                shares.append(BarShare(series, round(x, 3), round(width, 3)))
                x += width
        out.append(tuple(shares))
    return out


# The page -----------------------------------------------------------------------------------

CHANNEL_NAMES = {
    Channel.WEB: _l("Website"),
    Channel.ADMIN: _l("Staff (admin)"),
    Channel.PARTNER: _l("Partners (API)"),
}


class ReportForm(RangeForm):
    """The range (at most a year, in the supported years) and how to group it."""

    by = SelectField(
        _l("Show by"),
        choices=[
            SelectChoice("", _l("Automatic")),
            SelectChoice(Period.DAY.value, _l("Day")),
            SelectChoice(Period.WEEK.value, _l("Week")),
        ],
        validators=[Optional()],
        default="",
    )

    def validate_by(self, field: Any) -> None:
        first, last = self.date_from.data, self.date_to.data
        too_long = first and last and (last - first).days >= MAX_DAYS_BY_DAY
        if field.data == Period.DAY.value and too_long:
            raise ValidationError(
                _("Show a range longer than %(days)s days by week.", days=MAX_DAYS_BY_DAY)
            )


def load_sales(venue: Venue, first: date, last: date) -> list[Sale]:
    """The columns the figures read, of the venue's bookings and cancellations that start
    on the local dates first..last: one query, bounded by the form's year."""
    start, end = local_day_range(first, last, venue.timezone)
    rows = db.session.execute(
        sa.select(
            Booking.start_at,
            Booking.status,
            Booking.confirmed_at.is_not(None),
            Booking.channel,
            Booking.service_id,
            Booking.price_cents,
            Booking.currency,
            Booking.group_id,
        ).where(
            Booking.venue_id == venue.id,
            Booking.status.in_([BookingStatus.CONFIRMED, BookingStatus.CANCELLED]),
            Booking.start_at >= start,
            Booking.start_at < end,
        )
    )
    # A booking kept without a currency is in the venue's (as its page shows it).
    return [
        Sale(at, status, bool(confirmed), channel, sid, cents, currency or venue.currency, group)
        for at, status, confirmed, channel, sid, cents, currency, group in rows
    ]


def _service_names(venue: Venue) -> dict[int, str]:
    return dict(
        db.session.execute(
            sa.select(Service.id, Service.name).where(Service.venue_id == venue.id)
        ).all()
    )


def _resources(venue: Venue) -> list[Resource]:
    return list(
        db.session.scalars(
            sa.select(Resource).where(Resource.venue_id == venue.id).order_by(Resource.name)
        )
    )


def _today(venue: Venue) -> date:
    return utcnow().astimezone(ZoneInfo(venue.timezone)).date()


def _week_start(venue: Venue) -> int:
    return dates_locale(venue.timezone).first_week_day


@dataclass(frozen=True)
class Preset:
    label: str
    first: date
    last: date


def presets(today: date, week_start: int) -> list[Preset]:
    monday = today - timedelta(days=(today.weekday() - week_start) % 7)
    month = today.replace(day=1)
    previous_month = (month - timedelta(days=1)).replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    return [
        Preset(_("This week"), monday, monday + timedelta(days=6)),
        Preset(_("Last week"), monday - timedelta(days=7), monday - timedelta(days=1)),
        Preset(_("This month"), month, next_month - timedelta(days=1)),
        Preset(_("Last month"), previous_month, month - timedelta(days=1)),
    ]


def _form(venue: Venue) -> ReportForm:
    if "date_from" in request.args or "date_to" in request.args:
        return ReportForm(request.args)
    this_week = presets(_today(venue), _week_start(venue))[0]
    return ReportForm(
        MultiDict(
            {
                "date_from": this_week.first.isoformat(),
                "date_to": this_week.last.isoformat(),
                "by": request.args.get("by", ""),
            }
        )
    )


class _Formats:
    """The page's words for dates and money: dates as the venue's country writes them
    (i18n.dates_locale), amounts in the page's language, as on the bookings pages."""

    def __init__(self, venue: Venue, first: date, last: date) -> None:
        self.locale = dates_locale(venue.timezone)
        self.currency = venue.currency
        self.years = first.year != last.year

    def day(self, day: date) -> str:
        return format_skeleton("yMMMEd" if self.years else "MMMEd", day, locale=self.locale)

    def bucket(self, bucket: Bucket) -> str:
        if bucket.first == bucket.last:
            return self.day(bucket.first)
        skeleton = "yMMMd" if self.years else "MMMd"
        return format_interval(bucket.first, bucket.last, skeleton, locale=self.locale)

    def axis_day(self, day: date, *, weekday: bool) -> str:
        """Under a column: "Mon 2" within a week, else "2 Mar"."""
        return format_skeleton("Ed" if weekday else "MMMd", day, locale=self.locale)

    @staticmethod
    def money(cents: int, currency: str) -> str:
        return format_currency(Decimal(cents).scaleb(-2), currency)

    @staticmethod
    def axis_money(major: float, currency: str) -> str:
        return format_compact_currency(major, currency, locale=get_locale(), fraction_digits=1)

    def revenue(self, figures: Figures) -> str:
        """Every currency's amount; none is "0" in the venue's."""
        amounts = [self.money(a.cents, a.currency) for a in figures.revenue]
        return ", ".join(amounts) or self.money(0, self.currency)


@dataclass(frozen=True)
class Line:
    """A row of a bar table: its name, its bar, its figures."""

    name: str
    bar: tuple[BarShare, ...]
    figures: Figures


def _bar_lines(named: Sequence[tuple[str, Figures]]) -> list[Line]:
    stacks = [(("booked", f.bookings), ("cancelled", f.cancellations)) for _name, f in named]
    return [
        Line(name, bar, figures)
        for (name, figures), bar in zip(named, bar_shares(stacks), strict=True)
    ]


@dataclass(frozen=True)
class Charts:
    """The two column charts, each with the sentences that say what it shows."""

    counts: ColumnChart
    counts_text: str
    revenue: ColumnChart
    revenue_text: str


def _charts(
    summary: Summary, period: Period, week_start: int, currency: str, fmt: _Formats
) -> Charts:
    lines = summary.by_bucket
    spans = [line.bucket for line in lines]
    shown = labelled(spans, period, week_start)
    weekday = period is Period.DAY and len(spans) <= 7
    labels = [
        fmt.axis_day(b.first, weekday=weekday) if i in shown else None for i, b in enumerate(spans)
    ]
    counts = column_chart(
        [
            (("booked", line.figures.bookings), ("cancelled", line.figures.cancellations))
            for line in lines
        ],
        [
            _(
                "%(when)s — bookings: %(bookings)s, cancellations: %(cancellations)s",
                when=fmt.bucket(line.bucket),
                bookings=format_decimal(line.figures.bookings),
                cancellations=format_decimal(line.figures.cancellations),
            )
            for line in lines
        ],
        labels,
        format_decimal,
        whole=True,
    )
    revenue = column_chart(
        [(("revenue", line.figures.cents_in(currency) / 100),) for line in lines],
        [
            _(
                "%(when)s: %(amount)s",
                when=fmt.bucket(line.bucket),
                amount=fmt.money(line.figures.cents_in(currency), currency),
            )
            for line in lines
        ],
        labels,
        lambda value: fmt.axis_money(value, currency),
        whole=False,
    )
    # What each chart shows, in a sentence or two, for those who do not see it.
    span = {"first": fmt.day(spans[0].first), "last": fmt.day(spans[-1].last)}
    counts_text = _(
        "From %(first)s to %(last)s — bookings: %(bookings)s, cancellations: %(cancellations)s.",
        bookings=format_decimal(summary.total.bookings),
        cancellations=format_decimal(summary.total.cancellations),
        **span,
    )
    busiest = max(lines, key=lambda line: line.figures.bookings)
    if busiest.figures.bookings:
        counts_text += " " + _(
            "Most bookings: %(when)s, with %(count)s.",
            when=fmt.bucket(busiest.bucket),
            count=format_decimal(busiest.figures.bookings),
        )
    revenue_text = _(
        "From %(first)s to %(last)s — revenue: %(amount)s.",
        amount=fmt.money(summary.total.cents_in(currency), currency),
        **span,
    )
    best = max(lines, key=lambda line: line.figures.cents_in(currency))
    if best.figures.cents_in(currency):
        revenue_text += " " + _(
            "Highest: %(when)s, with %(amount)s.",
            when=fmt.bucket(best.bucket),
            amount=fmt.money(best.figures.cents_in(currency), currency),
        )
    return Charts(counts, counts_text, revenue, revenue_text)


@bp.get("/venues/<int:venue_id>/reports")
def reports():
    """Managers' (auth._ROLE_BY_ENDPOINT): bookings, cancellations and revenue by day or
    week, by service and by channel, and utilisation per resource. Four queries: the
    sales, the services' names, the resources, their booked time."""
    venue = g.venue
    form = _form(venue)
    week_start = _week_start(venue)
    page: dict[str, Any] = {
        "form": form,
        "presets": presets(_today(venue), week_start),
        "zone": zone_name(venue.timezone),
    }
    if not form.validate():
        return render_template("admin/reports.html", **page), 422
    first, last = form.date_from.data, form.date_to.data
    period = Period(form.by.data) if form.by.data else default_period(first, last)
    summary = summarise(
        load_sales(venue, first, last), buckets(first, last, period, week_start), venue.timezone
    )
    currency = chart_currency(summary, venue.currency)
    fmt = _Formats(venue, first, last)
    names = _service_names(venue)
    rows = utilisation(_resources(venue), first, last, now=utcnow())
    used = bar_shares([(("used", r.ratio or 0),) for r in rows], largest=1)
    return render_template(
        "admin/reports.html",
        **page,
        period=period,
        summary=summary,
        currency=currency,
        fmt=fmt,
        charts=_charts(summary, period, week_start, currency, fmt),
        services=_bar_lines(
            [(names.get(s.service_id, f"#{s.service_id}"), s.figures) for s in summary.by_service]
        ),
        channels=_bar_lines(
            [(str(CHANNEL_NAMES[c.channel]), c.figures) for c in summary.by_channel]
        ),
        rows=list(zip(rows, used, strict=True)),
        overall=overall_ratio(rows),
    )
