"""The rules that say a venue's set-up is self-consistent, stated once for every audience.

The admin's forms and the partner API gather plain values (a service's policy, a
resource's kind and skills, its opening periods, a block), call these functions, and put
each returned problem on their own field: the admin on the form field of the same name,
the API on the camelCase JSON path. Shape (types, required fields) stays with each
audience's forms or schemas, but the bounds they enforce are the constants below, and
skills and slugs are spelled by the one normaliser here. Whether a time is free stays with
the booking service.

Pure: the standard library only. The one exception is the message table at the bottom,
which marks each problem's text for translation (lazily: nothing is looked up until a
message is read, inside a request)."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

MINUTES_PER_DAY = 24 * 60
MIDNIGHT = time(0)  # as a closing time: the end of the day

# --- bounds: what the admin's validators and the API's Field constraints both enforce ----

MAX_CAPACITY = 10_000  # guests at once on a resource; guests of one option or booking
MAX_STAFF_COUNT = 20  # staff members serving one option together
MAX_DURATION_MINUTES = 31 * MINUTES_PER_DAY  # a fixed option; either end of an hourly range
MAX_DURATION_DAYS = 366  # either end of a daily range
MAX_BUFFER_MINUTES = MINUTES_PER_DAY  # before or after each booking
MAX_GRID_MINUTES = MINUTES_PER_DAY  # the alignment of start times and the step between them
MAX_LEAD_TIME_MINUTES = 366 * MINUTES_PER_DAY
MAX_HORIZON_DAYS = 1000  # within the public pages' browsable future (3 x 366 days)
MAX_PRICE_CENTS = 10**9
# A venue's customer-facing settings, for the admin and the API alike.
MAX_CUTOFF_HOURS = 720  # 30 days: how long before the start customers stop cancelling or changing
MAX_REMINDER_HOURS = 168  # a week ahead
MAX_PHONE_LENGTH = 40  # the contact_phone column's length
MAX_EMAIL_LENGTH = 254  # the e-mail columns' length
SLUG_MAX_LENGTH = 80  # the slug columns' length
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Mode(StrEnum):
    """How a service's duration is chosen (the values of models.DurationMode)."""

    FIXED = "fixed"
    HOURLY = "hourly"
    DAILY = "daily"


class StartAlignment(StrEnum):
    """Where a service's start times count their steps from, in the venue's wall-clock
    time (the values of the engine's Anchor, stored in services.start_alignment)."""

    OPENING = "opening"  # every step from each opening: 09:10, 09:40... for a 09:10 opening
    CLOCK = "clock"  # every step from midnight: 09:30, 10:00... whatever the opening


class SetupField(StrEnum):
    """The field a problem belongs to, named as the admin form names it."""

    VARIANTS = "variants"
    MIN_MINUTES = "min_minutes"
    MAX_MINUTES = "max_minutes"
    MIN_DAYS = "min_days"
    MAX_DAYS = "max_days"
    GRID_STEP_MINUTES = "grid_step_minutes"
    LEAD_TIME_MINUTES = "lead_time_minutes"
    RESOURCES = "resources"
    REQUIRED_SKILLS = "required_skills"
    SKILLS = "skills"  # a resource's own skills
    PERIODS = "periods"  # one day's opening periods; the caller knows which day
    WEEKLY_HOURS = "weekly_hours"  # the week as a whole (the admin shows it on the form)
    END_TIME = "end_time"  # a block's end
    WEEKDAYS = "weekdays"  # a weekly block's days
    REPEAT_UNTIL = "repeat_until"  # a weekly block's last date


class Rule(StrEnum):
    """A stable code for each way a set-up can contradict itself."""

    FIXED_WITHOUT_OPTION = "FIXED_WITHOUT_OPTION"
    RANGE_WITH_FIXED = "RANGE_WITH_FIXED"
    OPTIONS_WITH_RANGE = "OPTIONS_WITH_RANGE"
    RANGE_INCOMPLETE = "RANGE_INCOMPLETE"
    RANGE_REVERSED = "RANGE_REVERSED"
    OTHER_UNIT = "OTHER_UNIT"
    DURATION_OFF_ALIGNMENT = "DURATION_OFF_ALIGNMENT"
    STEP_OFF_ALIGNMENT = "STEP_OFF_ALIGNMENT"
    CLOCK_STEP_OFF_DAY = "CLOCK_STEP_OFF_DAY"
    LEAD_TIME_BEYOND_HORIZON = "LEAD_TIME_BEYOND_HORIZON"
    NO_PLACE = "NO_PLACE"
    SKILLS_NOBODY_HAS = "SKILLS_NOBODY_HAS"
    TEAM_WITHOUT_SKILLS = "TEAM_WITHOUT_SKILLS"
    TEAM_LARGER_THAN_STAFF = "TEAM_LARGER_THAN_STAFF"
    STAFF_WITHOUT_SKILLS = "STAFF_WITHOUT_SKILLS"
    SKILLS_OFF_STAFF = "SKILLS_OFF_STAFF"
    PERIOD_BACKWARDS = "PERIOD_BACKWARDS"
    PERIODS_OVERLAP = "PERIODS_OVERLAP"
    NEVER_OPEN = "NEVER_OPEN"
    BLOCK_BACKWARDS = "BLOCK_BACKWARDS"
    WEEKLY_BLOCK_TOO_LONG = "WEEKLY_BLOCK_TOO_LONG"
    REPEAT_WITHOUT_WEEKDAYS = "REPEAT_WITHOUT_WEEKDAYS"
    REPEAT_BEFORE_START = "REPEAT_BEFORE_START"


