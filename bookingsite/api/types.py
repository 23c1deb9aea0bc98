"""Field types shared by the API's schemas.

Every bound here exists so that no well-formed request can overflow a date, a 32-bit
column or a PostgreSQL text value: what the schema admits, the database can store. The
years and the largest id are the whole site's (bookingsite.bounds).

Each type's JSON schema says exactly what its validator takes, so that the OpenAPI
document and the server agree: instants and dates are strings of one written form
(never numbers read as Unix times), time zones are the IANA names zoneinfo knows."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetPydanticSchema,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import core_schema
from typing_extensions import TypeAliasType

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


# The written forms, as the OpenAPI document states them: the years in the patterns are
# the supported ones (a local date's; an instant's bound holds in UTC, checked after).
_YEAR = r"(?:19[7-9][0-9]|2[01][0-9]{2}|2200)"
_DATE = r"-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
# RFC 3339 with the T and Z in capitals, seconds always, an offset always.
_TIME = (
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
)
DAY_PATTERN = f"^{_YEAR}{_DATE}$"
INSTANT_PATTERN = f"^{_YEAR}{_DATE}{_TIME}$"
# The server reads any four-digit year, so that one out of bounds gets the bounds' message.
_DAY_TEXT = re.compile(f"[0-9]{{4}}{_DATE}")
_INSTANT_TEXT = re.compile(f"[0-9]{{4}}{_DATE}{_TIME}")


def _instant_text(value: Any) -> Any:
    """Only the written form: pydantic alone would read a number (or a string of
    digits) as a Unix time. A datetime comes from the server's own code (the response
    models), never from JSON or a query string. The message is translated only when
    it is needed: this runs for every instant of every answer."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _INSTANT_TEXT.fullmatch(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:  # the 31st of a shorter month
            pass
    raise ValueError(_("Give an ISO-8601 instant with its offset, like 2026-03-01T09:00:00Z."))


def _day_text(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic alone would read a number as a Unix time."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DAY_TEXT.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:  # the 31st of a shorter month
            pass
    raise ValueError(_("Give a date as YYYY-MM-DD."))


@lru_cache(maxsize=1)
def zones() -> tuple[str, ...]:
    """Every IANA name the server accepts, sorted: zoneinfo's set, and the OpenAPI
    document's enum."""
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=1)
def _zone_set() -> frozenset[str]:
    return frozenset(zones())


def _zone(name: str) -> str:
    if name not in _zone_set():
        raise ValueError(_("Unknown IANA time zone."))
    return name


# No NUL character, which a PostgreSQL text value cannot hold: the document says so with
# this pattern (ECMA 262 and Python read it alike); the server with its own message.
NO_NUL = "^[^\\x00]*$"


def _states_no_nul(schema: Any, handler: Any) -> dict[str, Any]:
    return handler(schema) | {"pattern": NO_NUL}


def text(max_length: int, min_length: int = 0, pattern: str | None = None) -> Any:
    """A string of at most `max_length` characters and no NUL. A `pattern` of its own
    must leave NUL out too: the document states one pattern per string."""
    if pattern is not None:
        return Annotated[
            str,
            StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern),
            AfterValidator(_no_nul),
        ]
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
        GetPydanticSchema(get_pydantic_json_schema=_states_no_nul),
    ]


# Free-form JSON (a resource's metadata): an object of any JSON values, no NUL in a string
# or a key. The server checks the whole value at once (schemas._check_metadata); the
# recursive JsonValue only states that shape in the document.
_NoNulText = Annotated[str, StringConstraints(pattern=NO_NUL)]


def _only_matching_keys(schema: Any, handler: Any) -> dict[str, Any]:
    # The keys' pattern goes to patternProperties, which constrains only the keys that
    # match it: say that no other key is taken.
    return handler(schema) | {"additionalProperties": False}


JsonValue = TypeAliasType(
    "JsonValue", "_NoNulText | float | bool | None | list[JsonValue] | _JsonObjectShape"
)
_JsonObjectShape = Annotated[
    dict[_NoNulText, JsonValue], GetPydanticSchema(get_pydantic_json_schema=_only_matching_keys)
]


def _json_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(_("This value has the wrong type."))
    return value


JsonObject = Annotated[
    dict[str, Any],
    PlainValidator(_json_object, json_schema_input_type=_JsonObjectShape),
]


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = text(200, 1)
ShortText = text(200)
LongText = text(2000)


class Zone(str):
    """An IANA time zone name the server accepts; validated and kept as a plain str.
    The OpenAPI document lists the names once, as the component TimeZone, and refers to
    it wherever a zone is taken."""

    @classmethod
    def __get_pydantic_core_schema__(cls, _source: Any, _handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            _zone, core_schema.str_schema(min_length=1, max_length=64), ref="TimeZone"
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, _schema: Any, _handler: Any) -> dict[str, Any]:
        return {
            "type": "string",
            "enum": list(zones()),
            "description": "An IANA time zone name that the server's zoneinfo database knows.",
            "examples": ["Europe/Berlin"],
        }


# A local date, YYYY-MM-DD.
Day = Annotated[
    date,
    BeforeValidator(_day_text),
    AfterValidator(_supported_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN}),
]
# An ISO-8601 (RFC 3339) instant with an offset, in the supported years; answered in UTC
# with a trailing Z.
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_instant_text),
    AfterValidator(_utc),
    PlainSerializer(format_instant, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": INSTANT_PATTERN,
            "description": "RFC 3339 with seconds and an offset (Z or +hh:mm), e.g. "
            f"2026-03-01T09:00:00Z; in UTC between {EARLIEST_YEAR}-01-01T00:00:00Z and "
            f"{LATEST_YEAR}-12-31T23:59:59Z. Answers give UTC with a Z.",
            "examples": ["2026-03-01T09:00:00Z"],
        }
    ),
]
WallTime = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
