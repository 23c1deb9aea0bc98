"""The e-mails about a booking, rendered for their reader: the customer in the booking's
language, the venue's staff in the venue's default language. Both read times in the
venue's zone, named in the message.

A message is about a whole group (the linked days of a multi-day rental): one e-mail,
with one calendar event per booking. Composing reads the rows it is given and writes
nothing, so the booking service calls it inside the transaction of the change (see
outbox.record). It needs an app context, not a request: jobs and the CLI compose too."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton, get_datetime_format
from babel.numbers import get_currency_precision
from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, format_currency, format_timedelta, get_locale
from flask_babel import gettext as _

from bookingsite.accounts import ROLE_HINTS, ROLE_NAMES
from bookingsite.booking.calendar import booking_ics
from bookingsite.booking.terms import cancel_terms, change_terms
from bookingsite.i18n import local_date, local_day, local_time
from bookingsite.models import Booking, MessageKind, Role, Venue

# Links in messages composed with neither PUBLIC_URL nor a request to take the address
# from (a job or the CLI on a server where PUBLIC_URL was forgotten).
FALLBACK_URL = "http://localhost"
TEXT_WIDTH = 72

CUSTOMER_KINDS = frozenset(
    {
        MessageKind.BOOKING_CONFIRMED,
        MessageKind.BOOKING_CANCELLED,
        MessageKind.BOOKING_MOVED,
        MessageKind.REMINDER,
    }
)
# Customer messages that carry the calendar event (a reminder does not change it).
CALENDAR_METHODS = {
    MessageKind.BOOKING_CONFIRMED: "REQUEST",
    MessageKind.BOOKING_MOVED: "REQUEST",
    MessageKind.BOOKING_CANCELLED: "CANCEL",
}
VENUE_KINDS = frozenset(
    {MessageKind.VENUE_NEW, MessageKind.VENUE_CANCELLED, MessageKind.VENUE_MOVED}
)
CANCELLATIONS = frozenset({MessageKind.BOOKING_CANCELLED, MessageKind.VENUE_CANCELLED})
MOVES = frozenset({MessageKind.BOOKING_MOVED, MessageKind.VENUE_MOVED})


@dataclass(frozen=True)
class Draft:
    kind: MessageKind
    recipient: str
    locale: str
    subject: str
    body_text: str
    body_html: str
    calendar: str | None  # an iCalendar document (text), attached as invite.ics


@dataclass(frozen=True)
class Facts:
    """What a message says about a group, formatted in the reader's language."""

    reference: str
    venue: str
    city: str
    service: str
    option: str  # the chosen option's name; "" for hourly and daily services
    guests: int
    people: tuple[str, ...]  # the staff members serving it (a duo: both), by name
    when: tuple[str, ...]  # one line per booking of the group, in the venue's zone
    before: str | None  # the time before a move
    zone: str
    price: str | None  # None when a booking of the group has no price
    link: str  # the customer's manage page, or the staff's page of the booking
    customer_name: str
    customer_email: str
    customer_phone: str
    notes: str
    contact_email: str  # the venue's, shown to customers
    contact_phone: str
    # The kept cutoffs, in words (terms.py).
    cancel_terms: str
    change_terms: str


def for_customer(
    kind: MessageKind,
    group: list[Booking],
    now: datetime,
    *,
    previous: tuple[datetime, datetime] | None = None,
) -> Draft | None:
    """None when the booking has no customer e-mail address."""
    if kind not in CUSTOMER_KINDS:
        raise ValueError(f"{kind} is not a message to the customer")
    group = sorted(group, key=lambda b: b.start_at)
    first = group[0]
    recipient = first.customer_email.strip()
    if not recipient:
        return None
    locale = _language(first.locale)
    with force_locale(locale):
        facts = _facts(
            group,
            previous if kind in MOVES else None,
            link=absolute_url("public.manage", token=first.manage_token),
        )
        subject = _customer_subject(kind, facts, group)
        calendar = None
        if kind in CALENDAR_METHODS:
            calendar = booking_ics(group, now, method=CALENDAR_METHODS[kind]).decode("utf-8")
        text, html = _render(kind, facts, subject, locale)
    return Draft(kind, recipient, locale, subject, text, html, calendar)


@dataclass(frozen=True)
class Listed:
    """One booking (or multi-day rental) in a customer's list of upcoming bookings."""

    reference: str
    venue: str
    service: str
    when: tuple[str, ...]
    zone: str
    link: str