@dataclass(frozen=True)
class Problem:
    field: SetupField
    rule: Rule
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The translated text, placeholders filled (read it inside a request)."""
        return str(MESSAGES[self.rule]) % dict(self.params)


@dataclass(frozen=True)
class ChosenResource:
    """A resource chosen to serve a service: staff (with skills) or a place."""

    is_staff: bool
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ServicePolicy:
    """A service's set-up as plain values. Range bounds of the other unit are None unless
    the sender set them; variant_minutes holds the filled fixed options' durations;
    buffer_minutes is the buffers before and after together (they make the step when
    none is given)."""

    mode: Mode
    alignment_minutes: int
    lead_time_minutes: int
    horizon_days: int
    variant_minutes: tuple[int, ...] = ()
    variant_staff_counts: tuple[int, ...] = ()
    min_minutes: int | None = None
    max_minutes: int | None = None
    min_days: int | None = None
    max_days: int | None = None
    step_minutes: int | None = None
    start_alignment: StartAlignment = StartAlignment.OPENING
    buffer_minutes: int = 0
    required_skills: frozenset[str] = frozenset()
    resources: tuple[ChosenResource, ...] = ()


def service_problems(policy: ServicePolicy) -> list[Problem]:
    """Every contradiction in a service's set-up, in the order the form reads."""
    return [
        *_duration_problems(policy),
        *_grid_problems(policy),
        *_window_problems(policy),
        *_resource_problems(policy),
    ]


def _duration_problems(p: ServicePolicy) -> Iterable[Problem]:
    minutes = {SetupField.MIN_MINUTES: p.min_minutes, SetupField.MAX_MINUTES: p.max_minutes}
    days = {SetupField.MIN_DAYS: p.min_days, SetupField.MAX_DAYS: p.max_days}
    if p.mode == Mode.FIXED:
        if not p.variant_minutes:
            yield Problem(SetupField.VARIANTS, Rule.FIXED_WITHOUT_OPTION)
        for name, value in (minutes | days).items():
            if value is not None:
                yield Problem(name, Rule.RANGE_WITH_FIXED)
        return
    if p.variant_minutes:
        yield Problem(SetupField.VARIANTS, Rule.OPTIONS_WITH_RANGE)
    bounds, other = (minutes, days) if p.mode == Mode.HOURLY else (days, minutes)
    for name, value in bounds.items():
        if value is None:
            yield Problem(name, Rule.RANGE_INCOMPLETE)
    (low_name, low), (_high_name, high) = bounds.items()
    if low is not None and high is not None and low > high:
        yield Problem(low_name, Rule.RANGE_REVERSED)
    for name, value in other.items():
        if value is not None:
            yield Problem(name, Rule.OTHER_UNIT)
    if p.mode == Mode.HOURLY:
        for name, value in bounds.items():
            if value and p.alignment_minutes and value % p.alignment_minutes:
                yield Problem(name, Rule.DURATION_OFF_ALIGNMENT, {"n": p.alignment_minutes})


def _grid_problems(p: ServicePolicy) -> Iterable[Problem]:
    step, align = p.step_minutes, p.alignment_minutes
    if step and align and step % align:
        yield Problem(SetupField.GRID_STEP_MINUTES, Rule.STEP_OFF_ALIGNMENT, {"n": align})
    if p.start_alignment == StartAlignment.CLOCK:
        # Counted from every midnight, a step that does not divide the day would drift
        # from one day to the next instead of falling on the same times.
        uneven = next((s for s in _grid_steps(p) if MINUTES_PER_DAY % s), None)
        if uneven is not None:
            yield Problem(SetupField.GRID_STEP_MINUTES, Rule.CLOCK_STEP_OFF_DAY, {"n": uneven})


