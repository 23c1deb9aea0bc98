"""Field types shared by the API's schemas.

Every bound here exists so that no well-formed request can overflow a date, a 32-bit
column or a PostgreSQL text value: what the schema admits, the database can store. The
years and the largest id are the whole site's (bookingsite.bounds)."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)

from bookingsite.bounds import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_ID,
    in_supported_years,
    supported_utc,
)
from bookingsite.clock import format_instant


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise ValueError(_("Text cannot contain NUL characters."))
    return text


def _utc(instant: datetime) -> datetime:
    try:
        return supported_utc(instant)
    except ValueError:
        raise ValueError(
            _(
                "Give an instant between the years %(first)d and %(last)d.",
                first=EARLIEST_YEAR,
                last=LATEST_YEAR,
            )
        ) from None


def _supported_day(day: date) -> date:
    if not in_supported_years(day):
        raise ValueError(
            _(
                "Give a date between the years %(first)d and %(last)d.",
                first=EARLIEST_YEAR,
                last=LATEST_YEAR,
            )
        )
    return day


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _zone(name: str) -> str:
    if name not in _zones():
        raise ValueError(_("Unknown IANA time zone."))
    return name


def text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = text(200, 1)
ShortText = text(200)
LongText = text(2000)
Zone = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    AfterValidator(_zone),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": 64, "examples": ["Europe/Berlin"]}
    ),
]
# A local date, YYYY-MM-DD.
Day = Annotated[date, AfterValidator(_supported_day)]
# An ISO-8601 instant with an offset; answered in UTC with a trailing Z.
Instant = Annotated[
    AwareDatetime,
    AfterValidator(_utc),
    PlainSerializer(format_instant, return_type=str, when_used="json"),
]
WallTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