def bookings_list(recipient: str, rentals: list[list[Booking]], locale: str) -> Draft:
    """The customer's upcoming bookings at one venue with their private links, for an
    address that asked ("find my booking"), in the language it asked in."""
    locale = _language(locale)
    venue = rentals[0][0].venue
    with force_locale(locale):
        listed = [
            Listed(
                reference=group[0].reference,
                venue=venue.name,
                service=group[0].service_name or group[0].service.name,
                when=tuple(_span(b.start_at, b.end_at, venue.timezone) for b in group),
                zone=venue.timezone,
                link=absolute_url("public.manage", token=group[0].manage_token),
            )
            for group in rentals
        ]
        subject = _one_line(_("Your upcoming bookings at %(venue)s", venue=venue.name))
        context = {
            "listed": listed,
            "venue": venue,
            "facts": {"venue": venue.name, "city": venue.city},
            "subject": subject,
            "locale": locale,
        }
        text = _wrapped(render_template("mail/bookings_list.txt", **context))
        html = render_template("mail/bookings_list.html", **context)
    return Draft(MessageKind.BOOKINGS_LIST, recipient, locale, subject, text, html, None)


def _link_mail(
    kind: MessageKind,
    template: str,
    recipient: str,
    link: str,
    lifetime: timedelta,
    venue: Venue,
    locale: str,
    subject: Callable[[], str],
    **context: Any,
) -> Draft:
    """A message to a person carrying a one-time link, in `locale`; `venue` is the one
    whose log keeps it (it names the site in the footer). `subject` and `context` values
    that are translated are made inside the locale."""
    locale = _language(locale)
    with force_locale(locale):
        title = _one_line(subject())
        context = {k: str(v) for k, v in context.items()} | {
            "link": link,
            "email": recipient,
            "lifetime": format_timedelta(lifetime, threshold=1),
            "facts": {"venue": venue.name, "city": venue.city},
            "subject": title,
            "locale": locale,
        }
        text = _wrapped(render_template(f"mail/{template}.txt", **context))
        html = render_template(f"mail/{template}.html", **context)
    return Draft(kind, recipient, locale, title, text, html, None)


def password_reset(
    recipient: str, link: str, lifetime: timedelta, venue: Venue, locale: str
) -> Draft:
    """A manager's one-time link to choose a new password."""
    return _link_mail(
        MessageKind.PASSWORD_RESET,
        "password_reset",
        recipient,
        link,
        lifetime,
        venue,
        locale,
        lambda: _("Choose a new password"),
    )


def invitation(
    recipient: str,
    link: str,
    lifetime: timedelta,
    venue: Venue,
    role: Role,
    inviter: str,
    locale: str,
) -> Draft:
    """An owner's invitation to take up `role` at `venue`, with its one-time link, in
    `locale` (the venue's language: the person has none yet)."""
    return _link_mail(
        MessageKind.INVITATION,
        "invitation",
        recipient,
        link,
        lifetime,
        venue,
        locale,
        lambda: _("Join %(venue)s on the booking site", venue=venue.name),
        inviter=inviter,
        role=ROLE_NAMES[role],
        role_hint=ROLE_HINTS[role],
    )


def for_venue(
    kind: MessageKind,
    group: list[Booking],
    now: datetime,
    *,
    previous: tuple[datetime, datetime] | None = None,
) -> Draft | None:
    """None when the venue has no notification address."""
    if kind not in VENUE_KINDS:
        raise ValueError(f"{kind} is not a message to the venue")
    group = sorted(group, key=lambda b: b.start_at)
    first = group[0]
    recipient = first.venue.notification_email.strip()
    if not recipient:
        return None
    locale = _language(first.venue.default_locale)
    with force_locale(locale):
        facts = _facts(
            group,
            previous if kind in MOVES else None,
            link=absolute_url("admin.booking_detail", venue_id=first.venue_id, booking_id=first.id),
        )
        subject = _venue_subject(kind, facts, group)
        text, html = _render(kind, facts, subject, locale)
    return Draft(kind, recipient, locale, subject, text, html, None)


def absolute_url(endpoint: str, _request_root: str | None = None, **values: Any) -> str:
    """A link that works from an e-mail. Under PUBLIC_URL when it is set (the site's
    public address, whichever host a job or an internal request runs under); otherwise
    the address of the current request, or `_request_root` (the root URL of the request
    that caused the message, for a job composing it later); with none, FALLBACK_URL."""
    base = current_app.config.get("PUBLIC_URL") or ""
    if not base and _request_root is None and has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = base or _request_root or FALLBACK_URL
    if "//" not in base:  # "book.example.com": a host without its scheme
        base = f"https://{base}"
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path.rstrip("/") or "/", url_scheme=parts.scheme
    )
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)