def _grid_steps(p: ServicePolicy) -> list[int]:
    """The steps between start times the service's grids use: the given step, else per
    duration the duration plus the buffers rounded up to the alignment (as the engine's
    Grid.step_for; hourly ranges list starts for the shortest duration). Daily ranges
    have no grid."""
    if p.mode == Mode.DAILY or not p.alignment_minutes:
        return []
    if p.step_minutes:
        return [p.step_minutes]
    durations = p.variant_minutes if p.mode == Mode.FIXED else (p.min_minutes,)
    align = p.alignment_minutes
    return [-(-(d + p.buffer_minutes) // align) * align for d in durations if d]


def _window_problems(p: ServicePolicy) -> Iterable[Problem]:
    if p.lead_time_minutes > p.horizon_days * MINUTES_PER_DAY:
        yield Problem(SetupField.LEAD_TIME_MINUTES, Rule.LEAD_TIME_BEYOND_HORIZON)


def _resource_problems(p: ServicePolicy) -> Iterable[Problem]:
    staff = [r for r in p.resources if r.is_staff]
    if len(staff) == len(p.resources):
        yield Problem(SetupField.RESOURCES, Rule.NO_PLACE)
    skills = p.required_skills
    if skills and not any(skills <= r.skills for r in staff):
        yield Problem(SetupField.REQUIRED_SKILLS, Rule.SKILLS_NOBODY_HAS)
    if not skills and staff:
        yield Problem(SetupField.REQUIRED_SKILLS, Rule.STAFF_WITHOUT_SKILLS)
    # An option served by several staff members needs staff to draw them from.
    team = max(p.variant_staff_counts, default=1)
    if team > 1 and not skills:
        yield Problem(SetupField.VARIANTS, Rule.TEAM_WITHOUT_SKILLS, {"n": team})
    elif team > 1:
        qualified = sum(1 for r in staff if skills <= r.skills)
        if team > qualified:
            yield Problem(
                SetupField.VARIANTS, Rule.TEAM_LARGER_THAN_STAFF, {"n": team, "m": qualified}
            )


# --- resources ----------------------------------------------------------------------------


def normalise_skills(skills: Iterable[str]) -> list[str]:
    """How every audience spells skills, a resource's or those a service requires:
    trimmed, lower-case, each once, sorted. [' Massage', 'facial', 'massage'] ->
    ['facial', 'massage']."""
    return sorted({s.strip().lower() for s in skills if s.strip()})


def resource_problems(*, is_staff: bool, skills: Collection[str]) -> list[Problem]:
    """Only staff members have skills (a place is chosen, never matched by skill)."""
    if skills and not is_staff:
        return [Problem(SetupField.SKILLS, Rule.SKILLS_OFF_STAFF)]
    return []


# --- opening hours ------------------------------------------------------------------------


def period_problems(periods: Sequence[tuple[time, time]]) -> list[Problem]:
    """One day's opening periods, [opens, closes) in wall-clock time; a close at 00:00 is
    midnight, the end of the day. A period must close after it opens, and the periods of
    one day must not overlap (in any order)."""
    problems = [
        Problem(
            SetupField.PERIODS, Rule.PERIOD_BACKWARDS, {"value": f"{opens:%H:%M}-{closes:%H:%M}"}
        )
        for opens, closes in periods
        if closes != MIDNIGHT and closes <= opens
    ]
    ordered = sorted(periods)
    for (_opens, closes), (next_opens, _closes) in zip(ordered, ordered[1:], strict=False):
        if closes == MIDNIGHT or next_opens < closes:
            problems.append(Problem(SetupField.PERIODS, Rule.PERIODS_OVERLAP))
            break
    return problems


def weekly_hours_problems(weekly: Mapping[str, Sequence[Any]] | None) -> list[Problem]:
    """A week of opening periods per weekday key; None is open around the clock. A week
    with no period at all would never be open: surely a mistake, so it is refused."""
    if weekly is not None and not any(weekly.values()):
        return [Problem(SetupField.WEEKLY_HOURS, Rule.NEVER_OPEN)]
    return []


# --- blocks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """Blocked time on a resource: [start, end) as aware UTC instants, the resource's
    zone, and for a weekly block its weekdays (0 = Monday) and last local date. A weekly
    block repeats the first occurrence's local wall-clock times (see the engine's
    RecurringBlock), so it must end less than a day after it starts."""

    start: datetime
    end: datetime
    zone: str
    weekdays: frozenset[int] = frozenset()
    repeat_until: date | None = None


def block_problems(block: Block) -> list[Problem]:
    """A block ends after it starts (if not, nothing else is said); a repetition end
    needs weekdays; a weekly block lasts less than a day on the resource's wall clock,
    and its repetition does not end before the local date of its first occurrence."""
    if block.end <= block.start:
        return [Problem(SetupField.END_TIME, Rule.BLOCK_BACKWARDS)]
    if not block.weekdays:
        if block.repeat_until is not None:
            return [Problem(SetupField.WEEKDAYS, Rule.REPEAT_WITHOUT_WEEKDAYS)]
        return []
    zone = ZoneInfo(block.zone)
    start, end = (t.astimezone(zone).replace(tzinfo=None) for t in (block.start, block.end))
    problems = []
    if end - start >= timedelta(days=1):
        problems.append(Problem(SetupField.END_TIME, Rule.WEEKLY_BLOCK_TOO_LONG))
    if block.repeat_until is not None and block.repeat_until < start.date():
        problems.append(Problem(SetupField.REPEAT_UNTIL, Rule.REPEAT_BEFORE_START))
    return problems


# --- slugs --------------------------------------------------------------------------------

_SLUG_GAPS = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    """'Salle Été n°2' -> 'salle-ete-n-2': ASCII letters and digits (accents dropped)
    joined by single hyphens, at most SLUG_MAX_LENGTH long; '' when nothing is left."""
    letters = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in letters if not unicodedata.combining(c))  # é -> e
    return _SLUG_GAPS.sub("-", plain).strip("-")[:SLUG_MAX_LENGTH].rstrip("-")


def free_slug(text: str, taken: Collection[str], fallback: str = "item") -> str:
    """The slug of `text` (or `fallback`) if `taken` lacks it, else the first free one of
    slug-2, slug-3... with the base cut so that the whole still fits."""
    base = slugify(text) or fallback
    suffixed = (
        base[: SLUG_MAX_LENGTH - len(f"-{n}")].rstrip("-") + f"-{n}" for n in itertools.count(2)
    )
    return next(slug for slug in itertools.chain([base], suffixed) if slug not in taken)


# --- messages -----------------------------------------------------------------------------

MESSAGES: dict[Rule, Any] = {
    Rule.FIXED_WITHOUT_OPTION: _l("A service with fixed options needs at least one option."),
    Rule.RANGE_WITH_FIXED: _l(
        "A service has fixed options or a duration range, never both: clear this or choose a range."
    ),
    Rule.OPTIONS_WITH_RANGE: _l(
        "A service has fixed options or a duration range, never both: "
        "remove the options or choose fixed options."
    ),
    Rule.RANGE_INCOMPLETE: _l("Give the shortest and the longest duration."),
    Rule.RANGE_REVERSED: _l("The shortest duration is longer than the longest."),
    Rule.OTHER_UNIT: _l("This does not apply to the chosen kind of duration."),
    Rule.DURATION_OFF_ALIGNMENT: _l("Durations must be a multiple of the %(n)s-minute alignment."),
    Rule.STEP_OFF_ALIGNMENT: _l("The step must be a multiple of the %(n)s-minute alignment."),
    Rule.CLOCK_STEP_OFF_DAY: _l(
        "Starts on the clock need a step that divides a day evenly, such as 15, 30 or 60 "
        "minutes; the step here is %(n)s minutes."
    ),
    Rule.LEAD_TIME_BEYOND_HORIZON: _l(
        "The lead time is longer than the horizon: nothing could ever be booked."
    ),
    Rule.NO_PLACE: _l("Choose at least one place (a resource that is not staff)."),
    Rule.TEAM_WITHOUT_SKILLS: _l(
        "An option needs %(n)s staff members: choose the skills they need and the staff "
        "who have them."
    ),
    Rule.TEAM_LARGER_THAN_STAFF: _l(
        "An option needs %(n)s staff members, but only %(m)s chosen staff members have the "
        "skills: choose more, or need fewer."
    ),
    Rule.SKILLS_NOBODY_HAS: _l(
        "No chosen staff member has all these skills: choose one who has them."
    ),
    Rule.STAFF_WITHOUT_SKILLS: _l(
        "Staff members are only booked when the service requires skills: name them."
    ),
    Rule.SKILLS_OFF_STAFF: _l("Only staff members have skills."),
    Rule.PERIOD_BACKWARDS: _l("The period %(value)s closes before it opens."),
    Rule.PERIODS_OVERLAP: _l("The periods overlap."),
    Rule.NEVER_OPEN: _l("Give at least one opening period, or open the resource around the clock."),
    Rule.BLOCK_BACKWARDS: _l("The block must end after it starts."),
    Rule.WEEKLY_BLOCK_TOO_LONG: _l("A weekly block must end less than a day after it starts."),
    Rule.REPEAT_WITHOUT_WEEKDAYS: _l("Choose the weekdays to repeat on."),
    Rule.REPEAT_BEFORE_START: _l("The repetition cannot end before it starts."),
}
