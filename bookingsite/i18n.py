"""Language and time-zone selection, and Babel-formatted dates for templates."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_time as babel_format_time
from babel.dates import format_timedelta, get_day_names
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l

from bookingsite.booking.inputs import WEEKDAY_KEYS
from bookingsite.extensions import babel

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI, tests of the service layer
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    venue = getattr(g, "venue", None)
    fallback = (
        venue.default_locale if venue is not None else current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    return request.accept_languages.best_match(languages, default=fallback)


def select_timezone() -> str:
    """Pages about a venue show its time; set g.venue to choose it."""
    venue = getattr(g, "venue", None)
    return venue.timezone if venue is not None else "UTC"


def local_time(instant: datetime, zone: str, fmt: str = "short") -> str:
    return format_time(instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None), fmt, rebase=False)


def local_date(instant: datetime, zone: str, fmt: str = "full") -> str:
    return format_date(instant.astimezone(ZoneInfo(zone)).date(), fmt)


def local_datetime(instant: datetime, zone: str, fmt: str = "medium") -> str:
    return format_datetime(
        instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None), fmt, rebase=False
    )


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


def utc_offset(instant: datetime, zone: str) -> str:
    offset = instant.astimezone(ZoneInfo(zone)).strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def local_day(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).date().isoformat()


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
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
    )
