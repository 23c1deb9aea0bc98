"""The one clock. Nothing else in the project asks the system for the time."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import current_app

from bookingsite.bounds import supported_utc


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, and BOOKINGSITE_FROZEN_NOW)."""

    def __init__(self, instant: datetime) -> None:
        self.set(instant)

    def now(self) -> datetime:
        return self._instant

    def set(self, instant: datetime) -> None:
        if instant.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._instant = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._instant += delta


def parse_instant(text: str) -> datetime:
    """An ISO-8601 instant with its offset, as UTC; ValueError when malformed, naive or
    outside the supported years."""
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError(f"instant {text!r} has no UTC offset")
    return supported_utc(instant)


def format_instant(instant: datetime) -> str:
    """The wire form of an instant: ISO-8601 UTC with a Z."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def local_day_start(day: date, zone: str) -> datetime:
    """The first instant of a local date, in UTC (a midnight skipped by a clock change
    starts the day at the jump)."""
    tz = ZoneInfo(zone)
    instant = datetime.combine(day, time(0)).replace(tzinfo=tz).astimezone(UTC)
    while instant.astimezone(tz).date() < day:
        instant += timedelta(minutes=15)
    return instant


def local_day_range(first: date, last: date, zone: str) -> tuple[datetime, datetime]:
    """[the start of local date `first`, the start of the day after `last`) in UTC."""
    return local_day_start(first, zone), local_day_start(last + timedelta(days=1), zone)


def local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def clock_from_config(frozen_now: str | None) -> Clock:
    return FrozenClock(parse_instant(frozen_now)) if frozen_now else SystemClock()


def get_clock() -> Clock:
    return current_app.extensions["bookingsite.clock"]


def utcnow() -> datetime:
    return get_clock().now()
