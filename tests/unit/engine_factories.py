"""Factories for the engine's values: every argument has a dull default, tests override."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from bookingsite.availability import (
    Busy,
    BusyKind,
    Interval,
    Policy,
    Request,
    Resource,
    WorkingHours,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


def span(start: datetime, end: datetime) -> Interval:
    return Interval(start, end)


def every_day(*periods: tuple[time, time]) -> tuple[tuple[tuple[time, time], ...], ...]:
    return (tuple(periods),) * 7


def hours(zone: str = "UTC", *periods: tuple[time, time], **overrides: Any) -> WorkingHours:
    """Around the clock without periods, else the same periods every day."""
    weekly = every_day(*periods) if periods else None
    return WorkingHours(zone, weekly, **overrides)


def booking(start: datetime, end: datetime, venue_id: int | None = None) -> Busy:
    return Busy(start, end, BusyKind.BOOKING, venue_id)


def allocation(start: datetime, end: datetime) -> Busy:
    return Busy(start, end, BusyKind.ALLOCATION)


def make_resource(id: int = 1, **overrides: Any) -> Resource:
    overrides.setdefault("hours", hours())
    return Resource(id, **overrides)


def make_request(*places: Resource, **overrides: Any) -> Request:
    overrides.setdefault("now", NOW)
    return Request(places or (make_resource(),), **overrides)


def policy(**overrides: Any) -> Policy:
    return Policy(**overrides)
