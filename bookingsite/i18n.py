"""Language and time-zone selection, and Babel-formatted dates for templates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request, session
from flask_babel import format_date, format_datetime, format_time, get_locale

from bookingsite.extensions import babel

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "de": "Deutsch"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang") or session.get("lang")
    if chosen in languages:
        return chosen
    venue = getattr(g, "venue", None)
    fallback = venue.default_locale if venue is not None else current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]
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


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        local_time=local_time,
        local_date=local_date,
        local_datetime=local_datetime,
        get_locale=get_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )
