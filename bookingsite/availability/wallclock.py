"""Wall-clock time in a zone turned into UTC instants, per local date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate, repeat
from zoneinfo import ZoneInfo

from .model import MIDNIGHT, RecurringBlock, WorkingHours

ONE_US = timedelta(microseconds=1)
ONE_DAY = timedelta(days=1)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def existing(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a naive wall time, at its first occurrence if it happens twice
    (fold=0); None if it does not exist (inside a spring-forward gap)."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def boundary(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant of an opening, closing or block boundary: its first occurrence in a
    fall-back fold, and the moment of the jump when it falls inside a spring-forward gap
    (Paris, 29 March 2026, 02:30 -> 01:00Z)."""
    instant = existing(wall, zone)
    if instant is not None:
        return instant
    # fold=1 reads the wall time with the offset after the jump, which puts it before the
    # jump; fold=0 uses the offset before, which puts it after. Bisect in between.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = wall.replace(tzinfo=zone).astimezone(UTC)
    old_offset = before.astimezone(zone).utcoffset()
    while after - before > ONE_US:
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == old_offset:
            before = middle
        else:
            after = middle
    return after


@dataclass(frozen=True, slots=True)
class Period:
    """One working period of one local date, as wall times and as UTC instants."""

    day: date
    open_wall: datetime
    close_wall: datetime
    open: datetime
    close: datetime

    def grid(self, step: timedelta, zone: ZoneInfo) -> list[datetime]:
        """The period's start grid: opening + k * step in wall time, as sorted instants.
        A wall time that does not exist that day is skipped; one that happens twice is
        kept at its first occurrence only."""
        if self.close - self.open == self.close_wall - self.open_wall:
            # No offset change inside the period (tzdata never changes an offset twice
            # within one day), so wall steps are elapsed steps.
            count = -((self.open - self.close) // step)
            return list(accumulate(repeat(step, count - 1), initial=self.open))
        points = []
        wall = self.open_wall
        while wall < self.close_wall:
            instant = existing(wall, zone)
            if instant is not None and self.open <= instant < self.close:
                points.append(instant)
            wall += step
        return points


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def working_periods(hours: WorkingHours, first: date, last: date) -> list[Period]:
    """The periods of the local dates first..last, in order. A period whose boundaries
    both fall in the same gap is empty and left out."""
    zone = hours.tz
    periods = []
    for day in days(first, last):
        for open_time, close_time in hours.periods_on(day):
            open_wall = datetime.combine(day, open_time)
            close_day = day + ONE_DAY if close_time == MIDNIGHT else day
            close_wall = datetime.combine(close_day, close_time)
            opens, closes = boundary(open_wall, zone), boundary(close_wall, zone)
            if opens < closes:
                periods.append(Period(day, open_wall, close_wall, opens, closes))
    return periods


def open_spans(periods: list[Period]) -> list[tuple[datetime, datetime]]:
    """Periods that touch merged into continuous open time (around the clock, or a day
    closing at midnight before one opening at midnight): a booking may run across."""
    spans: list[tuple[datetime, datetime]] = []
    for period in periods:
        if spans and period.open <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], period.close))
        else:
            spans.append((period.open, period.close))
    return spans


def block_instants(
    block: RecurringBlock, zone: ZoneInfo, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """A recurring block's occurrences that start on the local dates first..last."""
    occurrences = []
    for day in days(first, last):
        if not block.occurs_on(day):
            continue
        end_day = day if block.end_time > block.start_time else day + ONE_DAY
        start = boundary(datetime.combine(day, block.start_time), zone)
        end = boundary(datetime.combine(end_day, block.end_time), zone)
        if start < end:
            occurrences.append((start, end))
    return occurrences
