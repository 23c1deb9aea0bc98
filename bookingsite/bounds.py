"""The bounds of what the site takes from outside — dates, instants, ids — for all three
audiences, in one place.

The years are wide enough for any booking and narrow enough that no arithmetic on an
accepted date (a day of margin, a horizon, a week around it) can leave datetime's range.
Ids fit PostgreSQL's 32-bit INTEGER keys (and SQLite's 64-bit ones): a larger one could
only fail in the database driver, so it is refused before any query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from werkzeug.routing import IntegerConverter

EARLIEST_YEAR, LATEST_YEAR = 1970, 2200
FIRST_DAY, LAST_DAY = date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31)
MAX_ID = 2**31 - 1

# How far from today customers may page the slot grid: further dates are refused, not
# computed (narrower than the supported years: a product rule, not a safety margin).
BROWSABLE_PAST = timedelta(days=366)
BROWSABLE_FUTURE = timedelta(days=3 * 366)


def in_supported_years(day: date) -> bool:
    """Whether a date (or a datetime, in its own zone) lies in the supported years."""
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


def supported_utc(instant: datetime) -> datetime:
    """An aware instant in UTC; ValueError when it lies outside the supported years (or
    so far outside that UTC cannot even express it)."""
    try:
        instant = instant.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{instant!r} is out of range") from None
    if not in_supported_years(instant):
        raise ValueError(f"{instant!r} is outside {EARLIEST_YEAR}..{LATEST_YEAR}")
    return instant


def browsable(day: date, today: date) -> bool:
    """Whether customers may page the slot grid to this day."""
    return today - BROWSABLE_PAST <= day <= today + BROWSABLE_FUTURE


def clamp_day(day: date) -> date:
    """The nearest supported date."""
    return min(max(day, FIRST_DAY), LAST_DAY)


def numbers_up_to(limit: int) -> str:
    """A regular expression for exactly the numbers 1..limit, written without leading
    zeros: the shorter numbers, then those as long as `limit` that fall below it at some
    digit after sharing its first ones, then `limit` itself."""
    digits = str(limit)
    options = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        lowest = 0 if i else 1  # no leading zero
        if int(digit) > lowest:
            rest = len(digits) - i - 1
            options.append(rf"{digits[:i]}[{lowest}-{int(digit) - 1}]\d{{{rest}}}")
    options.append(digits)
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: an id outside 1..MAX_ID matches no rule, so it is a
    404 before any view runs, whichever audience asks. The bound is in the pattern, not
    a check after matching: Werkzeug would answer such a failed match with 405 wherever
    another method's rule shares the path."""

    regex = numbers_up_to(MAX_ID)


def init_app(app: Flask) -> None:
    """Before any blueprint registers: a rule picks its converter when it is added."""
    app.url_map.converters["int"] = IdConverter
