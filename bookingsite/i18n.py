"""Language and time-zone selection, and Babel-formatted dates for templates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.core import Locale, UnknownLocaleError, get_global
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import (
    format_skeleton,
    format_timedelta,
    get_day_names,
    get_timezone_location,
    get_timezone_name,
)
from babel.dates import format_time as babel_format_time
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale, ngettext, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import LanguageAccept

from bookingsite.booking.inputs import WEEKDAY_KEYS
from bookingsite.extensions import babel

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}


def negotiate_language(
    chosen: str | None,
    accepted: LanguageAccept,
    languages: Sequence[str],
    venue_default: str | None,
    site_default: str,
) -> str:
    """The one rule every page follows: the visitor's own choice; else the best of the
    languages their browser asks for (a bare `*` asks for none); else the venue's
    default (pages about a venue); else the site's."""
    if chosen in languages:
        return chosen
    for tag, quality in accepted:  # most wanted first
        if tag == "*" or quality <= 0:
            continue
        tag = tag.lower().replace("_", "-")
        # "de-CH" is served by "de" before a less wanted "fr" is considered.
        for candidate in (tag, tag.split("-")[0]):
            if candidate in languages:
                return candidate
    if venue_default in languages:
        return venue_default
    return site_default


def select_locale() -> str:
    if not has_request_context():  # CLI, tests of the service layer
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    venue = getattr(g, "venue", None)
    return negotiate_language(
        request.args.get("lang") or session.get("lang"),
        request.accept_languages,
        current_app.config["LANGUAGES"],
        venue.default_locale if venue is not None else None,
        current_app.config["BABEL_DEFAULT_LOCALE"],
    )


def select_timezone() -> str:
    """Pages about a venue show its time; set g.venue to choose it."""
    venue = getattr(g, "venue", None)
    return venue.timezone if venue is not None else "UTC"


@lru_cache(maxsize=64)
def _regional(language: str, territory: str | None) -> Locale | None:
    try:
        return Locale.parse(f"{language}_{territory}") if territory else None
    except (UnknownLocaleError, ValueError):
        return None


def dates_locale(zone: str) -> Locale:
    """The page's language; on admin pages (g.regional_dates), written the way the
    zone's country writes dates and times: an English page about a Berlin venue reads
    "02/12/2026, 09:00" (en_DE), not "12/2/26, 9:00 AM"."""
    locale = get_locale()
    if has_request_context() and g.get("regional_dates"):
        territory = get_global("zone_territories").get(zone)
        return _regional(locale.language, territory if territory != "ZZ" else None) or locale
    return locale


def local_time(instant: datetime, zone: str, fmt: str = "short") -> str:
    local = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    return babel_format_time(local, fmt, locale=dates_locale(zone))


def local_date(instant: datetime, zone: str, fmt: str = "full") -> str:
    return babel_format_date(
        instant.astimezone(ZoneInfo(zone)).date(), fmt, locale=dates_locale(zone)
    )


def local_datetime(instant: datetime, zone: str, fmt: str = "medium") -> str:
    # Kept aware: the long formats name the zone ("Central European Standard Time").
    return babel_format_datetime(instant.astimezone(ZoneInfo(zone)), fmt, locale=dates_locale(zone))


def zone_name(zone: str, at: datetime | None = None) -> str:
    """A zone as people know it, in the visitor's language: "Central European Time ·
    Berlin" rather than "Europe/Berlin". With `at`, the name of that date's time
    ("Central European Summer Time")."""
    locale = get_locale()
    tz = ZoneInfo(zone)
    city = get_timezone_location(tz, locale=locale, return_city=True)
    if at is not None or zone in ("UTC", "Etc/UTC") or zone.startswith("Etc/"):
        # A fixed zone (UTC) has one name whatever the date.
        when = at or datetime(2000, 1, 1, tzinfo=UTC)
        name = get_timezone_name(when.astimezone(tz), "long", locale=locale)
    else:
        name = get_timezone_name(tz, "long", locale=locale)
    if not city or city == zone or city in name:
        return name
    return f"{name} · {city}"


ATTRIBUTE_LABELS = {
    "floor": _l("Floor"),
    "location": _l("Location"),
    "section": _l("Section"),
    "surface": _l("Surface"),
}


def wall_time(value: time) -> str:
    """A wall-clock time with no date or zone (opening hours)."""
    return babel_format_time(value, "short", locale=get_locale())


def duration_text(minutes: int) -> str:
    """'1 hr 30 min' style: Babel words for each unit, hours then minutes."""
    hours, rest = divmod(minutes, 60)
    parts = [
        format_timedelta(timedelta(**{unit: amount}), format="short", locale=get_locale())
        for unit, amount in (("hours", hours), ("minutes", rest))
        if amount
    ]
    return " ".join(parts)


