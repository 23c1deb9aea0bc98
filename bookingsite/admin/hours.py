"""Working hours as managers type them ("09:00-12:00, 13:00-18:00") and as stored
(`[["09:00", "12:00"], ["13:00", "18:00"]]`; a close of "00:00" is midnight, the end of
the day), plus local wall-clock times turned into UTC instants."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from bookingsite.setup_rules import period_problems

_PERIOD = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


class HoursError(ValueError):
    """A translated explanation of what is wrong with the typed hours."""


def _parse_time(text: str, *, closing: bool) -> time:
    if closing and text in ("24:00", "0:00", "00:00"):
        return time(0)
    try:
        return time.fromisoformat(text.zfill(5))
    except ValueError:
        raise HoursError(_("%(value)s is not a time of day.", value=text)) from None


def parse_periods(text: str) -> list[list[str]]:
    """'09:00-12:00, 13:00-24:00' -> [["09:00", "12:00"], ["13:00", "00:00"]]; whether
    the periods agree with each other is setup_rules.period_problems' call."""
    periods: list[tuple[time, time]] = []
    for chunk in filter(None, (c.strip() for c in re.split(r"[,;]", text or ""))):
        match = _PERIOD.match(chunk)
        if match is None:
            raise HoursError(
                _("Write each period as 09:00-17:00; “%(value)s” is not.", value=chunk)
            )
        opens = _parse_time(match.group(1), closing=False)
        closes = _parse_time(match.group(2), closing=True)
        periods.append((opens, closes))
    return _checked(periods)


def parse_pairs(pairs: list[tuple[str, str]]) -> list[list[str]]:
    """One day's periods as typed in pairs of time inputs, [("09:00", "12:00"), ...];
    rows left empty are skipped, a close of 00:00 is midnight (the end of the day)."""
    periods: list[tuple[time, time]] = []
    for opens_text, closes_text in pairs:
        opens_text, closes_text = opens_text.strip(), closes_text.strip()
        if not opens_text and not closes_text:
            continue
        if not opens_text or not closes_text:
            raise HoursError(_("Give each period a start and an end."))
        periods.append(
            (_parse_time(opens_text, closing=False), _parse_time(closes_text, closing=True))
        )
    return _checked(periods)


def _checked(periods: list[tuple[time, time]]) -> list[list[str]]:
    problems = period_problems(periods)
    if problems:
        raise HoursError(problems[0].message)
    return [[o.strftime("%H:%M"), c.strftime("%H:%M")] for o, c in sorted(periods)]


def format_periods(periods: list[list[str]] | None) -> str:
    return ", ".join(f"{o}-{'24:00' if c == '00:00' else c}" for o, c in periods or [])


class NonexistentTime(ValueError):
    pass


def to_utc(day: date, at: time, zone: str) -> datetime:
    """A local wall-clock time as a UTC instant: its first occurrence when the clocks go
    back; NonexistentTime inside the hour the clocks skip."""
    tz = ZoneInfo(zone)
    wall = datetime.combine(day, at)
    instant = wall.replace(tzinfo=tz).astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != wall:
        raise NonexistentTime(wall)
    return instant
