"""The availability engine: which ranges of time can be booked, and why not.

Pure: it imports only the standard library, reads no clock (``now`` comes in the
request), does no I/O, and takes and returns frozen dataclasses and enums.

Intervals
    Every range is half-open, ``[start, end)``: a booking may start the instant another
    ends. ``overlaps`` is the one test of two ranges meeting.

Time zones
    Every instant going in or out is an aware UTC datetime. Working hours and recurring
    blocks are wall-clock times in the resource's zone, turned into UTC per local date, so
    a daylight-saving change moves them correctly:

    * a boundary (opening, close, block edge) inside a spring-forward gap is the instant of
      the jump (Paris, 2026-03-29 02:30 -> 01:00Z); one inside a fall-back fold is its
      first occurrence (fold=0), for openings and closes alike;
    * the start grid is wall-clock too, anchored at each working period's opening (local
      midnight around the clock): opening + k * step. A grid time that does not exist that
      day is skipped, never moved; one that happens twice is offered once, at its first
      occurrence;
    * a slot ends its duration later in elapsed time, and must lie in open time (working
      periods that touch, such as consecutive days around the clock, are continuous);
      buffers may reach outside the hours but not over anything busy;
    * lead time and horizon are elapsed time from ``now``.

Daily ranges
    A day's working time runs from its first opening to its last close (midnight to
    midnight around the clock, so 23 or 25 hours on daylight-saving days). A run of days
    is calendar days in a row: a day without working time (closed on Sunday) ends it.
    Days that touch become one continuous booking, other runs one linked booking per day.

Ordering
    Results come sorted: slots by (start, resource id), end options by end, day slots by
    day, day ends by last day. "Any free resource" means the lowest-id one that is free
    (and the lowest-id qualified staff member, or for an option needing a team of n the
    n lowest-id distinct ones, never one twice), so one slot is listed per start.
"""

from .engine import day_slots, end_days, end_times, find_slots, next_available, pick, why_not
from .explain import day_reason
from .model import (
    Busy,
    BusyKind,
    DayEnd,
    DaySlot,
    EndOption,
    Grid,
    Interval,
    Policy,
    Reason,
    RecurringBlock,
    Request,
    Resource,
    Slot,
    WorkingHours,
    overlaps,
)
from .wallclock import block_instants, open_spans, working_periods

__all__ = [
    "Busy",
    "BusyKind",
    "DayEnd",
    "DaySlot",
    "EndOption",
    "Grid",
    "Interval",
    "Policy",
    "Reason",
    "RecurringBlock",
    "Request",
    "Resource",
    "Slot",
    "WorkingHours",
    "block_instants",
    "day_reason",
    "day_slots",
    "end_days",
    "end_times",
    "find_slots",
    "next_available",
    "open_spans",
    "overlaps",
    "pick",
    "why_not",
    "working_periods",
]