def _language(locale: str | None) -> str:
    if locale in current_app.config["LANGUAGES"]:
        return locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _facts(group: list[Booking], previous: tuple[datetime, datetime] | None, *, link: str) -> Facts:
    first = group[0]
    zone = first.venue.timezone
    return Facts(
        reference=first.reference,
        venue=first.venue.name,
        city=first.venue.city,
        # The kept terms: what the customer was shown, whatever the service says now.
        service=first.service_name or first.service.name,
        option=first.option_name,
        guests=first.guests,
        people=tuple(r.name for r in first.resources if r.is_staff),
        when=tuple(_span(b.start_at, b.end_at, zone) for b in group),
        before=_span(*previous, zone) if previous is not None else None,
        zone=zone,
        price=_price(group),
        link=link,
        customer_name=first.customer_name,
        customer_email=first.customer_email,
        customer_phone=first.customer_phone,
        notes=first.notes,
        contact_email=first.venue.contact_email,
        contact_phone=first.venue.contact_phone,
        cancel_terms=cancel_terms(first.cancel_cutoff_hours),
        change_terms=change_terms(first.change_cutoff_hours),
    )


def _date_and_time(day: str, time: str) -> str:
    """The locale's way of joining a date and a time ("{1}, {0}"), as Babel does."""
    pattern = get_datetime_format("medium", locale=get_locale()).replace("'", "")
    return pattern.replace("{0}", time).replace("{1}", day)


def _span(start: datetime, end: datetime, zone: str) -> str:
    """'Tuesday, March 3, 2026, 10:00 – 11:00' on the venue's wall clock."""
    start_day = local_date(start, zone, "full")
    if local_day(start, zone) == local_day(end, zone):
        return _date_and_time(start_day, f"{local_time(start, zone)} – {local_time(end, zone)}")
    return (
        f"{_date_and_time(start_day, local_time(start, zone))}"
        f" – {_date_and_time(local_date(end, zone, 'full'), local_time(end, zone))}"
    )


def _short_when(group: list[Booking]) -> str:
    """For a subject: 'Tue, Mar 3, 10:00', or the days of a group ('Tue, Mar 3 – Thu, Mar 5')."""
    zone = group[0].venue.timezone
    first, last = (_local_day(b.start_at, zone) for b in (group[0], group[-1]))
    if len(group) > 1:
        return format_interval(first, last, "MMMEd", locale=get_locale())
    day = format_skeleton("MMMEd", first, locale=get_locale())
    return _date_and_time(day, local_time(group[0].start_at, zone))


def _local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def _price(group: list[Booking]) -> str | None:
    prices = [b.price_cents for b in group]
    if any(p is None for p in prices):
        return None
    currency = group[0].currency or group[0].venue.currency
    amount = Decimal(sum(prices)).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency)


def _customer_subject(kind: MessageKind, facts: Facts, group: list[Booking]) -> str:
    values = {"service": facts.service, "when": _short_when(group)}
    if kind == MessageKind.BOOKING_CONFIRMED:
        subject = _("Booking confirmed: %(service)s, %(when)s", **values)
    elif kind == MessageKind.BOOKING_CANCELLED:
        subject = _("Booking cancelled: %(service)s, %(when)s", **values)
    elif kind == MessageKind.REMINDER:
        subject = _("Reminder: %(service)s, %(when)s", **values)
    else:
        subject = _("New time for your booking: %(service)s, %(when)s", **values)
    return _one_line(subject)


def _venue_subject(kind: MessageKind, facts: Facts, group: list[Booking]) -> str:
    values = {"reference": facts.reference, "service": facts.service, "when": _short_when(group)}
    if kind == MessageKind.VENUE_NEW:
        subject = _("New booking %(reference)s: %(service)s, %(when)s", **values)
    elif kind == MessageKind.VENUE_CANCELLED:
        subject = _("Cancelled %(reference)s: %(service)s, %(when)s", **values)
    else:
        subject = _("Moved %(reference)s: %(service)s, %(when)s", **values)
    return _one_line(subject)


def _one_line(text: str) -> str:
    """A header value: names typed by people never bring a line break into it."""
    return " ".join(text.split())


def _render(kind: MessageKind, facts: Facts, subject: str, locale: str) -> tuple[str, str]:
    context = {
        "facts": facts,
        "subject": subject,
        "locale": locale,
        "staff": kind in VENUE_KINDS,
        "cancelled": kind in CANCELLATIONS,
    }
    text = render_template(f"mail/{kind.value}.txt", **context)
    html = render_template(f"mail/{kind.value}.html", **context)
    return _wrapped(text), html


def _wrapped(text: str) -> str:
    """Plain text as mail readers like it: lines of at most TEXT_WIDTH characters (a
    long link stays whole), continued at their indent, single blank lines between
    paragraphs."""
    lines: list[str] = []
    for line in text.strip().splitlines():
        line = line.rstrip()
        if not line:
            if lines and lines[-1]:
                lines.append("")
            continue
        indent = line[: len(line) - len(line.lstrip())]
        lines.extend(
            textwrap.wrap(
                line,
                TEXT_WIDTH,
                subsequent_indent=indent,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines) + "\n"