def attribute_label(key: str) -> str:
    return str(ATTRIBUTE_LABELS.get(key, key.replace("_", " ").capitalize()))


def weekly_hours(weekly: dict[str, list[list[str]]]) -> list[tuple[str, list[tuple[str, str]]]]:
    names = get_day_names("wide", locale=get_locale())
    return [
        (
            names[index],
            [
                (wall_time(time.fromisoformat(a)), wall_time(time.fromisoformat(b)))
                for a, b in weekly.get(key, [])
            ],
        )
        for index, key in enumerate(WEEKDAY_KEYS)
    ]


def short_day(day: date) -> str:
    """A day with its weekday, short: "Thu, Dec 3", "jeu. 3 déc.", "Do., 3. Dez."."""
    return format_skeleton("MMMEd", day, locale=get_locale())


def time_elsewhere(instant: datetime, zone: str, day: date) -> str:
    """A time in another zone, for a slot listed under `day`: "6:00 PM", or with the
    weekday when that zone's date is another one ("6:00 PM Sun")."""
    text = local_time(instant, zone)
    local = instant.astimezone(ZoneInfo(zone)).date()
    if local == day:
        return text
    return _(
        "%(time)s %(weekday)s", time=text, weekday=format_skeleton("E", local, locale=get_locale())
    )


def is_local_midnight(instant: datetime, zone: str) -> bool:
    return instant.astimezone(ZoneInfo(zone)).time() == time(0)


def rental_text(start: datetime, end: datetime, zone: str) -> str:
    """A rental's pick-up and return, spelled out: around the clock "From 12:00 AM Thu,
    Dec 3 to 12:00 AM Sat, Dec 5, 2 days"; with opening hours "Pick up Thu, Dec 3 from
    9:00 AM · return Sat, Dec 5 by 6:00 PM"."""
    tz = ZoneInfo(zone)
    first, last = start.astimezone(tz), end.astimezone(tz)
    if is_local_midnight(start, zone) and is_local_midnight(end, zone):
        days = (last.date() - first.date()).days
        return _(
            "From %(start_time)s %(start_day)s to %(end_time)s %(end_day)s, %(days)s",
            start_time=local_time(start, zone),
            start_day=short_day(first.date()),
            end_time=local_time(end, zone),
            end_day=short_day(last.date()),
            days=ngettext("%(num)d day", "%(num)d days", days),
        )
    return _(
        "Pick up %(start_day)s from %(start_time)s · return %(end_day)s by %(end_time)s",
        start_time=local_time(start, zone),
        start_day=short_day(first.date()),
        end_time=local_time(end, zone),
        end_day=short_day(last.date()),
    )


def pickup_text(start: datetime, zone: str) -> str:
    """Where a rental's first day begins: "From 12:00 AM Thu, Dec 3" around the clock,
    else "Pick up Thu, Dec 3 from 9:00 AM"."""
    day = short_day(start.astimezone(ZoneInfo(zone)).date())
    if is_local_midnight(start, zone):
        return _("From %(time)s %(day)s", time=local_time(start, zone), day=day)
    return _("Pick up %(day)s from %(time)s", day=day, time=local_time(start, zone))


def return_text(end: datetime, zone: str) -> str:
    """When a rental comes back, beside its last day: "to 12:00 AM Sat, Dec 5" around
    the clock (the day after the last), else "return by 6:00 PM" (that day)."""
    if is_local_midnight(end, zone):
        day = short_day(end.astimezone(ZoneInfo(zone)).date())
        return _("to %(time)s %(day)s", time=local_time(end, zone), day=day)
    return _("return by %(time)s", time=local_time(end, zone))


def utc_offset(instant: datetime, zone: str) -> str:
    offset = instant.astimezone(ZoneInfo(zone)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def local_day(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).date().isoformat()


def _fresh_request() -> None:
    """Each request chooses its language, venue, role and logged-in person afresh, even
    where requests share an application context (the test client inside a test's app
    context)."""
    for name in ("venue", "role", "_login_user"):
        g.pop(name, None)
    refresh()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.before_request(_fresh_request)
    app.jinja_env.globals.update(
        local_time=local_time,
        local_date=local_date,
        local_datetime=local_datetime,
        local_day=local_day,
        get_locale=get_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        wall_time=wall_time,
        duration_text=duration_text,
        attribute_label=attribute_label,
        weekly_hours=weekly_hours,
        utc_offset=utc_offset,
        zone_name=zone_name,
        short_day=short_day,
        time_elsewhere=time_elsewhere,
        rental_text=rental_text,
        pickup_text=pickup_text,
        return_text=return_text,
        is_local_midnight=is_local_midnight,
    )
